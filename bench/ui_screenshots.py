"""Take the README's screenshots of the real window on an X server (Xvfb):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_screenshots.py [design|learn]

Design shots: opens each model, selects a layer so that the inspector shows its formula.
Learn shots: opens the Learn mode on a model, shows each lesson and puts it in its example state
(``show_example()``). Each is saved with ``import -window root`` (ImageMagick) as
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


def main(argv) -> int:
    if not os.environ.get("DISPLAY"):
        print("set DISPLAY to an X server (e.g. Xvfb :99)", file=sys.stderr)
        return 2
    groups = argv or list(SHOTS)
    os.environ["NN_DESIGNER_NO_AUTOSAVE_PROMPT"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.ui.application import create_app, start

    app = create_app([])

    def settle():
        for _ in range(30):
            app.processEvents()

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for model, name, selected, lesson in (shot for group in groups for shot in SHOTS[group]):
            settings = QSettings(f"{tmp}/{name}.ini", QSettings.Format.IniFormat)
            window = start([model], settings=settings, recovery_dir=Path(tmp) / "recovery")
            window.move(0, 0)
            window.resize(*SIZE)
            settle()
            if lesson:
                window.set_mode("Learn")
                settle()
            window.canvas.fit()
            if selected is not None:
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
