"""The UI's registry of layer kinds: everything the window knows of a kind beyond the catalogue
(``designer.model.KINDS``), in one place. ``UI_KINDS[type]`` is a ``UiKind``: its ``glyph`` (what
the palette's and the block's icon draws on the family colour: a 3×3 kernel for conv, the curve
for an activation) and its ``starter`` (the settings a new layer starts with when the kind needs
some: a conv's filter count). ``FAMILY_COLOURS`` holds the hue of each family of ``FAMILIES``.

Adding a kind to the UI is one entry in ``UI_KINDS`` (an activation: ``UiKind(curve(f))``); a new
family also needs its colour here. ``tests/test_kind_tables.py`` names what is missing.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF

from ..model import Layer

Glyph = Callable[[QPainter, QColor], None]  # draws on the 32×32 icon with the ink colour

# Family hues: input grey, convolution blue, pooling teal, activation yellow, dense purple,
# merge rose, regularisation / normalisation green, output orange (docs/ui-sketch.md).
FAMILY_COLOURS = {
    "input": "#8a9099",
    "convolution": "#3b7ddd",
    "pooling": "#14a3a0",
    "activation": "#e0b000",
    "dense": "#8b5cf6",
    "merge": "#d6457a",
    "regularisation": "#2fa84f",
    "normalisation": "#5fae2e",
    "output": "#f07a1a",
}


@dataclass(frozen=True)
class UiKind:
    glyph: Glyph
    starter: dict = field(default_factory=dict)  # settings a new layer of the kind starts with


def new_layer(type_: str, config: Optional[dict] = None) -> Layer:
    """A new layer of ``type_``: its kind's starting settings, then ``config``."""
    settings = dict(UI_KINDS[type_].starter)
    settings.update(config or {})
    return Layer.make(type_, **settings)


# --------------------------------------------------------------------------- glyphs
def _axes(painter: QPainter) -> None:
    """An activation glyph's axes, faint."""
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


def curve(f: Callable[[float], float]) -> Glyph:
    """The glyph of an activation: its curve y = f(x) over x in [−2.2, 2.2] on faint axes."""
    def draw(painter: QPainter, ink: QColor) -> None:
        _axes(painter)
        pts = [QPointF(16 + x * 4.8, 18 - f(x) * 6.5) for x in (i / 10 - 2.2 for i in range(45))]
        painter.drawPolyline(QPolygonF([QPointF(p.x(), max(5.0, min(27.0, p.y()))) for p in pts]))
    return draw


def _sign(painter: QPainter, ink: QColor) -> None:
    """A step: the curve drawn as two levels and the jump between them."""
    _axes(painter)
    painter.drawPolyline(QPolygonF([QPointF(6, 23), QPointF(16, 23), QPointF(16, 11), QPointF(26, 11)]))


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


def _layer_norm(painter: QPainter, ink: QColor) -> None:
    """The bell over a column of channels: normalised across them, at each position."""
    _bell(painter, ink)
    for y in (8.0, 12.0):
        painter.drawLine(QPointF(24, y), QPointF(28, y))


def _layer_scale(painter: QPainter, ink: QColor) -> None:
    """Bars of different heights from one base: a factor per channel."""
    painter.drawLine(QPointF(6, 25), QPointF(26, 25))
    for i, h in enumerate((12, 6, 15, 9)):
        painter.drawLine(QPointF(9 + i * 5, 25), QPointF(9 + i * 5, 25 - h))


def _scale_shift(painter: QPainter, ink: QColor) -> None:
    """×, then +: a fixed scale and shift."""
    painter.drawLine(QPointF(7, 9), QPointF(15, 17))
    painter.drawLine(QPointF(15, 9), QPointF(7, 17))
    painter.drawLine(QPointF(21, 15), QPointF(21, 25))
    painter.drawLine(QPointF(16, 20), QPointF(26, 20))


def _lrn(painter: QPainter, ink: QColor) -> None:
    for i, h in enumerate((9, 14, 9)):
        painter.drawLine(QPointF(10 + i * 6, 24), QPointF(10 + i * 6, 24 - h))
    painter.drawLine(QPointF(6, 10), QPointF(26, 10))


def _softmax(painter: QPainter, ink: QColor) -> None:
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    for i, h in enumerate((5, 9, 16)):
        painter.drawRect(QRectF(8 + i * 6, 24 - h, 4.2, h))


def _log_softmax(painter: QPainter, ink: QColor) -> None:
    """The softmax's bars hanging down from zero: log-probabilities are at most 0."""
    painter.drawLine(QPointF(6, 8), QPointF(26, 8))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(ink)
    for i, h in enumerate((16, 9, 4)):
        painter.drawRect(QRectF(8 + i * 6, 8, 4.2, h))


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


def _mul(painter: QPainter, ink: QColor) -> None:
    """⊗: a product of branches."""
    painter.drawEllipse(QPointF(16, 16), 9, 9)
    painter.drawLine(QPointF(11.5, 11.5), QPointF(20.5, 20.5))
    painter.drawLine(QPointF(20.5, 11.5), QPointF(11.5, 20.5))


def _pad(painter: QPainter, ink: QColor) -> None:
    """A map with a border on two sides only: asymmetric padding."""
    painter.drawRect(QRectF(6, 6, 20, 20))
    painter.setBrush(ink)
    painter.drawRect(QRectF(6, 6, 14, 14))


def _channel_shuffle(painter: QPainter, ink: QColor) -> None:
    """Two groups of channels crossing over."""
    for a, b in ((8, 8), (13, 18), (18, 13), (24, 24)):
        painter.drawLine(QPointF(a, 7), QPointF(b, 25))


def _channel_slice(painter: QPainter, ink: QColor) -> None:
    """A stack of channels with the top part taken."""
    painter.drawRect(QRectF(9, 6, 14, 20))
    painter.setBrush(ink)
    painter.drawRect(QRectF(9, 6, 14, 9))


UI_KINDS: dict[str, UiKind] = {
    "input": UiKind(_input, {"width": 28, "height": 28, "depth": 1}),
    "conv": UiKind(_conv, {"filters": 16}),
    "pool": UiKind(_pool),
    "pad": UiKind(_pad, {"right": 1, "bottom": 1}),
    "global_pool": UiKind(_global_pool),
    "dense": UiKind(_dense, {"units": 64}),
    "flatten": UiKind(_flatten),
    "relu": UiKind(curve(lambda x: max(0.0, x))),
    "leaky_relu": UiKind(curve(lambda x: x if x > 0 else 0.25 * x)),
    "elu": UiKind(curve(lambda x: x if x > 0 else 0.8 * (math.exp(1.5 * x) - 1))),
    "sigmoid": UiKind(curve(lambda x: 1.4 / (1 + math.exp(-2.5 * x)))),
    "tanh": UiKind(curve(lambda x: 1.2 * math.tanh(2 * x))),
    "sign": UiKind(_sign),
    # the clipping ones drawn with the glyph's axis scale (x in [−2.2, 2.2]): bounds brought in
    "relu6": UiKind(curve(lambda x: min(max(0.0, 1.3 * x), 1.3))),
    "hardtanh": UiKind(curve(lambda x: min(max(-1.0, 1.3 * x), 1.0))),
    "hardsigmoid": UiKind(curve(lambda x: 1.4 * min(max(0.0, x + 1), 2) / 2)),
    "hardswish": UiKind(curve(lambda x: x * min(max(0.0, x + 1.5), 3) / 3)),
    "silu": UiKind(curve(lambda x: x / (1 + math.exp(-2 * x)))),
    "gelu": UiKind(curve(lambda x: x * 0.5 * (1 + math.erf(1.4 * x)))),
    "maxout": UiKind(curve(lambda x: max(0.9 * x, -0.6 * x))),
    "dropout": UiKind(_dropout),
    "batchnorm": UiKind(_bell),
    "lrn": UiKind(_lrn),
    "layer_norm": UiKind(_layer_norm),
    "layer_scale": UiKind(_layer_scale),
    "scale_shift": UiKind(_scale_shift),
    "softmax": UiKind(_softmax),
    "log_softmax": UiKind(_log_softmax),
    "add": UiKind(_add),
    "concat": UiKind(_concat),
    "mul": UiKind(_mul),
    "channel_shuffle": UiKind(_channel_shuffle),
    "channel_slice": UiKind(_channel_slice, {"stop": 8}),
}
