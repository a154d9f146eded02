"""Every mode works at 1280×720 (issue 12): the window's minimum size stays within that screen
in each mode and each lesson, and after leaving them (a plain stack of pages kept the widest
page's minimum forever: 1,477 px after Learn)."""
from __future__ import annotations

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401

from designer.ui.learn.lessons import LESSONS

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


def squeezed(window) -> list:
    """The docks and lesson views narrower or lower than they need, in the window as it is."""
    out = []
    for place, dock in window.docks.items():
        page = window.stacks[place].currentWidget()
        need = page.minimumSizeHint().expandedTo(page.minimumSize())
        if dock.isVisible() and (page.width() < need.width() or page.height() < need.height()):
            out.append(f"{place}: {page.width()}×{page.height()} < {need.width()}×{need.height()}")
    return out


def test_at_1280_by_720_no_panel_is_squeezed_below_what_it_needs(window, qtbot):
    window.files.new_from_template("alexnet")
    window.resize(*SCREEN)
    qtbot.waitUntil(lambda: (window.width(), window.height()) == SCREEN)
    for mode in ("Design", "Train", "Learn"):
        window.set_mode(mode)
        keys = [lesson.key for lesson in LESSONS] if mode == "Learn" else [None]
        for key in keys:
            if key:
                window.learn_mode.show_lesson(key)
            deliver_posted_events()
            assert not squeezed(window), f"{mode} {key or ''}: {squeezed(window)}"
            # The lesson list and the inspector beside a lesson keep a readable width (a
            # 955-px lesson left them 105 and 160 px, their text cut).
            assert window.docks["left"].width() >= 200, (mode, key, window.docks["left"].width())
            assert window.docks["right"].width() >= 240, (mode, key, window.docks["right"].width())
            assert not window.inspector.horizontalScrollBar().isVisible(), (mode, key)
    view = window.learn_mode.show_lesson("perceptron")
    deliver_posted_events()
    assert view.readout.width() >= 190                     # its sentences are not cut
