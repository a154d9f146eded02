"""The whole window frame, with the window manager's title bar and borders, fits the screen's
available area: on a first start at 1280×720 (the client area used to take the
whole screen, leaving the status bar under its bottom edge), after a restore of a geometry saved
on a larger screen, and after a restore from maximised. Under Xvfb with openbox, a real window
manager; skipped where they are not installed."""
from __future__ import annotations

import json

import pytest
from x11_support import need_x11, run_qt, x_display

# Shows a main window with the settings file argv[1], lets the window manager frame it, and
# prints its frame, client area, status bar (in screen coordinates) and the available area.
CHILD = r"""
import json, sys, time
from pathlib import Path
from PySide6.QtCore import QRect, QSettings, QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv)
from designer.ui.main_window import MainWindow
settings = QSettings(sys.argv[1], QSettings.Format.IniFormat)
w = MainWindow(settings=settings, recovery_dir=Path(sys.argv[1]).parent / "recovery")
w.show()
out = {}

def rect(r):
    return [r.x(), r.y(), r.width(), r.height()]

def look(tag):
    bar = w.statusBar()
    top_left = bar.mapToGlobal(bar.rect().topLeft())
    out[tag] = {"frame": rect(w.frameGeometry()), "client": rect(w.geometry()),
                "available": rect(w.screen().availableGeometry()),
                "bar": rect(QRect(top_left, bar.size())), "bar_visible": bar.isVisible()}

def settled():  # framed by the window manager and fitted (FrameFit done), or 10 s gone
    return (w.frameGeometry() != w.geometry() and not w.frame_fit.armed) or time.monotonic() > deadline[0]

def when_settled(then):
    if settled():
        then()
    else:
        QTimer.singleShot(100, lambda: when_settled(then))

def after(step, then):
    def run():
        step()
        deadline[0] = time.monotonic() + 10
        QTimer.singleShot(300, lambda: when_settled(then))
    return run

deadline = [time.monotonic() + 10]
finish = lambda: (w.close(), QTimer.singleShot(200, app.quit))
if "maximise" in sys.argv:
    restored = after(w.showNormal, lambda: (look("restored"), finish()))
    maximised = lambda: QTimer.singleShot(1000, restored)
    first = after(lambda: None, lambda: (look("shown"), w.showMaximized(), maximised()))
else:
    first = after(lambda: None, lambda: (look("shown"), finish()))
QTimer.singleShot(0, first)
app.exec()
print(json.dumps(out))
"""


def inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def check(seen: dict, what: str) -> None:
    frame, client, available, bar = seen["frame"], seen["client"], seen["available"], seen["bar"]
    assert frame != client, f"{what}: the window manager drew no frame ({frame})"
    assert inside(frame, available), f"{what}: frame {frame} sticks out of the available {available}"
    assert seen["bar_visible"] and inside(bar, available), f"{what}: status bar {bar} is off {available}"


@pytest.mark.slow
def test_the_first_start_fits_its_whole_frame_and_status_bar_on_a_1280_by_720_screen(tmp_path):
    need_x11()
    with x_display(1280, 720) as env:
        seen = json.loads(run_qt(env, CHILD, str(tmp_path / "settings.ini")).splitlines()[-1])
    check(seen["shown"], "first start")
    assert seen["shown"]["frame"][2:] == [1280, 720]     # and it takes the whole available area


@pytest.mark.slow
def test_a_geometry_saved_on_a_larger_screen_is_restored_inside_a_small_one(tmp_path):
    need_x11()
    ini = str(tmp_path / "settings.ini")
    with x_display(1600, 1000) as env:
        big = json.loads(run_qt(env, CHILD, ini).splitlines()[-1])["shown"]
    check(big, "first start at 1600×1000")
    with x_display(1280, 720) as env:
        seen = json.loads(run_qt(env, CHILD, ini, "maximise").splitlines()[-1])
    check(seen["shown"], "restored from a 1600×1000 screen")
    check(seen["restored"], "restored from maximised")


@pytest.mark.parametrize("frame, client, available, want", [
    # the first start's client area took the whole screen: the frame's bottom 25 px were off it
    ((0, 0, 1282, 745), (1, 20, 1280, 720), (0, 0, 1280, 720), (1, 20, 1278, 695)),
    # a frame that fits stays as it is
    ((99, 47, 1402, 905), (100, 67, 1400, 880), (0, 0, 1600, 1000), None),
    # a frame that fits in size but sits too low moves up, keeping its size
    ((10, 300, 1002, 605), (11, 320, 1000, 580), (0, 0, 1280, 720), (11, 135, 1000, 580)),
    # a panel at the top (available area from y=30): the frame goes below it
    ((0, 0, 1282, 745), (1, 20, 1280, 720), (0, 30, 1280, 690), (1, 50, 1278, 665)),
])
def test_fitted_puts_the_frame_inside_the_available_area(frame, client, available, want):
    from PySide6.QtCore import QRect

    from designer.ui.frame_fit import fitted
    got = fitted(QRect(*frame), QRect(*client), QRect(*available))
    assert (None if got is None else (got.x(), got.y(), got.width(), got.height())) == want


def test_fitted_keeps_the_windows_minimum():
    from PySide6.QtCore import QRect

    from designer.ui.frame_fit import fitted
    got = fitted(QRect(0, 0, 1282, 745), QRect(1, 20, 1280, 720), QRect(0, 0, 800, 500), 900, 600)
    assert (got.width(), got.height()) == (900, 600) and (got.x(), got.y()) == (1, 20)
