"""Each mode keeps its own arrangement of the docks: Design → Train → Learn →
Design gives the canvas its size back, a dock resized in one mode stays so there and nowhere else,
and after a restart each mode comes back as it was left."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401

SIZE = (800, 700)   # the offscreen test screen is 800×800: a larger window is cut to it


def settle(qtbot, win) -> None:
    deliver_posted_events()
    qtbot.wait(10)
    deliver_posted_events()


def canvas_size(win) -> tuple:
    return win.canvas.width(), win.canvas.height()


def close_to(a: tuple, b: tuple, slack: int = 2) -> bool:
    return all(abs(x - y) <= slack for x, y in zip(a, b))


def new_window(qtbot, tmp_path):
    from designer.ui.main_window import MainWindow
    win = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat),
                     recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.resize(*SIZE)
    win.show()
    qtbot.waitExposed(win)
    settle(qtbot, win)
    return win


def test_design_train_learn_design_gives_the_canvas_its_size_back(window, qtbot):
    window.resize(*SIZE)
    settle(qtbot, window)
    design = canvas_size(window)
    for order in (("Train", "Learn"), ("Learn", "Train"), ("Learn",), ("Train",)):
        for mode in order:
            window.set_mode(mode)
            settle(qtbot, window)
        window.set_mode("Design")
        # The restored arrangement is laid out at the next layout pass, not at once.
        settle(qtbot, window)
        qtbot.waitUntil(lambda: close_to(canvas_size(window), design), timeout=1000)


def test_a_dock_resized_in_one_mode_stays_so_there_only(window, qtbot):
    window.resize(*SIZE)
    settle(qtbot, window)
    design_bottom = window.docks["bottom"].height()
    window.set_mode("Train")
    settle(qtbot, window)
    window.resizeDocks([window.docks["bottom"]], [260], Qt.Orientation.Vertical)
    settle(qtbot, window)
    train_bottom = window.docks["bottom"].height()
    window.set_mode("Design")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: abs(window.docks["bottom"].height() - design_bottom) <= 2, timeout=1000)
    window.set_mode("Learn")
    settle(qtbot, window)
    window.set_mode("Train")
    settle(qtbot, window)
    qtbot.waitUntil(lambda: abs(window.docks["bottom"].height() - train_bottom) <= 2, timeout=1000)


def test_after_a_restart_each_mode_comes_back_as_it_was(qtbot, tmp_path, dialog_log):  # noqa: F811
    win = new_window(qtbot, tmp_path)
    design = canvas_size(win)
    sizes = {}
    for mode in ("Train", "Learn"):
        win.set_mode(mode)
        settle(qtbot, win)
        sizes[mode] = canvas_size(win)
    win.close()   # closed in Learn: the next start's Design is still Design's
    again = new_window(qtbot, tmp_path)
    assert again.current_mode == "Design"
    qtbot.waitUntil(lambda: close_to(canvas_size(again), design), timeout=1000)
    for mode in ("Train", "Learn"):
        again.set_mode(mode)
        settle(qtbot, again)
        qtbot.waitUntil(lambda m=mode: close_to(canvas_size(again), sizes[m]), timeout=1000)
    again.close()


def test_switching_modes_never_resizes_the_window(window, qtbot):
    from designer.ui.learn.lessons import LESSONS
    window.resize(780, 600)   # within the 800×800 offscreen screen
    qtbot.waitUntil(lambda: (window.width(), window.height()) == (780, 600))
    for mode in ("Train", "Design", "Learn", "Train", "Learn", "Design"):
        window.set_mode(mode)
        settle(qtbot, window)
        assert (window.width(), window.height()) == (780, 600), mode
    for lesson in LESSONS:
        window.learn_mode.show_lesson(lesson.key)
        settle(qtbot, window)
        assert (window.width(), window.height()) == (780, 600), lesson.key


@pytest.mark.slow
def test_every_mode_and_lesson_needs_at_most_900_by_600(window, qtbot):
    from designer.ui.learn.lessons import LESSONS
    seen = []
    for mode in ("Design", "Train", "Learn"):
        window.set_mode(mode)
        keys = [lesson.key for lesson in LESSONS] if mode == "Learn" else [None]
        for key in keys:
            if key:
                window.learn_mode.show_lesson(key)
            for inspector in ((False, True) if mode == "Learn" else (None,)):
                if inspector is not None:
                    window.docks["right"].setVisible(inspector)   # shown again from View ▸ Panels
                settle(qtbot, window)
                hint = window.minimumSizeHint()
                seen.append((mode, key, inspector, hint.width(), hint.height()))
    too_big = [s for s in seen if s[3] > 900 or s[4] > 600]
    assert not too_big, too_big
