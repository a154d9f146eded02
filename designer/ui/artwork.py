"""Artwork drawn with QPainter: a rounded square in the layer family's colour with the kind's
glyph (``kinds.UI_KINDS``: a 3×3 kernel for conv, the curve for an activation, ...), and the
app icon loaded from ``icons/`` (packaged) or ``resources/`` (a checkout)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPen, QPixmap

from ..model import KINDS
from .kinds import UI_KINDS
from .theme import family_colour, text_on

ICON_DIR = Path(__file__).resolve().parent / "icons"
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"
SIZE = 24  # the palette's icon size; Qt scales it for other uses


def app_icon_path() -> Path:
    """The app's SVG icon: designer/ui/icons in an installed wheel, resources/ in a checkout."""
    for candidate in (ICON_DIR / "nn-designer.svg", RESOURCES / "nn-designer.svg"):
        if candidate.exists():
            return candidate
    return Path()


def app_icon() -> QIcon:
    icon = QIcon()
    folder = app_icon_path().parent
    for size in (16, 24, 32, 48, 64, 128, 256):
        png = folder / f"nn-designer-{size}.png"
        if png.exists():
            icon.addFile(str(png))
    if icon.isNull() and app_icon_path().exists():
        icon.addFile(str(app_icon_path()))
    return icon


@lru_cache(maxsize=None)
def kind_icon(type_: str) -> QIcon:
    icon = QIcon()
    ratio = QGuiApplication.instance().devicePixelRatio() if QGuiApplication.instance() else 1.0
    icon.addPixmap(kind_pixmap(type_, SIZE, max(ratio, 1.0)))
    return icon


def kind_pixmap(type_: str, size: int, ratio: float = 1.0) -> QPixmap:
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.scale(size / 32.0, size / 32.0)
    draw_kind(painter, type_)
    painter.end()
    return pixmap


def drag_pixmap(type_: str, ratio: float = 1.0) -> QPixmap:
    """What a palette drag shows under the pointer: the icon and the kind's name on a chip."""
    from PySide6.QtGui import QFont, QFontMetrics

    font = QFont()
    font.setPixelSize(14)
    font.setBold(True)
    label = KINDS[type_].label
    width = 32 + 16 + QFontMetrics(font).horizontalAdvance(label) + 12
    pixmap = QPixmap(int(width * ratio), int(40 * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    colour = family_colour(KINDS[type_].family)
    painter.setPen(QPen(colour.darker(130), 1))
    painter.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 225))
    painter.drawRoundedRect(QRectF(0.5, 0.5, width - 1, 39), 8, 8)
    painter.drawPixmap(4, 4, kind_pixmap(type_, 32, ratio))
    painter.setPen(text_on(colour))
    painter.setFont(font)
    painter.drawText(QRectF(42, 0, width - 46, 40), Qt.AlignmentFlag.AlignVCenter, label)
    painter.end()
    return pixmap


def draw_kind(painter: QPainter, type_: str) -> None:
    """Draw the 32×32 icon of a layer type."""
    family = KINDS[type_].family
    colour = family_colour(family)
    painter.setPen(QPen(colour.darker(130), 1))
    painter.setBrush(colour)
    painter.drawRoundedRect(QRectF(1.5, 1.5, 29, 29), 7, 7)
    ink = text_on(colour)
    pen = QPen(ink, 2.2, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    UI_KINDS[type_].glyph(painter, ink)
