"""The canvas's small items: arrows between blocks and the insertion marker shown while dragging."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .layout import BLOCK_H

HEAD = 8.0


class ArrowItem(QGraphicsItem):
    """A polyline from one block to the next with an arrowhead at its end."""

    def __init__(self, colours):
        super().__init__()
        self.colours = colours
        self.points: list = []
        self._path = QPainterPath()
        self._head = QPolygonF()
        self._bounds = QRectF()
        self.setZValue(-1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_points(self, points: list) -> None:
        if points == self.points:
            return
        self.prepareGeometryChange()
        self.points = points
        pts = [QPointF(x, y) for x, y in points]
        end, before = pts[-1], pts[-2]
        angle = math.atan2(end.y() - before.y(), end.x() - before.x())
        tip = end - QPointF(math.cos(angle), math.sin(angle)) * 1.5
        back = tip - QPointF(math.cos(angle), math.sin(angle)) * HEAD
        normal = QPointF(-math.sin(angle), math.cos(angle)) * (HEAD * 0.55)
        self._head = QPolygonF([tip, back + normal, back - normal])
        path = QPainterPath(pts[0])
        for p in pts[1:-1]:
            path.lineTo(p)
        path.lineTo(back)
        self._path = path
        self._bounds = path.boundingRect().united(self._head.boundingRect()).adjusted(-3, -3, 3, 3)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(self.colours.arrow, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.colours.arrow)
        painter.drawPolygon(self._head)


class InsertionMarker(QGraphicsItem):
    """A vertical bar with two small triangles: where a dragged layer will go."""

    def __init__(self, colours):
        super().__init__()
        self.colours = colours
        self.setZValue(10)
        self.setVisible(False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return QRectF(-9, -12, 18, BLOCK_H + 24)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = self.colours.highlight
        painter.setPen(QPen(colour, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(0, -4), QPointF(0, BLOCK_H + 4))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([QPointF(-8, -12), QPointF(8, -12), QPointF(0, -3)]))
        painter.drawPolygon(QPolygonF([QPointF(-8, BLOCK_H + 12), QPointF(8, BLOCK_H + 12),
                                       QPointF(0, BLOCK_H + 3)]))
