"""Photograph every mode of the window at 1600×1000, 1280×720 and 900×600 under a real window
manager (the frame, the panels and the plots as a user sees them):

    python bench/mode_screenshots.py [OUT_DIR] [--sizes 1280x720,900x600]

For each size it starts its own Xvfb screen of that size with openbox managing it, runs itself
on it (``--child``), maximises the window and writes into OUT_DIR (docs/screenshots/modes by
default), with ``import -window root`` (ImageMagick):

* ``<W>x<H>-design.png``: LeNet-5, its first convolution selected (the inspector's formula);
* ``<W>x<H>-design-message.png``: a refusal in the status bar, whole;
* ``<W>x<H>-design-resnet18.png``: ResNet-18 as it opens (a branched network);
* ``<W>x<H>-train.png``: LeNet-5 after 3 epochs on the built-in shapes;
* ``<W>x<H>-train-paused.png``: a run paused in its first epoch;
* ``<W>x<H>-learn-<lesson>.png``: each lesson in its example state.

Needs Xvfb, openbox and ImageMagick's ``import``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = ((1600, 1000), (1280, 720), (900, 600))


def parent(argv: list) -> int:
    missing = [t for t in ("Xvfb", "openbox", "import") if shutil.which(t) is None]
    if missing:
        print(f"needs {', '.join(missing)}", file=sys.stderr)
        return 2
    out = Path(argv[0]) if argv and not argv[0].startswith("--") else ROOT / "docs" / "screenshots" / "modes"
    sizes = SIZES
    if "--sizes" in argv:
        spec = argv[argv.index("--sizes") + 1]
        sizes = tuple(tuple(int(v) for v in s.split("x")) for s in spec.split(","))
    out.mkdir(parents=True, exist_ok=True)
    for width, height in sizes:
        read, write = os.pipe()
        server = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", f"{width}x{height}x24",
                                   "-nolisten", "tcp"], pass_fds=(write,), stderr=subprocess.DEVNULL)
        os.close(write)
        with os.fdopen(read) as f:
            display = f":{f.readline().strip()}"
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb", NN_DESIGNER_NO_AUTOSAVE_PROMPT="1")
        manager = subprocess.Popen(["openbox"], env=env, stderr=subprocess.DEVNULL)
        time.sleep(0.7)
        try:
            subprocess.run([sys.executable, __file__, "--child", str(out), f"{width}x{height}"], env=env, check=True)
        finally:
            manager.terminate()
            server.terminate()
            manager.wait()
            server.wait()
    return 0


def child(out: Path, size: str) -> int:
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
        settle(0.6)
        QApplication.sync()
        path = out / f"{size}-{name}.png"
        subprocess.run(["import", "-window", "root", str(path)], check=True)
        print(f"wrote {path}")

    def window_on(model: str):
        settings = QSettings(f"{tmp}/{model}.ini", QSettings.Format.IniFormat)
        window = start([model], settings=settings, recovery_dir=Path(tmp) / "recovery")
        settle(0.5)
        window.showMaximized()
        settle(0.8)
        return window

    def train(window, epochs: int, pause: bool = False) -> None:
        window.set_mode("Train")
        settle(1)
        mode = window.train_mode
        while mode.data.loading:
            settle(0.2)
        if mode.data.fit_button.isVisible():
            mode.data.fit_button.click()
            settle()
        mode.panel.epochs.setValue(epochs)
        mode.start()
        started = time.monotonic()
        if pause:
            while not mode.views.curves.batch_loss.x and time.monotonic() - started < 60:
                settle(0.05)
            mode.toggle_pause()
            settle(1)
            return
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
    shot("design")
    window.editor.select([window.network[1].uid, window.network[3].uid])
    window.actions_by_name["add_residual"].trigger() if "add_residual" in window.actions_by_name else None
    if not window.statusBar().currentMessage():
        window.statusBar().showMessage("Cannot add a residual connection around these layers: select one run of "
                                       "layers from one input to one output, or use Blocks ▸ Branch from here.")
    shot("design-message")
    while window.undo_stack.canUndo():   # the residual, if it was added: the next shots show LeNet-5
        window.undo_stack.undo()
    train(window, 3)
    shot("train")
    close(window)

    window = window_on("lenet5")
    train(window, 30, pause=True)
    shot("train-paused")
    window.train_mode.stop()
    close(window)

    window = window_on("resnet18")
    shot("design-resnet18")
    close(window)

    window = window_on("alexnet")
    window.set_mode("Learn")
    settle()
    window.editor.select([window.network[1].uid])
    for lesson in LESSONS:
        view = window.learn_mode.show_lesson(lesson.key)
        if hasattr(view, "show_example"):
            view.show_example()
        shot(f"learn-{lesson.key}")
    window.set_mode("Design")
    shot("design-after-learn")
    close(window)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        sys.exit(child(Path(sys.argv[2]), sys.argv[3]))
    sys.exit(parent(sys.argv[1:]))
