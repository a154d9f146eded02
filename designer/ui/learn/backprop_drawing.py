"""The backprop stepper's drawing of the network: input, hidden and output neurons in columns,
the weights on the edges, net and o in each neuron, δ under it once computed, and what the
current stage computes highlighted."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene,
                               QGraphicsSimpleTextItem, QGraphicsView)

from ...learn import fmt, fmt_given, full
from ..theme import CanvasColours, mix

NODE_W, NODE_H = 110, 50
COLUMN_GAP = 212      # from one column's left edge to the next one's
ROW_GAP = 74          # from one neuron's top to the next one's
LABEL_SPAN = (0.2, 0.8)   # where along its edge a weight may sit, from the source
MAX_LABELS = 12       # a layer with more weights shows them in tooltips and the tables only
MAX_SCALE = 1.25


def _font(size: float, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


class BackpropDrawing(QGraphicsView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumSize(320, 200)
        self.texts: dict = {}  # (kind, level, index) -> the shown text, for tests and tooltips

    # ------------------------------------------------------------------ layout
    @staticmethod
    def _positions(sizes) -> list:
        tallest = max(sizes)
        out = []
        for level, n in enumerate(sizes):
            top = (tallest - n) * ROW_GAP / 2
            out.append([QPointF(level * COLUMN_GAP, top + k * ROW_GAP) for k in range(n)])
        return out

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-8, -8, 8, 8)
        if rect.isEmpty():
            return
        self.resetTransform()
        view = self.viewport().rect()
        scale = min(view.width() / rect.width(), view.height() / rect.height(), MAX_SCALE)
        self.scale(scale, scale)
        self.centerOn(rect.center())

    # ------------------------------------------------------------------ drawing
    def show_state(self, stack, step, stage_list, current: int) -> None:
        scene = self.scene()
        scene.clear()
        self.texts = {}
        self.weight_labels = {}   # key -> the label item, where a weight is written on its edge
        self._segments = []       # every edge (start, end, key), for placing the weights
        self._pending = []        # the weights to write, placed once every edge is known
        colours = CanvasColours(self.palette())
        done = {(s.phase, s.layer) for s in stage_list[:current + 1]}
        now = stage_list[current]
        sizes, names = stack.sizes, stack.names
        pos = self._positions(sizes)
        n_layers = len(stack.weights)
        delta_colour = QColor("#ff6bd6") if colours.dark else QColor("#a3158a")

        def lit_edges(l: int) -> bool:  # the weights into layer l (level l + 1) matter now
            if now.phase in ("forward", "update"):
                return now.layer == l
            return now.phase == "delta" and now.layer == l - 1

        # Edges and their weights first, so that the neurons are drawn over them.
        for l in range(n_layers):
            w, b = stack.weights[l], stack.biases[l]
            updated = ("update", l) in done
            lit = lit_edges(l)
            sources = [(pos[l][i] + QPointF(NODE_W, NODE_H / 2), i) for i in range(sizes[l])]
            if b is not None:
                bias_at = QPointF(l * COLUMN_GAP + NODE_W - 26, pos[l][0].y() - 34)
                self._bias_node(scene, bias_at, colours)
                sources.append((bias_at + QPointF(24, 9), None))
            labelled = sizes[l] * sizes[l + 1] <= MAX_LABELS  # a bias is written in its neuron
            for start, i in sources:
                for j in range(sizes[l + 1]):
                    end = pos[l + 1][j] + QPointF(0, NODE_H / 2)
                    old = b[j] if i is None else w[j, i]
                    new = step.new_biases[l][j] if i is None else step.new_weights[l][j, i]
                    self._edge(scene, start, end, old, new if updated else None, lit, colours,
                               ("weight", l, (j, i)), labelled and i is not None)
        self._place_weights(scene, colours)
        # Neurons.
        for level, column in enumerate(pos):
            for k, at in enumerate(column):
                lit = (now.phase == "start" and level == 0) or \
                      (now.phase in ("forward", "delta") and now.layer == level - 1)
                corner = None
                if level == 0:
                    lines = [f"x = {fmt_given(step.x[k])}"]
                    family = "input"
                else:
                    l = level - 1
                    shown = ("forward", l) in done
                    values = step.layers[l]
                    lines = [f"net {fmt(values.net[k])}" if shown else "net",
                             f"o {fmt(values.out[k])}" if shown else "o"]
                    family = "output" if level == len(sizes) - 1 else "dense"
                    bias = stack.biases[l]
                    if bias is not None:
                        updated = ("update", l) in done
                        value = step.new_biases[l][k] if updated else bias[k]
                        corner = (f"b {fmt(value)}", updated and now.phase == "update" and now.layer == l,
                                  f"bias b = {full(bias[k])}" + (f" → new {full(value)}" if updated else ""))
                        self.texts[("bias", level, k)] = corner[0]
                self._node(scene, at, names[level][k], lines, family, lit, colours, corner)
                self.texts[("node", level, k)] = " · ".join(lines)
                if level > 0 and ("delta", level - 1) in done:
                    delta = step.layers[level - 1].delta[k]
                    text = f"δ = {fmt(delta)}"
                    now_delta = now.phase == "delta" and now.layer == level - 1
                    self._label(scene, text, at + QPointF(NODE_W / 2, NODE_H + 9), delta_colour,
                                bold=now_delta, size=9.5, tip=f"δ = {full(delta)}")
                    self.texts[("delta", level, k)] = text
                if level == len(sizes) - 1:
                    text = f"t = {fmt_given(step.t[k])}"
                    self._label(scene, text, at + QPointF(NODE_W + 30, NODE_H / 2),
                                colours.dim_text, size=9)
        self._fit()

    def _node(self, scene, at: QPointF, name: str, lines, family: str, lit: bool, colours,
              corner=None) -> None:
        """A neuron: its name, its ``lines`` right-aligned, and ``corner`` = (text, lit, tooltip)
        (the bias) on the name's line."""
        path = QPainterPath()
        path.addRoundedRect(QRectF(at.x(), at.y(), NODE_W, NODE_H), 9, 9)
        item = QGraphicsPathItem(path)
        fill = colours.fill(family)
        if lit:
            fill = mix(fill, colours.highlight, 0.3)
        item.setBrush(QBrush(fill))
        border = colours.highlight if lit else colours.header(family)
        item.setPen(QPen(border, 3 if lit else 1.4))
        scene.addItem(item)
        title = QGraphicsSimpleTextItem(name)
        title.setFont(_font(9.5, bold=True))
        title.setBrush(colours.text)
        title.setPos(at.x() + 7, at.y() + 3)
        scene.addItem(title)
        if corner is not None:
            text, corner_lit, tip = corner
            item = QGraphicsSimpleTextItem(text)
            item.setFont(_font(8))
            item.setBrush(colours.highlight if corner_lit else colours.dim_text)
            item.setToolTip(tip)
            item.setPos(at.x() + NODE_W - 7 - item.boundingRect().width(), at.y() + 4)
            scene.addItem(item)
        for n, line in enumerate(lines):
            text = QGraphicsSimpleTextItem(line)
            text.setFont(_font(9))
            text.setBrush(colours.text)
            width = text.boundingRect().width()
            y = at.y() + 3 + (n + 1) * 15 if len(lines) > 1 else at.y() + 24
            text.setPos(at.x() + NODE_W - 7 - width, y)
            scene.addItem(text)

    def _bias_node(self, scene, at: QPointF, colours) -> None:
        item = QGraphicsRectItem(QRectF(at.x(), at.y(), 24, 18))
        item.setBrush(QBrush(colours.fill("input")))
        item.setPen(QPen(colours.header("input"), 1.2))
        item.setToolTip("bias: an input that is always 1")
        scene.addItem(item)
        self._label(scene, "+1", at + QPointF(12, 9), colours.text, size=8.5)

    def _edge(self, scene, start: QPointF, end: QPointF, old: float, new, lit: bool, colours,
              key, labelled: bool) -> None:
        pen = QPen(colours.highlight if lit else mix(colours.arrow, colours.base, 0.35),
                   2.2 if lit else 1.0)
        line = scene.addLine(start.x(), start.y(), end.x(), end.y(), pen)
        line.setZValue(-1.0 if lit else -2.0)
        text = fmt(old if new is None else new)
        tip = f"w = {full(old)}" if new is None else f"old W {full(old)} → new W {full(new)}"
        line.setToolTip(tip)
        self.texts[key] = text
        self._segments.append((start, end, key))
        if labelled:
            colour = colours.highlight if (lit and new is not None) else colours.text
            self._pending.append((start, end, key, text, colour, lit, tip))

    def _place_weights(self, scene, colours) -> None:
        """Write each weight on its edge where it is farthest from the other edges and the
        weights already written: at a fixed share of the way all the weights leaving a neuron
        bunched up beside it, where its edges still run together."""
        placed: list = []   # the rectangles of the weights written so far
        for start, end, key, text, colour, lit, tip in self._pending:
            label = self._label(scene, text, start, colour, bold=lit, size=8, tip=tip, boxed=colours)
            w, h = label.boundingRect().width() + 6, label.boundingRect().height() + 2
            best, best_score = start, -1e9
            lo, hi = LABEL_SPAN
            for k in range(25):
                t = lo + (hi - lo) * k / 24
                p = start + (end - start) * t
                rect = QRectF(p.x() - w / 2, p.y() - h / 2, w, h)
                near_edge = min((_distance(p, a, b) for a, b, other in self._segments if other != key),
                                default=1e9)
                apart = min((_separation(rect, r) for r in placed), default=1e9)
                # Never on another weight; then as far from the other edges as it can be.
                score = min(apart, 0.0) * 100 + min(near_edge, 24.0) + min(apart, 30.0) * 0.2
                if score > best_score + 1e-6:
                    best, best_score = p, score
            placed.append(QRectF(best.x() - w / 2, best.y() - h / 2, w, h))
            rect = label.boundingRect()
            label.setPos(best.x() - rect.width() / 2, best.y() - rect.height() / 2)
            label.setZValue(1.0 if lit else 0.0)
            self.weight_labels[key] = label

    def _label(self, scene, text: str, centre: QPointF, colour, bold=False, size=9.0, tip="",
               boxed=None):
        item = QGraphicsSimpleTextItem(text)
        item.setFont(_font(size, bold))
        item.setBrush(colour)
        rect = item.boundingRect()
        item.setPos(centre.x() - rect.width() / 2, centre.y() - rect.height() / 2)
        if tip:
            item.setToolTip(tip)
        if boxed is not None:
            back = QGraphicsRectItem(rect.adjusted(-2, 0, 2, 0))
            back.setBrush(QBrush(boxed.base))
            back.setPen(QPen(Qt.PenStyle.NoPen))
            back.setParentItem(item)
            back.setFlag(back.GraphicsItemFlag.ItemStacksBehindParent)
        scene.addItem(item)
        return item


def _distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    """The distance from ``p`` to the segment ``a``–``b``."""
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / length2))
    cx, cy = a.x() + t * dx - p.x(), a.y() + t * dy - p.y()
    return (cx * cx + cy * cy) ** 0.5


def _separation(a: QRectF, b: QRectF) -> float:
    """How far apart two rectangles are (negative: by how much they overlap)."""
    dx = max(a.left() - b.right(), b.left() - a.right())
    dy = max(a.top() - b.bottom(), b.top() - a.bottom())
    return max(dx, dy)
