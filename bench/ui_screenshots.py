"""Take the README's screenshots of the real window on an X server (Xvfb):

    Xvfb :99 -screen 0 1600x1000x24 &
    DISPLAY=:99 QT_QPA_PLATFORM=xcb python bench/ui_screenshots.py

Opens each model in the app, selects a layer so that the inspector shows its formula, and saves
``import -window root`` (ImageMagick) as docs/screenshots/<name>.png.
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
SHOTS = (("lenet5", "lenet5.png", 1), ("alexnet", "alexnet.png", 1))
SIZE = (1600, 1000)


def main() -> int:
    if not os.environ.get("DISPLAY"):
        print("set DISPLAY to an X server (e.g. Xvfb :99)", file=sys.stderr)
        return 2
    os.environ["NN_DESIGNER_NO_AUTOSAVE_PROMPT"] = "1"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from designer.ui.application import create_app, start

    app = create_app([])
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for model, name, selected in SHOTS:
            settings = QSettings(f"{tmp}/{model}.ini", QSettings.Format.IniFormat)
            window = start([model], settings=settings, recovery_dir=Path(tmp) / "recovery")
            window.move(0, 0)
            window.resize(*SIZE)
            for _ in range(20):
                app.processEvents()
            window.canvas.fit()
            window.editor.select([window.network[selected].uid])
            for _ in range(20):
                app.processEvents()
            QApplication.sync()
            subprocess.run(["import", "-window", "root", "-crop", f"{SIZE[0]}x{SIZE[1]}+0+0", "+repage",
                            str(OUT / name)], check=True)
            print(f"wrote {OUT / name}")
            window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
