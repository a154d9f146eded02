"""Branched networks on the canvas: one edit on a 200-layer branched network, recomputed
and repainted, and the layered layout of ResNet-18. A script, not a test: it prints the times.

    python bench/ui_graph_edit.py            # offscreen
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_graph_edit.py   # a real X server (Xvfb)

Each edit goes through the real path (undo command → Network → report → scene, summary, status
bar, inspector → a synchronous repaint), as bench/ui_edit_200.py does for a chain.
Targets: an edit under 50 ms; the layout of ResNet-18 under 50 ms.
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

from PySide6.QtCore import QSettings  # noqa: E402

from designer.model import Layer, Network, load_template  # noqa: E402
from designer.model.graph import sources  # noqa: E402
from designer.ui.application import create_app  # noqa: E402
from designer.ui.canvas.graph_layout import layered  # noqa: E402
from designer.ui.main_window import MainWindow  # noqa: E402
from ui_edit_200 import measure, report  # noqa: E402


def residual_net(blocks: int = 28) -> Network:
    """input, then ``blocks`` residual blocks of conv-bn-relu-conv-bn-add-relu: 1 + 7 × 28 = 197
    layers, plus a global pool and a dense: 199, each block's add reading the block's input."""
    layers = [Layer.make("input", width=32, height=32, depth=16)]
    for b in range(blocks):
        start = len(layers) - 1
        if layers[start].id is None:
            layers[start].id = f"in{b}"
        layers += [Layer.make("conv", filters=16, kernel=3, padding=1), Layer.make("batchnorm"),
                   Layer.make("relu"), Layer.make("conv", filters=16, kernel=3, padding=1)]
        bn = Layer.make("batchnorm")
        bn.id = f"bn{b}"
        add = Layer.make("add")
        add.sources = [bn, layers[start]]
        layers += [bn, add, Layer.make("relu")]
    layers += [Layer.make("global_pool"), Layer.make("dense", units=10)]
    return Network(layers, "residual-199")


def time_layout(name: str, runs: int = 50) -> None:
    srcs = sources(load_template(name).layers)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        layered(srcs)
        times.append((time.perf_counter() - t0) * 1000)
    print(f"{'layered layout of ' + name:<48} median {statistics.median(times):6.2f} ms   worst {max(times):6.2f} ms")


def main() -> None:
    app = create_app([])
    time_layout("resnet18")
    time_layout("inception")
    with tempfile.TemporaryDirectory() as tmp:
        window = MainWindow(QSettings(f"{tmp}/s.ini", QSettings.Format.IniFormat), Path(tmp))
        window.resize(1600, 1000)
        window.show()
        t0 = time.perf_counter()
        window.files.new_from_template("resnet18")
        app.processEvents()
        print(f"{'open ResNet-18 (infer, layout, draw)':<48} {1000 * (time.perf_counter() - t0):6.1f} ms")
        window.files._adopt(residual_net(), None)
        app.processEvents()
        net, editor = window.network, window.editor
        print(f"{len(net)} layers, {net.report().total_params:,} parameters, branched: {window.scene.is_graph}, "
              f"{len(window.scene.edges)} edges, platform {app.platformName()}")
        first_conv = net[1].uid
        editor.select([first_conv])
        app.processEvents()
        report("set the first conv's kernel (every block redrawn)",
               measure(window, lambda k: editor.set_keys(first_conv, {"kernel": 3, "padding": 1 + k % 2})))
        mid = net[len(net) // 2]
        report("connect: a merge gains an input (re-layout)",
               measure(window, lambda k: editor.connect_layers(net[1].uid, next(
                   layer.uid for layer in net.layers[len(net) // 2:] if layer.type == "add"))))
        report("insert a layer on an edge (re-layout)",
               measure(window, lambda k: editor.insert_on_edge(net[1].uid, net[2].uid, "relu")))
        report("delete a layer in the middle",
               measure(window, lambda k: (editor.select([mid.uid]), editor.delete_selection())))
        report("drag a block to a new place",
               measure(window, lambda k: editor.place(mid.uid, 900 + k, 500)))
        window.close()


if __name__ == "__main__":
    main()
