"""Render nn-designer.svg to the PNG sizes a desktop wants, here and into designer/ui/icons/
(the copy an installed wheel carries). Run after changing the SVG:

    QT_QPA_PLATFORM=offscreen python resources/render_icons.py
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

HERE = Path(__file__).resolve().parent
PACKAGE_ICONS = HERE.parent / "designer" / "ui" / "icons"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841
    svg = HERE / "nn-designer.svg"
    renderer = QSvgRenderer(str(svg))
    PACKAGE_ICONS.mkdir(exist_ok=True)
    shutil.copy(svg, PACKAGE_ICONS / svg.name)
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        for folder in (HERE, PACKAGE_ICONS):
            image.save(str(folder / f"nn-designer-{size}.png"))
    print(f"wrote {len(SIZES)} sizes to {HERE} and {PACKAGE_ICONS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
