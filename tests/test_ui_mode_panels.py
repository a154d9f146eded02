"""A mode's dock sizes (applied the first time it is entered) and its on_close (called when the
window closes): what Train and Learn used to write as their own closures."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QLabel

from designer.ui.modes import ModePanels
from ui_support import dialog_log, window  # noqa: F401


def test_dock_sizes_are_applied_once_when_a_mode_is_first_entered(window, qtbot, monkeypatch):
    calls = []
    real = type(window).resizeDocks
    monkeypatch.setattr(type(window), "resizeDocks",
                        lambda self, docks, sizes, o: calls.append((len(docks), list(sizes))) or
                        real(self, docks, sizes, o))
    panels = ModePanels(left=QLabel("l"), bottom=QLabel("b"),
                        dock_sizes={"left": 260, "bottom": 0.5})
    window.add_mode("Sized", panels)
    window.set_mode("Sized")
    assert calls == [(1, [260]), (1, [int(window.height() * 0.5)])]
    window.set_mode("Design")
    window.set_mode("Sized")
    assert len(calls) == 2  # once only: the user's own sizes stay after that


def test_on_close_runs_when_the_window_closes(qtbot, tmp_path, dialog_log):
    from designer.ui.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat),
                     recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    closed, left = [], []
    win.add_mode("Closing", lambda w: ModePanels(on_close=lambda: closed.append(1),
                                                 on_leave=lambda: left.append(1)))
    win.add_mode("Never shown", lambda w: ModePanels(on_close=lambda: closed.append(2)))
    win.set_mode("Closing")
    win.close()
    assert closed == [1] and left == [1]  # a mode never built has nothing to close


def test_train_and_learn_declare_their_dock_sizes(window):
    from designer.ui import learn, training

    window.set_mode("Learn")
    learn_panels = window.modes["Learn"].panels
    assert learn_panels.dock_sizes == {"left": learn.LEFT_WIDTH, "bottom": learn.BOTTOM_SHARE}
    assert learn_panels.on_enter == window.learn_mode.entered
    panels = training.create_mode(window)
    assert panels.dock_sizes == {"left": 360, "right": 340, "bottom": 430}
    assert panels.on_close == window.train_mode.shutdown
    window.train_mode.shutdown()
