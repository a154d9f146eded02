"""One edit on a 200-layer chain, recomputed and repainted: how long until the screen is right.

    python bench/ui_edit_200.py            # offscreen
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_edit_200.py   # a real X server (Xvfb)

Each edit goes through the real path: an undo command on the stack → Network → report (inference)
→ scene (blocks updated incrementally), summary table, status bar, inspector → a synchronous
repaint of the canvas's viewport and the summary. Target: under 50 ms.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["NN_DESIGNER_NO_AUTOSAVE_PROMPT"] = "1"

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from model_inference import chain  # noqa: E402 (the same 200-layer chain as the inference bench)
from designer.ui.application import create_app  # noqa: E402
from designer.ui.main_window import MainWindow  # noqa: E402

EDITS = 40


def measure(window, edit, undo=True) -> list[float]:
    app = QApplication.instance()
    times = []
    for k in range(EDITS):
        app.processEvents()
        t0 = time.perf_counter()
        edit(k)
        window.canvas.viewport().repaint()
        window.summary.table.viewport().repaint()
        window.statusBar().repaint()
        times.append((time.perf_counter() - t0) * 1000)
        if undo:
            window.undo_stack.undo()
    return times


def report(name: str, times: list[float]) -> None:
    print(f"{name:<48} median {statistics.median(times):6.1f} ms   worst {max(times):6.1f} ms")


def main() -> None:
    app = create_app([])
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(f"{tmp}/s.ini", QSettings.Format.IniFormat), Path(tmp))
        window.resize(1600, 1000)
        window.show()
        window.files._adopt(chain(), None)
        app.processEvents()
        net, editor = window.network, window.editor
        print(f"{len(net)} layers, {net.report().total_params:,} parameters, "
              f"zoom {window.canvas.zoom:.2f}, "
              f"platform {app.platformName()}")
        first_conv = next(layer.uid for layer in net.layers if layer.type == "conv")
        dropout = next(layer.uid for layer in net.layers if layer.type == "dropout")
        editor.select([first_conv])
        app.processEvents()

        report("set the first conv's filters (all shapes change)",
               measure(window, lambda k: editor.set_keys(first_conv, {"filters": 32 + k % 2})))
        report("set a dropout rate (one block changes)",
               measure(window, lambda k: editor.set_keys(dropout, {"rate": 0.2 + 0.01 * (k % 2)})))
        report("insert a layer at the start (every block shifts)",
               measure(window, lambda k: editor.insert_kind(1, "relu")))
        report("move a block from the end to the start",
               measure(window, lambda k: editor.move(net[len(net) - 2].uid, 1)))
        report("delete the first conv",
               measure(window, lambda k: (editor.select([first_conv]), editor.delete_selection())))
        window.close()


if __name__ == "__main__":
    main()
