"""Photograph every mode of the window at 1280×720 (every mode must work on a small
screen), on an X server of exactly that size:

    Xvfb :99 -screen 0 1280x720x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/small_screen_shots.py [OUT_DIR]

Writes small-screen-design.png (LeNet-5, a layer selected), small-screen-train.png (LeNet-5 after
3 epochs on shapes), small-screen-train-spirals.png (a 2-D network on spirals: the decision
boundary), and small-screen-learn-<lesson>.png for each lesson (AlexNet's conv1 selected) into
OUT_DIR (docs/screenshots by default), each with ``import -window root`` (ImageMagick).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZE = (1280, 720)


def main(argv) -> int:
    if not os.environ.get("DISPLAY"):
        print("set DISPLAY to an X server of 1280×720 (e.g. Xvfb :99 -screen 0 1280x720x24)", file=sys.stderr)
        return 2
    out = Path(argv[0]) if argv else ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    os.environ["NN_DESIGNER_NO_AUTOSAVE_PROMPT"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.ui.application import create_app, start
    from designer.ui.learn.lessons import LESSONS

    app = create_app([])
    tmp = tempfile.mkdtemp()

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def shot(name: str) -> None:
        settle(0.5)
        QApplication.sync()
        subprocess.run(["import", "-window", "root", "-crop", f"{SIZE[0]}x{SIZE[1]}+0+0", "+repage",
                        str(out / name)], check=True)
        print(f"wrote {out / name}")

    def window_on(model: str):
        settings = QSettings(f"{tmp}/{model}.ini", QSettings.Format.IniFormat)
        window = start([model], settings=settings, recovery_dir=Path(tmp) / "recovery")
        window.move(0, 0)
        window.resize(*SIZE)
        settle()
        return window

    def train(window, epochs: int, data=None) -> None:
        window.set_mode("Train")
        settle(1)
        mode = window.train_mode
        if data:
            mode.data.load(data)
        while mode.data.loading:
            settle(0.2)
        if mode.data.fit_button.isVisible():
            mode.data.fit_button.click()   # the data's shape, as a user would
            settle()
        mode.panel.epochs.setValue(epochs)
        mode.start()
        started = time.monotonic()
        while mode.busy and time.monotonic() - started < 300:
            settle(0.3)
        settle(1)

    def close(window) -> None:
        if hasattr(window, "train_mode"):
            window.train_mode.shutdown()
        window.undo_stack.setClean()   # the input fix was an edit: no "save changes?" dialog
        window.close()
        settle()

    window = window_on("lenet5")
    window.editor.select([window.network[1].uid])
    shot("small-screen-design.png")
    train(window, 3)
    shot("small-screen-train.png")
    close(window)

    window = window_on("mlp-example")
    train(window, 60, "spirals")
    shot("small-screen-train-spirals.png")
    close(window)

    window = window_on("alexnet")
    window.set_mode("Learn")
    settle()
    window.canvas.fit()
    window.editor.select([window.network[1].uid])
    for lesson in LESSONS:
        view = window.learn_mode.show_lesson(lesson.key)
        if hasattr(view, "show_example"):
            view.show_example()
        shot(f"small-screen-learn-{lesson.key}.png")
    close(window)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
