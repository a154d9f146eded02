"""Artwork drawn with QPainter: a rounded square in the layer family's colour with a glyph that
says what the layer does (a 3×3 kernel for conv, the curve for an activation, ...), and the
app icon loaded from ``icons/`` (packaged) or ``resources/`` (a checkout)."""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

from ..model import KINDS
from .theme import family_colour, text_on

ICON_DIR = Path(__file__).resolve().parent / "icons"
RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"
SIZE = 24  # the palette's icon size; Qt scales it for other uses

CURVES = {
    "relu": lambda x: max(0.0, x),
    "leaky_relu": lambda x: x if x > 0 else 0.25 * x,
    "elu": lambda x: x if x > 0 else 0.8 * (math.exp(1.5 * x) - 1),
    "sigmoid": lambda x: 1.4 / (1 + math.exp(-2.5 * x)),
    "tanh": lambda x: 1.2 * math.tanh(2 * x),
    "sign": lambda x: 1.0 if x > 0 else -1.0,
    "maxout": lambda x: max(0.9 * x, -0.6 * x),
}


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
    if type_ in GLYPHS:
        GLYPHS[type_](painter, ink)
    elif type_ in CURVES:
        _curve(painter, CURVES[type_])


def _arrow(painter: QPainter, a: QPointF, b: QPointF) -> None:
    painter.drawLine(a, b)
    painter.drawLine(b, b + QPointF(-4, -3.5))
    painter.drawLine(b, b + QPointF(-4, 3.5))


def _input(painter: QPainter, ink: QColor) -> None:
    _arrow(painter, QPointF(7, 16), QPointF(19, 16))
    painter.drawLine(QPointF(24, 8), QPointF(24, 24))


def _conv(painter: QPainter, ink: QColor) -> None:
    for r in range(3):
        for c in range(3):
            painter.drawRect(QRectF(8 + c * 5.6, 8 + r * 5.6, 4.4, 4.4))


def _pool(painter: QPainter, ink: QColor) -> None:
    painter.drawRect(QRectF(8, 8, 16, 16))
    painter.drawLine(QPointF(16, 8), QPointF(16, 24))
    painter.drawLine(QPointF(8, 16), QPointF(24, 16))
    painter.setBrush(ink)
    painter.drawRect(QRectF(8, 8, 8, 8))


def _dense(painter: QPainter, ink: QColor) -> None:
    left = [QPointF(9, 9), QPointF(9, 16), QPointF(9, 23)]
    right = [QPointF(23, 12), QPointF(23, 20)]
    thin = QPen(ink, 1.1)
    painter.setPen(thin)
    for a in left:
        for b in right:
            painter.drawLine(a, b)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    for p in left + right:
        painter.drawEllipse(p, 2.6, 2.6)


def _flatten(painter: QPainter, ink: QColor) -> None:
    painter.drawRect(QRectF(6, 10, 10, 12))
    _arrow(painter, QPointF(17.5, 16), QPointF(22, 16))
    painter.drawLine(QPointF(26, 7), QPointF(26, 25))


def _dropout(painter: QPainter, ink: QColor) -> None:
    for r in range(3):
        for c in range(3):
            p = QPointF(9 + c * 7, 9 + r * 7)
            if (r * 3 + c) % 3 == 1:
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(ink, 1.2))
            else:
                painter.setBrush(ink)
                painter.setPen(Qt.PenStyle.NoPen)
            painter.drawEllipse(p, 2.6, 2.6)


def _bell(painter: QPainter, ink: QColor) -> None:
    path = QPainterPath(QPointF(6, 24))
    for i in range(41):
        x = -2 + i / 10
        path.lineTo(QPointF(16 + x * 5, 24 - 15 * math.exp(-x * x * 1.4)))
    painter.drawPath(path)
    painter.drawLine(QPointF(6, 25), QPointF(26, 25))


def _lrn(painter: QPainter, ink: QColor) -> None:
    for i, h in enumerate((9, 14, 9)):
        painter.drawLine(QPointF(10 + i * 6, 24), QPointF(10 + i * 6, 24 - h))
    painter.drawLine(QPointF(6, 10), QPointF(26, 10))


def _softmax(painter: QPainter, ink: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    for i, h in enumerate((5, 9, 16)):
        painter.drawRect(QRectF(8 + i * 6, 24 - h, 4.2, h))


def _add(painter: QPainter, ink: QColor) -> None:
    """⊕: a sum of branches."""
    painter.drawEllipse(QPointF(16, 16), 9, 9)
    painter.drawLine(QPointF(16, 10), QPointF(16, 22))
    painter.drawLine(QPointF(10, 16), QPointF(22, 16))


def _concat(painter: QPainter, ink: QColor) -> None:
    """Two blocks stacked into one: depths joined."""
    painter.drawRect(QRectF(7, 8, 7, 16))
    painter.setBrush(ink)
    painter.drawRect(QRectF(18, 8, 7, 16))


def _global_pool(painter: QPainter, ink: QColor) -> None:
    """A map narrowing to one value."""
    painter.drawRect(QRectF(6, 8, 12, 16))
    _arrow(painter, QPointF(19.5, 16), QPointF(23, 16))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    painter.drawEllipse(QPointF(26.5, 16), 2.6, 2.6)


def _curve(painter: QPainter, f) -> None:
    axis = QPen(painter.pen())
    faint = QColor(axis.color())
    faint.setAlpha(120)
    axis.setColor(faint)
    axis.setWidthF(1.0)
    painter.save()
    painter.setPen(axis)
    painter.drawLine(QPointF(5, 18), QPointF(27, 18))
    painter.drawLine(QPointF(16, 5), QPointF(16, 27))
    painter.restore()
    if f is CURVES["sign"]:
        painter.drawPolyline(QPolygonF([QPointF(6, 23), QPointF(16, 23), QPointF(16, 11),
                                        QPointF(26, 11)]))
        return
    pts = [QPointF(16 + x * 4.8, 18 - f(x) * 6.5) for x in (i / 10 - 2.2 for i in range(45))]
    painter.drawPolyline(QPolygonF([QPointF(p.x(), max(5.0, min(27.0, p.y()))) for p in pts]))


GLYPHS = {
    "input": _input, "conv": _conv, "pool": _pool, "dense": _dense, "flatten": _flatten,
    "dropout": _dropout, "batchnorm": _bell, "lrn": _lrn, "softmax": _softmax,
    "add": _add, "concat": _concat, "global_pool": _global_pool,
}
