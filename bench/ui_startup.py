"""How long the app takes to open its window, against a bare PySide6 window.

    python bench/ui_startup.py            # offscreen
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_startup.py   # a real X server (Xvfb)

Each run is a fresh process, timed from its start until the window has been shown and painted
once and the event loop has turned (interpreter start-up included on both sides). Bytecode is
cached as in an installed app (a warm-up run writes it even where PYTHONDONTWRITEBYTECODE is set). Target:
the app takes at most twice the bare window's time. Prints medians of several runs.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1400, 880)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""

APP = """
from PySide6.QtCore import QTimer
from designer.ui.application import create_app, start
app = create_app([])
window = start([])
QTimer.singleShot(0, app.quit)
app.exec()
window.files.close()
"""

IMPORTS = """
import sys
from designer.ui.application import create_app, start
app = create_app([])
window = start([])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("pyqtgraph", "torch", "scipy")
               or m.startswith("designer.engine"))
print(",".join(heavy))
window.files.close()
"""


def timed(code: str, env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp, NN_DESIGNER_NO_AUTOSAVE_PROMPT="1",
                   PYTHONPATH=str(ROOT))
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        # An installed app has its bytecode compiled (pip does it); let the warm-up run write it.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for code in (BARE, APP):  # warm the disk cache
            timed(code, env)
        bare, app = [], []
        for _ in range(RUNS):  # interleaved, so both see the same machine load
            bare.append(timed(BARE, env))
            app.append(timed(APP, env))
        heavy = subprocess.run([sys.executable, "-c", IMPORTS], cwd=ROOT, env=env, check=True,
                               capture_output=True, text=True).stdout.strip()
    b, a = statistics.median(bare), statistics.median(app)
    print(f"platform {env['QT_QPA_PLATFORM']}, {RUNS} runs each (process start to first shown window)")
    print(f"bare PySide6 window: median {b * 1000:.0f} ms")
    print(f"NN Designer window:  median {a * 1000:.0f} ms")
    ratios = sorted(x / y for x, y in zip(app, bare))
    print(f"ratio of medians {a / b:.2f}, median of paired ratios {statistics.median(ratios):.2f} (target ≤ 2.0)")
    print(f"heavy modules imported at start: {heavy or 'none'}")


if __name__ == "__main__":
    main()
