"""Every mode works at 1280×720 (issue 12): the window's minimum size stays within that screen
in each mode and each lesson, and after leaving them (a plain stack of pages kept the widest
page's minimum forever: 1,477 px after Learn)."""
from __future__ import annotations

from designer.ui.learn.lessons import LESSONS
from ui_support import dialog_log, window  # noqa: F401

SCREEN = (1280, 720)


def fits(window) -> tuple:
    hint = window.minimumSizeHint()
    return hint.width() <= SCREEN[0] and hint.height() <= SCREEN[1], (hint.width(), hint.height())


def test_every_mode_fits_a_small_screen_and_leaves_no_minimum_behind(window, qtbot):
    ok, size = fits(window)
    assert ok, f"Design needs {size}"
    window.set_mode("Train")
    ok, size = fits(window)
    assert ok, f"Train needs {size}"
    window.set_mode("Learn")
    for lesson in LESSONS:
        window.learn_mode.show_lesson(lesson.key)
        ok, size = fits(window)
        assert ok, f"the lesson {lesson.title} needs {size}"
    window.set_mode("Design")
    design = window.minimumSizeHint()
    ok, size = fits(window)
    assert ok, f"Design after Learn and Train needs {size}"
    # Back in Design, the window asks no more than Design's own panels need.
    for place in ("left", "right", "bottom"):
        stack = window.stacks[place]
        assert stack.minimumSizeHint().width() <= max(stack.currentWidget().minimumSizeHint().width(),
                                                      stack.currentWidget().minimumWidth())
    window.resize(*SCREEN)
    qtbot.waitUntil(lambda: window.width() <= SCREEN[0])
    assert design.width() <= SCREEN[0]
