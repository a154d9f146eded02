"""The drawing of the computational-graph lesson: inputs as labelled boxes, gates as circles
(+, ×, max, σ, ×2), and on each wire the value it carries above it (green) and the gradient
∂f/∂wire below it (red), as in the CS231n notes' figures. The node the current step works on is
ringed in the highlight colour and the labels the step has just filled in are bold.

``labels()`` computes every text on the graph (tests read it); ``paintEvent`` draws them and a
one-line legend of the two colours.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...learn import LEAVES, Step, Stepper, number
from ..theme import CanvasColours, mix

# logical pixels between the layout's columns and rows: stretched to fill the widget within these
COLUMN_RANGE, ROW_RANGE = (180.0, 330.0), (72.0, 120.0)
LEFT, TOP, RIGHT, BOTTOM = 40.0, 40.0, 140.0, 40.0
RADIUS = 25.0  # a gate's circle
JOG = 42.0  # the slanted last stretch of a wire into its gate
LEAF_W, LEAF_H = 46.0, 32.0
LABEL_GAP = 3.0
LABEL_SLACK = 8.0  # how far a label may reach past the straight stretch of its wire


@dataclass(frozen=True)
class Label:
    """A text on the drawing: ``role`` is "value", "grad", "name" or "gate"; ``fresh`` when the
    current step has just computed it; ``known`` is False for a placeholder ("q = ?")."""
    text: str
    role: str
    centre: QPointF
    fresh: bool = False
    known: bool = True
    node: str = ""


def _font(pixels: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


class GraphCanvas(QWidget):
    """Draws ``stepper``'s graph in the state of its current step; call ``update()`` after a step."""

    def __init__(self, stepper: Stepper, parent=None):
        super().__init__(parent)
        self.stepper = stepper
        self.setMinimumSize(360, 240)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.fonts = {"value": _font(15), "grad": _font(15), "name": _font(17, bold=True),
                      "gate": _font(19, bold=True), "small_gate": _font(14, bold=True)}
        self.bold = {k: _font(f.pixelSize(), bold=True) for k, f in self.fonts.items()}
        self.column, self.row = COLUMN_RANGE[0], ROW_RANGE[0]

    def sizeHint(self) -> QSize:
        self.fit(0, 0)
        w, h = self.logical_size()
        return QSize(int(w), int(h))

    def fit(self, width: float, height: float) -> None:
        """Space the columns and rows to fill ``width`` × ``height`` as far as their ranges allow."""
        cols, rows = self.extent()
        fixed_w, fixed_h = LEFT + LEAF_W / 2 + RADIUS + RIGHT, TOP + BOTTOM
        self.column = min(max((width - fixed_w) / max(cols, 1), COLUMN_RANGE[0]), COLUMN_RANGE[1])
        self.row = min(max((height - fixed_h) / max(rows, 1), ROW_RANGE[0]), ROW_RANGE[1])

    def extent(self) -> tuple[float, float]:
        layout = self.stepper.example.layout.values()
        return max(c for c, _ in layout), max(r for _, r in layout)

    # ------------------------------------------------------------------ geometry
    def position(self, name: str) -> QPointF:
        col, row = self.stepper.example.layout[name]
        return QPointF(LEFT + LEAF_W / 2 + col * self.column, TOP + row * self.row)

    def logical_size(self) -> tuple[float, float]:
        cols, rows = self.extent()
        return (LEFT + LEAF_W / 2 + cols * self.column + RADIUS + RIGHT,
                TOP + rows * self.row + BOTTOM)

    def is_leaf(self, name: str) -> bool:
        return self.stepper.graph.nodes[name].op in LEAVES

    def wire_start(self, name: str) -> QPointF:
        p = self.position(name)
        return QPointF(p.x() + (LEAF_W / 2 if self.is_leaf(name) else RADIUS), p.y())

    def wires(self) -> list[tuple[str, str, list[QPointF]]]:
        """(source, gate, points) for each wire; the output's wire has gate "" and runs right."""
        out = []
        graph = self.stepper.graph
        for g in graph.gates:
            end = self.position(g)
            inputs = graph.nodes[g].inputs
            for k, i in enumerate(inputs):
                start = self.wire_start(i)
                # several inputs enter a gate at different heights on its left side
                offset = (k - (len(inputs) - 1) / 2) * RADIUS * 0.9
                target = QPointF(end.x() - (RADIUS ** 2 - offset ** 2) ** 0.5, end.y() + offset)
                if abs(target.y() - start.y()) < 0.5:  # straight in: no bend
                    out.append((i, g, [start, target]))
                    continue
                bend = QPointF(max(start.x() + 20, end.x() - RADIUS - JOG), start.y())
                out.append((i, g, [start, bend, target]))
        start = self.wire_start(graph.output)
        out.append((graph.output, "", [start, QPointF(start.x() + RIGHT - 24, start.y())]))
        return out

    # ------------------------------------------------------------------ texts
    def labels(self) -> list[Label]:
        """Every text of the drawing in the current step's state."""
        step: Step = self.stepper.step
        graph = self.stepper.graph
        f = graph.output
        out: list[Label] = []
        labelled = set()
        for source, _gate, points in self.wires():
            if source in labelled:  # a node feeding several gates is labelled on its first wire
                continue
            labelled.add(source)
            a, b = points[0], points[1]
            mid = QPointF((a.x() + b.x()) / 2, a.y())
            room = b.x() - a.x() + 2 * LABEL_SLACK
            fresh = source in step.changed
            value, grad = step.values.get(source), step.grads.get(source)
            text = number(value) if value is not None else "?"
            out.append(Label(self._fit(f"{source} = {text}", text, room), "value", mid,
                             fresh and step.phase == "forward", value is not None, source))
            text = number(grad) if grad is not None else "?"
            out.append(Label(self._fit(f"∂{f}/∂{source} = {text}", text, room), "grad", mid,
                             fresh and step.phase == "backward", grad is not None, source))
        for name in graph.order:
            node = graph.nodes[name]
            role = "name" if node.op in LEAVES else "gate"
            out.append(Label(name if role == "name" else node.symbol, role, self.position(name),
                             node=name))
        return out

    def _fit(self, full: str, short: str, room: float) -> str:
        """``full`` ("∂f/∂x = −4") if it fits along its wire, else just the number."""
        return full if QFontMetricsF(self.bold["value"]).horizontalAdvance(full) <= room else short

    def label(self, node: str, role: str) -> Label:
        """The value ("value") or gradient ("grad") label on ``node``'s wire."""
        return next(x for x in self.labels() if x.node == node and x.role == role)

    def texts(self) -> list[str]:
        return [label.text for label in self.labels()]

    # ------------------------------------------------------------------ painting
    def colours(self) -> dict:
        c = CanvasColours(self.palette())
        green = QColor("#5ad17a") if c.dark else QColor("#1f8a3b")
        red = QColor("#ff6b6b") if c.dark else QColor("#d42a2a")
        return {"c": c, "value": green, "grad": red, "line": c.arrow, "text": c.text,
                "dim": c.dim_text, "base": c.base, "highlight": c.highlight,
                "gate_fill": mix(c.base, c.highlight, 0.08), "leaf_fill": mix(c.base, c.text, 0.06),
                "current": mix(c.base, c.highlight, 0.28)}

    def paintEvent(self, event) -> None:
        colours = self.colours()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.fillRect(self.rect(), colours["c"].background)
        self.fit(self.width(), self.height())
        w, h = self.logical_size()
        scale = min(self.width() / w, self.height() / h, 1.2)
        painter.translate((self.width() - w * scale) / 2, (self.height() - h * scale) / 2)
        painter.scale(scale, scale)
        current = self.stepper.step.node
        self._paint_wires(painter, colours)
        self._paint_nodes(painter, colours, current)
        self._paint_labels(painter, colours)
        painter.resetTransform()
        self._paint_legend(painter, colours)
        painter.end()

    def _paint_legend(self, painter: QPainter, colours: dict) -> None:
        """Top left, at the widget's own scale: what the green and red numbers are."""
        f = self.stepper.graph.output
        font = _font(13)
        metrics = QFontMetricsF(font)
        painter.setFont(font)
        x, y = 10.0, 8.0 + metrics.ascent()
        parts = (("green above a wire: the value it carries", colours["value"]),
                 ("   ·   ", colours["dim"]),
                 (f"red below: the gradient ∂{f}/∂(wire)", colours["grad"]))
        # One line where it fits, else two: on one line it was cut at "∂f/∂(wire".
        one_line = 20 + sum(metrics.horizontalAdvance(text) for text, _ in parts) <= self.width()
        for text, colour in (parts if one_line else (parts[0], parts[2])):
            painter.setPen(colour)
            painter.drawText(QPointF(x, y), text)
            if one_line:
                x += metrics.horizontalAdvance(text)
            else:
                y += metrics.lineSpacing()

    def _paint_wires(self, painter: QPainter, colours: dict) -> None:
        pen = QPen(colours["line"], 2.0)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for _source, gate, points in self.wires():
            path = QPainterPath(points[0])
            for p in points[1:]:
                path.lineTo(p)
            painter.drawPath(path)
            tip, before = points[-1], points[-2]
            self._arrow_head(painter, before, tip, colours["line"])

    @staticmethod
    def _arrow_head(painter: QPainter, before: QPointF, tip: QPointF, colour: QColor) -> None:
        dx, dy = tip.x() - before.x(), tip.y() - before.y()
        length = max((dx * dx + dy * dy) ** 0.5, 1e-9)
        ux, uy = dx / length, dy / length
        size = 9.0
        left = QPointF(tip.x() - ux * size - uy * size * 0.5, tip.y() - uy * size + ux * size * 0.5)
        right = QPointF(tip.x() - ux * size + uy * size * 0.5, tip.y() - uy * size - ux * size * 0.5)
        path = QPainterPath(tip)
        path.lineTo(left)
        path.lineTo(right)
        path.closeSubpath()
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QBrush(colour))
        painter.drawPath(path)
        painter.restore()

    def _paint_nodes(self, painter: QPainter, colours: dict, current: str) -> None:
        graph = self.stepper.graph
        for name in graph.order:
            p = self.position(name)
            here = name == current
            fill = colours["current"] if here else (
                colours["leaf_fill"] if self.is_leaf(name) else colours["gate_fill"])
            pen = QPen(colours["highlight"] if here else colours["line"], 3.5 if here else 1.6)
            painter.setPen(pen)
            painter.setBrush(QBrush(fill))
            if self.is_leaf(name):
                painter.drawRoundedRect(QRectF(p.x() - LEAF_W / 2, p.y() - LEAF_H / 2, LEAF_W, LEAF_H),
                                        7, 7)
            else:
                painter.drawEllipse(p, RADIUS, RADIUS)

    def _paint_labels(self, painter: QPainter, colours: dict) -> None:
        for label in self.labels():
            role = label.role
            if role == "gate" and len(label.text) > 2:
                font = self.fonts["small_gate"]
            else:
                font = (self.bold if label.fresh else self.fonts)[role]
            metrics = QFontMetricsF(font)
            width, height = metrics.horizontalAdvance(label.text), metrics.height()
            c = label.centre
            if role == "value":
                rect = QRectF(c.x() - width / 2, c.y() - LABEL_GAP - height, width, height)
            elif role == "grad":
                rect = QRectF(c.x() - width / 2, c.y() + LABEL_GAP, width, height)
            else:
                rect = QRectF(c.x() - width / 2, c.y() - height / 2, width, height)
            colour = colours.get(role, colours["text"]) if role in ("value", "grad") else colours["text"]
            if not label.known:
                colour = colours["dim"]
            if label.fresh:
                painter.save()
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QBrush(colours["current"]))
                painter.drawRoundedRect(rect.adjusted(-5, -1, 5, 1), 5, 5)
                painter.restore()
            painter.setFont(font)
            painter.setPen(colour)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, label.text)
