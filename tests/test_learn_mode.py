"""The Learn mode: its tab opens the lesson list and the first lesson; every lesson opens from the
list and from the Learn menu, and none of them is a placeholder."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel

from designer.ui.learn.lessons import LESSONS
from ui_support import dialog_log, window  # noqa: F401


def test_learn_tab_shows_the_lessons_and_each_lesson_opens(window, qtbot):
    window.set_mode("Learn")
    mode = window.learn_mode
    assert mode.list.count() == len(LESSONS)
    assert mode.current == LESSONS[0].key
    assert window.docks["left"].windowTitle() == "Lessons"
    for row, lesson in enumerate(LESSONS):
        mode.list.setCurrentRow(row)
        view = mode.bottom.currentWidget()
        assert mode.current == lesson.key and view is mode.views[lesson.key]
        assert not isinstance(view, QLabel), f"{lesson.title} is not built: {view.text()}"
        assert window.docks["bottom"].windowTitle() == lesson.title


def test_learn_menu_switches_to_the_lesson_from_another_mode(window, qtbot):
    window.set_mode("Learn")
    window.set_mode("Design")
    menu = window.learn_mode.menu
    assert not menu.menuAction().isVisible()
    action = next(a for a in menu.actions() if a.text() == LESSONS[-1].title)
    action.trigger()
    assert window.current_mode == "Learn"
    assert window.learn_mode.current == LESSONS[-1].key
    assert menu.menuAction().isVisible()
