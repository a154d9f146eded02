"""One row of a conv or pool layer's input drawn as cells (padding grey, uncovered cells red)
with the filter's positions below it as bars, so that ⌊(W − K + 2P)/S⌋ + 1 can be counted."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ..kinds import FAMILY_COLOURS
from ..theme import ERROR_COLOUR, mix

MAX_LANES = 6


class WindowStrip(QWidget):
    """Draws ``show(axis, out, what)``: ``axis`` a ``designer.learn.shape.Axis``."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.axis = None
        self.out = 0
        self.what = "filter"
        self.setMinimumHeight(96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def show_axis(self, axis, out: int, what: str = "filter") -> None:
        self.axis, self.out, self.what = axis, out, what
        self.setVisible(axis is not None)
        self.update()

    def caption(self) -> str:
        a = self.axis
        if a is None:
            return ""
        unit = a.unit
        pad = f" + {a.p} padding on each side" if a.p else ""
        text = (f"One {'row' if unit == 'column' else 'column'} of the input: {a.n} {unit}s{pad}. "
                f"The {a.k}-wide {self.what} fits at {self.out} positions, {a.s} apart")
        dropped = (a.n + 2 * a.p) - ((self.out - 1) * a.s + a.k)
        if dropped > 0:
            text += f"; the last {dropped} {unit}{'s' if dropped > 1 else ''} (red) {'are' if dropped > 1 else 'is'} never covered"
        return text + "."

    def paintEvent(self, _event) -> None:
        a = self.axis
        if a is None or self.out <= 0:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        window = pal.color(QPalette.ColorRole.Window)
        accent = QColor(FAMILY_COLOURS["convolution" if self.what == "filter" else "pooling"])
        margin = 8
        padded = a.n + 2 * a.p
        width = self.width() - 2 * margin
        cell = width / padded
        font = p.font()
        font.setPointSizeF(font.pointSizeF() * 1.05)
        p.setFont(font)
        line_h = p.fontMetrics().height()
        p.setPen(text)
        p.drawText(QRectF(margin, 0, width, line_h + 2), Qt.AlignmentFlag.AlignLeft, self.caption())

        top = line_h + 6
        cell_h = 18
        covered = (self.out - 1) * a.s + a.k
        edge = mix(text, window, 0.55) if cell >= 6 else None
        for i in range(padded):
            if i < a.p or i >= padded - a.p:
                fill = mix(window, text, 0.18)
            else:
                fill = mix(base, accent, 0.10)
            if i >= covered:
                fill = QColor(ERROR_COLOUR)
            rect = QRectF(margin + i * cell, top, cell, cell_h)
            p.fillRect(rect, fill)
            if edge is not None:
                p.setPen(edge)
                p.drawRect(rect)
        p.setPen(text)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(margin, top, padded * cell, cell_h))

        lanes = max(1, min(MAX_LANES, -(-a.k // a.s)))
        bar_h = 7
        for j in range(self.out):
            lane = j % lanes
            y = top + cell_h + 5 + lane * (bar_h + 3)
            rect = QRectF(margin + j * a.s * cell + 1, y, a.k * cell - 2, bar_h)
            p.fillRect(rect, accent if j % 2 == 0 else mix(accent, text, 0.35))
        p.end()

    def sizeHint(self):
        size = super().sizeHint()
        size.setHeight(96)
        return size
