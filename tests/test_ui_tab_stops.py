"""Tab goes only where a key does something: in every mode and lesson, Tab from the
canvas visits visible controls only (no scroll area, plot or drawing), never stays trapped in a
table, and comes back round to the canvas."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QGraphicsView, QScrollArea

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401


def tab_round(window, qtbot, limit: int = 80) -> list:
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    seen = []
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        widget = QApplication.focusWidget()
        if widget is window.canvas:
            return seen
        seen.append(widget)
    raise AssertionError(f"Tab never came back to the canvas: {[type(w).__name__ for w in seen[-5:]]}")


@pytest.mark.parametrize("mode, lesson", [("Design", None), pytest.param("Train", None, marks=pytest.mark.slow),
                                          ("Learn", "backprop"),
                                          ("Learn", "graph"), ("Learn", "perceptron"), ("Learn", "activations")])
def test_tab_visits_only_visible_controls_and_comes_back(window, qtbot, mode, lesson):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[1].uid])   # the inspector has settings to visit
    window.set_mode(mode)
    if lesson:
        window.learn_mode.show_lesson(lesson)
    deliver_posted_events()
    seen = tab_round(window, qtbot)
    quiet = [type(w).__name__ for w in seen
             if isinstance(w, QScrollArea) or (isinstance(w, QGraphicsView) and w is not window.canvas)]
    assert not quiet, quiet
    assert all(w.isVisible() for w in seen)
    assert len(seen) == len(set(seen))          # each stop once: nothing keeps Tab to itself
    if mode == "Design":
        names = {type(w).__name__ for w in seen}
        assert "PaletteTree" in names and "QTableView" in names
