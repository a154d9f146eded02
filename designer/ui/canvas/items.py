"""The canvas's small items: arrows between blocks and the insertion marker shown while dragging."""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QFont, QPainter, QPainterPath, QPainterPathStroker, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .layout import BLOCK_W

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


class EdgeItem(ArrowItem):
    """An edge of a branched network: selectable (Delete removes it), highlighted while a layer
    dragged from the palette hovers it (a drop inserts the layer there), and, into a merge,
    labelled with the shape that flows along it (``28×28×128``)."""

    def __init__(self, colours, src: int, dst: int):
        super().__init__(colours)
        self.src, self.dst = src, dst  # layer uids
        self.label = ""
        self.hot = False
        self.refused = False  # a connection being dragged that would be refused: drawn red
        self.dashed = False
        self._hit = QPainterPath()
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)

    def set_points(self, points: list) -> None:
        changed = points != self.points
        super().set_points(points)
        if changed:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            self._hit = stroker.createStroke(self._path)
            self._bounds = self._bounds.united(self._label_rect()).adjusted(-2, -2, 2, 2)

    def set_label(self, text: str) -> None:
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._bounds = self._bounds.united(self._label_rect())
            self.update()

    def set_hot(self, hot: bool) -> None:
        if hot != self.hot:
            self.hot = hot
            self.update()

    def set_refused(self, refused: bool) -> None:
        if refused != self.refused:
            self.refused = refused
            self.update()

    def _label_rect(self) -> QRectF:
        if not self.label or not self.points:
            return QRectF()
        x, y = self.points[0]
        return QRectF(x + 5, y + 2, 8 + 7 * len(self.label), 16)

    def shape(self) -> QPainterPath:
        return self._hit

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = self.colours.highlight if (self.hot or self.isSelected()) else self.colours.arrow
        if self.refused:
            colour = self.colours.error
        pen = QPen(colour, 3.2 if (self.hot or self.isSelected()) else 1.6)
        if self.dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._path)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(self._head)
        if self.label:
            font = QFont()
            font.setPixelSize(11)
            painter.setFont(font)
            painter.setPen(self.colours.dim_text)
            painter.drawText(self._label_rect(), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self.label)


class InsertionMarker(QGraphicsItem):
    """A horizontal bar with two small triangles, as wide as a block: where a dragged layer will
    go between two rows of the flow."""

    def __init__(self, colours):
        super().__init__()
        self.colours = colours
        self.setZValue(10)
        self.setVisible(False)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return QRectF(-12, -9, BLOCK_W + 24, 18)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        colour = self.colours.highlight
        painter.setPen(QPen(colour, 4, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawLine(QPointF(-4, 0), QPointF(BLOCK_W + 4, 0))
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([QPointF(-12, -8), QPointF(-12, 8), QPointF(-3, 0)]))
        painter.drawPolygon(QPolygonF([QPointF(BLOCK_W + 12, -8), QPointF(BLOCK_W + 12, 8),
                                       QPointF(BLOCK_W + 3, 0)]))
