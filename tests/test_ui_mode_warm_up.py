"""The first switch to Train is quick or says it is coming: the start imports
none of the Train and Learn modes' code, a warm-up imports it on a background thread once the
window is up, and a first switch to a mode not built yet paints its tab and "Opening the … mode"
before it builds."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ui_support import dialog_log, window  # noqa: F401


def test_a_first_switch_says_the_mode_is_coming_before_it_builds(window, monkeypatch):
    from designer.ui import main_window
    said, painted = [], []
    bar = window.statusBar()
    real = type(bar).showMessage
    monkeypatch.setattr(type(bar), "showMessage", lambda self, text, timeout=0: (said.append(text), real(self, text, timeout)))
    monkeypatch.setattr(type(bar), "repaint", lambda self: painted.append(self.currentMessage()))
    built = []
    real_build = main_window.Mode.build
    monkeypatch.setattr(main_window.Mode, "build",
                        lambda self, w: (built.append((self.name, list(painted))), real_build(self, w))[1])
    window.set_mode("Train")
    train = [b for b in built if b[0] == "Train"]
    assert train and train[0][1] == ["Opening the Train mode…"]   # painted before the build
    assert bar.currentMessage() == ""                              # and gone once it is there
    said.clear()
    window.set_mode("Design")
    window.set_mode("Train")                                       # built: nothing to announce
    assert "Opening the Train mode…" not in said


def test_the_warm_up_imports_on_a_thread_and_says_when_it_is_done(qtbot):
    from designer.ui.warm_up import WarmUp
    from PySide6.QtCore import QObject
    owner = QObject()
    warm = WarmUp(owner, modules=("json", "no_such_module_here"), delay_ms=0)
    qtbot.waitUntil(warm.done.is_set, timeout=5000)
    assert warm.thread.name == "nn-designer warm-up" and warm.thread.daemon


CHILD = r"""
import sys, time, tempfile
from pathlib import Path
from PySide6.QtCore import QSettings
from designer.ui.application import create_app, start
app = create_app([])
tmp = tempfile.mkdtemp()
w = start([], settings=QSettings(tmp + "/s.ini", QSettings.Format.IniFormat), recovery_dir=Path(tmp) / "r")
app.processEvents()
print("at start", "pyqtgraph" in sys.modules, "designer.ui.training.train_mode" in sys.modules)
end = time.monotonic() + 20
while not w.warm_up.done.is_set() and time.monotonic() < end:
    app.processEvents()
    time.sleep(0.01)
print("warmed", "pyqtgraph" in sys.modules, "designer.ui.training.train_mode" in sys.modules, hasattr(w, "train_mode"))
w.close()
"""


@pytest.mark.slow
def test_the_start_imports_no_mode_code_and_the_warm_up_does_it_after():
    env = {k: v for k, v in os.environ.items() if k != "NN_DESIGNER_NO_WARM_UP"}
    env.update(QT_QPA_PLATFORM="offscreen", NN_DESIGNER_NO_AUTOSAVE_PROMPT="1")
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(("at start", "warmed"))]
    assert lines == ["at start False False", "warmed True True False"]   # imported, not built
