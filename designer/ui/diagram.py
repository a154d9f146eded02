"""A picture of the design, drawn by the canvas's own scene: PNG (any size) or SVG (vector), for
File ▸ Export diagram… and ``nn-designer render``. Branched networks are drawn with their layered
layout, collapsed groups as the canvas shows them when a scene is given."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QImage, QPainter

from ..atomic import write_bytes_atomic
from ..errors import UserError
from ..model import Network
from .canvas.scene import NetworkScene

FORMATS = (".svg", ".png")
CHAIN_WIDTH = 1400  # a chain wraps into rows as in a window this wide (and this high:
CHAIN_HEIGHT = 900  # a long branched network wraps into bands that fit it best)
# Qt draws into an image of at most 32,767 pixels a side and 2 GB; a larger QImage is null and
# saved as an empty file, so a picture past these is refused before anything is drawn.
MAX_SIDE = 32_767
MAX_PIXELS = 256 * 1024 * 1024  # 1 GB of ARGB32
# Characters XML 1.0 forbids, even written as &#...; (a name holding ESC made an SVG no reader opens).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NOT_XML_REF = re.compile(r"&#(?:x0*(?:[0-8bcBCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[1-2]|1[4-9]|2[0-9]|3[01]));")


def diagram_scene(network: Network) -> NetworkScene:
    """A scene of ``network`` laid out as the canvas lays it out (nothing selected)."""
    scene = NetworkScene(network)
    fit_bands(scene)
    return scene


def fit_bands(scene: NetworkScene) -> None:
    """Wrap a long network into the bands that fit a CHAIN_WIDTH × CHAIN_HEIGHT picture best."""
    scene.set_max_rows(scene.best_rows(CHAIN_WIDTH, CHAIN_HEIGHT)[0])


def render(network: Network, path, scene: Optional[NetworkScene] = None, scale: float = 1.0) -> tuple:
    """Write the diagram of ``network`` to ``path`` (.svg or .png, atomically); returns its
    (width, height) in pixels. ``scene``: draw this one (the window's, as it is) instead."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise UserError(f"{path.name}: a diagram is written as .svg or .png, not {suffix or 'a file without a suffix'}")
    own = scene is None
    scene = diagram_scene(network) if own else scene
    selected = scene.selectedItems()
    for item in selected:  # the picture shows the design, not what happens to be selected
        item.setSelected(False)
    try:
        source = scene.itemsBoundingRect().adjusted(-12, -12, 12, 12).united(QRectF(0, 0, 1, 1))
        source = source.intersected(scene.sceneRect().adjusted(-20, -20, 20, 20)) or source
        size = QSize(max(1, round(source.width() * scale)), max(1, round(source.height() * scale)))
        _check_size(size, suffix, scale)
        data = _svg(scene, source, size, network.name) if suffix == ".svg" else _png(scene, source, size)
    finally:
        for item in selected:
            item.setSelected(True)
        if own:
            scene.deleteLater()
    write_bytes_atomic(path, data)
    return size.width(), size.height()


def _check_size(size: QSize, suffix: str, scale: float) -> None:
    """Refuse a PNG larger than Qt can draw, in one sentence, before drawing it."""
    w, h = size.width(), size.height()
    if suffix == ".png" and (max(w, h) > MAX_SIDE or w * h > MAX_PIXELS):
        raise UserError(f"the picture would be {w:,}×{h:,} pixels, more than a PNG can be drawn "
                        f"({MAX_SIDE:,} a side, {MAX_PIXELS // 1_000_000:,} million in all); "
                        f"use a smaller --scale than {scale:g}, or write an .svg")


def _paint(scene, painter: QPainter, source: QRectF, size: QSize) -> None:
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    scene.render(painter, QRectF(0, 0, size.width(), size.height()), source, Qt.AspectRatioMode.IgnoreAspectRatio)


def _png(scene, source: QRectF, size: QSize) -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    image = QImage(size, QImage.Format.Format_ARGB32)
    image.fill(scene.backgroundBrush().color())
    painter = QPainter(image)
    try:
        _paint(scene, painter, source, size)
    finally:
        painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if image.isNull() or not image.save(buffer, "PNG") or not buffer.data().size():
        raise UserError(f"the picture of {size.width():,}×{size.height():,} pixels could not be drawn "
                        "(not enough memory); use a smaller --scale")
    return bytes(buffer.data())


def _svg(scene, source: QRectF, size: QSize, title: str) -> bytes:
    from PySide6.QtCore import QBuffer, QIODevice
    from PySide6.QtSvg import QSvgGenerator
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(size)
    generator.setViewBox(QRectF(0, 0, size.width(), size.height()))
    generator.setTitle(title)
    generator.setDescription("A neural network drawn by NN Designer")
    painter = QPainter(generator)
    try:
        painter.fillRect(QRectF(0, 0, size.width(), size.height()), scene.backgroundBrush())
        _paint(scene, painter, source, size)
    finally:
        painter.end()
    text = bytes(buffer.data()).decode("utf-8", errors="replace")
    text = _NOT_XML_REF.sub("\ufffd", _NOT_XML.sub("\ufffd", text))  # always well-formed XML
    # Qt writes the size in millimetres (at 72 dpi); a browser should show it at its pixel size
    text = re.sub(r'<svg width="[^"]*" height="[^"]*"', f'<svg width="{size.width()}" height="{size.height()}"', text, count=1)
    return text.encode("utf-8")
