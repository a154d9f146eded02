"""Take the README's screenshots of the real window on an X server (Xvfb):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_screenshots.py [design|learn|branches|imported|training]

Design shots: opens each model, selects a layer so that the inspector shows its formula.
Learn shots: opens the Learn mode on a model, shows each lesson and puts it in its example state
(``show_example()``). Branches shots: ResNet-18 with its residual blocks collapsed, and expanded
at its first projection shortcut, and the inception block. Imported: GoogLeNet opened from the onnx
package's light copy, wrapped into columns and fitted. Training: docs/examples/mnist-resnet.json trained on the MNIST test
images ($NN_DESIGNER_SHARED/data/mnist, ../shared by default) for two epochs, showing the maps of
its last residual `add`. Each is saved with ``import -window root`` (ImageMagick) as
docs/screenshots/<name>.png.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
OUT = ROOT / "docs" / "screenshots"
# (model, file, layer to select, Learn lesson or None)
SHOTS = {
    "design": (("lenet5", "lenet5.png", 1, None), ("alexnet", "alexnet.png", 1, None)),
    "learn": (("mlp-example", "learn-backprop.png", None, "backprop"),
              ("mlp-example", "learn-graph.png", None, "graph"),
              ("perceptron", "learn-perceptron.png", None, "perceptron"),
              ("alexnet", "learn-shape.png", 1, "shape"),
              ("lenet5", "learn-activations.png", None, "activations")),
}
SIZE = (1600, 1000)


def _collapsed(window) -> None:
    window.editor.collapse_blocks()
    window.actions_by_name["wrap"].trigger()  # Blocks ▸ Wrap into columns
    window.canvas.fit()


def _projection(window) -> None:
    """ResNet-18 expanded, at 100 %, scrolled to layer2.0 (the first block with a projection)."""
    from PySide6.QtWidgets import QApplication
    index = next(i for i, layer in enumerate(window.network.layers) if layer.name == "layer2.0.conv1")
    window.canvas.actual_size()
    QApplication.processEvents()
    window.editor.select([window.network[index + 5].uid])  # the 1×1 conv on the shortcut
    window.canvas.centerOn(window.scene.block_at_index(index + 5))


def _inception(window) -> None:
    window.canvas.fit()
    window.editor.select([window.network[len(window.network) - 1].uid])  # the concat


def _fitted(window) -> None:
    window.actions_by_name["wrap"].trigger()  # Blocks ▸ Wrap into columns: the stacks side by side
    window.canvas.fit()


def _googlenet() -> str:
    import onnx
    return str(Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_inception_v1.onnx")


def _train_on(window, data: str, config: dict, count=None, before=None) -> None:
    """Train the window's network on ``data`` (a built-in set's name or a path; ``count``
    samples when given) with ``config``, to the end; ``before(mode)`` sets up views first."""
    import time

    from PySide6.QtWidgets import QApplication
    window.set_mode("Train")
    mode = window.train_mode
    mode.data.load(data)
    while mode.data.loading or mode.dataset is None or (count and len(mode.dataset) != count):
        QApplication.processEvents()
        time.sleep(0.05)
    mode.panel.set_config(config)
    if before is not None:
        before(mode)
    mode.start()
    while mode.busy:
        QApplication.processEvents()
        time.sleep(0.05)


def _trained(window) -> None:
    """Two epochs on the MNIST test images, the feature maps of the last residual add shown."""
    shared = Path(os.environ.get("NN_DESIGNER_SHARED", ROOT.parent / "shared"))

    def last_add(mode):
        adds = [i for i, layer in enumerate(window.network.layers) if layer.type == "add"]
        maps = mode.views.maps
        maps.layer.setCurrentIndex(maps.layer.findData(adds[-1]))
        maps.sample.setValue(7)
    _train_on(window, str(shared / "data" / "mnist"),
              dict(epochs=2, batch_size=64, lr=0.05, momentum=0.9, val_split=0.2, seed=0), 10000, last_add)


def _lenet_on_shapes(window) -> None:
    """LeNet-5 on the built-in shapes, three epochs (the README's Train mode shot)."""
    _train_on(window, "shapes", dict(epochs=3, batch_size=32, lr=0.05, momentum=0.9, val_split=0.2, seed=0))


SPIRALS_NET = {"format": "nn-designer", "version": 1, "name": "spirals 2-64-64-2", "layers": [
    {"type": "input", "features": 2}, {"type": "dense", "units": 64}, {"type": "relu"},
    {"type": "dense", "units": 64}, {"type": "relu"}, {"type": "dense", "units": 2}, {"type": "softmax"}]}


def _spirals_model() -> str:
    import json
    path = Path(tempfile.gettempdir()) / "nn-designer-spirals.json"
    path.write_text(json.dumps(SPIRALS_NET), encoding="utf-8")
    return str(path)


def _spirals(window) -> None:
    """The decision boundary of a 2-64-64-2 ReLU network trained on the built-in spirals."""
    _train_on(window, "spirals", dict(epochs=200, batch_size=32, lr=0.03, momentum=0.9, val_split=0.2, seed=0))


# the branches group: (model, file, setup)
BRANCH_SHOTS = (("resnet18", "resnet18-collapsed.png", _collapsed),
                ("resnet18", "resnet18-expanded.png", _projection),
                ("inception", "inception.png", _inception))
# groups of shots set up by a function: (model or a function giving its path, file, setup)
SET_UP_SHOTS = {
    "branches": BRANCH_SHOTS,
    "imported": ((_googlenet, "imported-googlenet.png", _fitted),),
    "training": ((str(ROOT / "docs" / "examples" / "mnist-resnet.json"), "training-resnet.png", _trained),
                 ("lenet5", "training.png", _lenet_on_shapes),
                 (_spirals_model, "spirals.png", _spirals)),
}


def main(argv) -> int:
    if not os.environ.get("DISPLAY"):
        print("set DISPLAY to an X server (e.g. Xvfb :99)", file=sys.stderr)
        return 2
    groups = argv or [*SHOTS, *SET_UP_SHOTS]
    os.environ["NN_DESIGNER_NO_AUTOSAVE_PROMPT"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.ui import dialogs
    from designer.ui.application import create_app, start

    # an imported model is an unsaved design: closing its window must not wait for an answer
    dialogs.ask_unsaved = lambda parent, name: "discard"

    app = create_app([])

    def settle():
        for _ in range(30):
            app.processEvents()

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        shots = [shot for group in groups if group in SHOTS for shot in SHOTS[group]]
        shots += [(model, name, setup, None) for group in groups if group in SET_UP_SHOTS
                  for model, name, setup in SET_UP_SHOTS[group]]
        for model, name, selected, lesson in shots:
            model = model() if callable(model) else model
            settings = QSettings(f"{tmp}/{name}.ini", QSettings.Format.IniFormat)
            window = start([model], settings=settings, recovery_dir=Path(tmp) / "recovery")
            window.move(0, 0)
            window.resize(*SIZE)
            settle()
            if lesson:
                window.set_mode("Learn")
                settle()
            if not lesson and not callable(selected):  # the design shots: the whole chain, in columns
                window.actions_by_name["wrap"].trigger()
            window.canvas.fit_readable()  # as a document opens
            if callable(selected):
                selected(window)
            elif selected is not None:
                window.editor.select([window.network[selected].uid])
            if lesson:
                window.learn_mode.show_lesson(lesson).show_example()
            settle()
            QApplication.sync()
            subprocess.run(["import", "-window", "root", "-crop", f"{SIZE[0]}x{SIZE[1]}+0+0", "+repage",
                            str(OUT / name)], check=True)
            print(f"wrote {OUT / name}")
            window.close()
            settle()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
