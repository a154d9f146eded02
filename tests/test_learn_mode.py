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


def test_learn_menu_opens_a_lesson_from_any_mode(window, qtbot):
    menus = [action.text() for action in window.menuBar().actions() if action.isVisible()]
    assert menus[-2:] == ["&Learn", "&Help"]  # there from the start, before the mode was built
    assert not hasattr(window, "learn_mode")
    action = next(a for a in window.menus.learn.actions() if a.text() == LESSONS[-1].title)
    assert action.shortcut().toString() == f"Alt+{len(LESSONS)}"
    action.trigger()
    assert window.current_mode == "Learn" and window.learn_mode.current == LESSONS[-1].key
    window.set_mode("Train")
    menus = [action.text() for action in window.menuBar().actions() if action.isVisible()]
    assert menus[-3:] == ["T&raining", "&Learn", "&Help"]
    window.actions_by_name[f"lesson_{LESSONS[0].key}"].trigger()
    assert window.current_mode == "Learn" and window.learn_mode.current == LESSONS[0].key
