"""The perceptron lesson's plane: the points (+1 blue, −1 orange, as in the Train mode's decision
boundary), the half-planes of the current line coloured lightly, the line w₁x₁ + w₂x₂ + b = 0 with
its normal w, the sample just used ringed and the misclassified points crossed; or a two-layer
network's regions with its hidden units' lines. Clicks on the plane are reported in plane
coordinates."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QVBoxLayout, QWidget

from designer.ui.theme import style_axes

PLUS = (8, 119, 189)     # class +1: the Train mode's blue
MINUS = (245, 147, 34)   # class −1: its orange
WRONG = (215, 38, 61)
GRID = 120               # shading cells per side
SHADE = 0.16             # how much of the class colour the shading mixes into white
HIDDEN_COLOURS = ((120, 70, 200), (30, 150, 90))


def shading(classes: np.ndarray, base=(255, 255, 255)) -> np.ndarray:
    """(G, G, 3) uint8: each cell its class's colour, mixed lightly into ``base``."""
    base = np.array(base, dtype=float)
    colours = np.where(classes[..., None] > 0, np.array(PLUS, dtype=float), np.array(MINUS, dtype=float))
    return (base * (1 - SHADE) + colours * SHADE).round().astype(np.uint8)


def clip_line(w, b: float, rect: tuple) -> Optional[tuple]:
    """The segment of w·x + b = 0 inside rect (x0, x1, y0, y1): ((xa, xb), (ya, yb)), or None."""
    x0, x1, y0, y1 = rect
    w1, w2 = float(w[0]), float(w[1])
    pts = []
    if abs(w2) > 1e-12:
        for x in (x0, x1):
            y = -(w1 * x + b) / w2
            if y0 - 1e-9 <= y <= y1 + 1e-9:
                pts.append((x, y))
    if abs(w1) > 1e-12:
        for y in (y0, y1):
            x = -(w2 * y + b) / w1
            if x0 - 1e-9 <= x <= x1 + 1e-9:
                pts.append((x, y))
    if len(pts) < 2:
        return None
    pts.sort()
    (xa, ya), (xb, yb) = pts[0], pts[-1]
    return (xa, xb), (ya, yb)


class PointPlane(QWidget):
    """The plane. ``clicked(x, y, plus)``: a left click (``plus`` True) or right click (False)
    at plane point (x, y)."""

    clicked = Signal(float, float, bool)

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        pal = self.palette()
        self.base = pal.color(QPalette.ColorRole.Base)
        self.plot = pg.PlotWidget(background=self.base)
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setAspectLocked(True)
        item = self.plot.getPlotItem()
        fg = pal.color(QPalette.ColorRole.Text)
        style_axes(item, fg)
        for side, label in (("left", "x₂"), ("bottom", "x₁")):
            item.getAxis(side).setLabel(label)
        item.showGrid(x=True, y=True, alpha=0.15)
        self.vb = item.getViewBox()
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setZValue(-10)
        self.plot.addItem(self.image)
        self.line = pg.PlotDataItem(pen=pg.mkPen(fg, width=2.5))
        self.plot.addItem(self.line)
        self.hidden_lines = [pg.PlotDataItem(pen=pg.mkPen(QColor(*c), width=2, style=Qt.PenStyle.DashLine))
                             for c in HIDDEN_COLOURS]
        self.hidden_labels = [pg.TextItem(color=QColor(*c), anchor=(0, 1)) for c in HIDDEN_COLOURS]
        for it in self.hidden_lines + self.hidden_labels:
            self.plot.addItem(it)
        self.arrow = pg.PlotDataItem(pen=pg.mkPen(fg, width=1.5))
        self.arrow_head = pg.ArrowItem(pen=pg.mkPen(fg), brush=pg.mkBrush(fg), headLen=10, tailLen=0)
        self.arrow_label = pg.TextItem("w", color=fg, anchor=(0, 1))
        for it in (self.arrow, self.arrow_head, self.arrow_label):
            self.plot.addItem(it)
        self.points = pg.ScatterPlotItem(size=11, pxMode=True)
        self.plot.addItem(self.points)
        self.ring = pg.ScatterPlotItem(size=22, pxMode=True, brush=None,
                                       pen=pg.mkPen(fg, width=2))
        self.plot.addItem(self.ring)
        self.plot.scene().sigMouseClicked.connect(self._scene_clicked)
        self.plot.setToolTip("Left click: add a + point (class +1); right click: add a − point "
                             "(class −1)")
        self.rect = (-1.5, 1.5, -1.5, 1.5)
        self._drawn = None   # ("line", w, b) or ("net", net): redrawn when the view range changes
        self.vb.sigRangeChanged.connect(self._range_changed)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.plot)

    # ------------------------------------------------------------------ range
    def set_extent(self, rect: tuple) -> None:
        """Show (at least) the square (x0, x1, y0, y1) of the plane."""
        x0, x1, y0, y1 = (float(v) for v in rect)
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._range_changed()

    def _range_changed(self, *_args) -> None:
        """The visible rectangle (wider or taller than asked, as the aspect ratio is locked)."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        rect = (x0, x1, y0, y1)
        if rect == self.rect:
            return
        self.rect = rect
        if self._drawn is not None and self._drawn[0] == "line":
            self.set_line(*self._drawn[1:])
        elif self._drawn is not None:
            self.set_two_layer(self._drawn[1])

    def _grid(self) -> tuple:
        x0, x1, y0, y1 = self.rect
        xs = x0 + (np.arange(GRID) + 0.5) * (x1 - x0) / GRID
        ys = y0 + (np.arange(GRID) + 0.5) * (y1 - y0) / GRID
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)

    def _shade(self, classes: np.ndarray) -> None:
        x0, x1, y0, y1 = self.rect
        base = (self.base.red(), self.base.green(), self.base.blue())
        self.image.setImage(shading(classes.reshape(GRID, GRID), base), autoLevels=False)
        self.image.setRect(x0, y0, x1 - x0, y1 - y0)

    # ------------------------------------------------------------------ contents
    def set_points(self, x: np.ndarray, t: np.ndarray, wrong: Optional[np.ndarray] = None,
                   current: Optional[int] = None) -> None:
        """The points; ``wrong`` marks the misclassified ones, ``current`` the sample just used."""
        x = np.asarray(x, dtype=float).reshape(-1, 2)
        wrong = np.zeros(len(x), bool) if wrong is None else wrong
        spots = []
        for p, c, bad in zip(x, t, wrong):
            colour = PLUS if c > 0 else MINUS
            spots.append({"pos": (p[0], p[1]), "symbol": "o" if c > 0 else "s",
                          "brush": pg.mkBrush(*colour),
                          "pen": pg.mkPen(*(WRONG if bad else (255, 255, 255)), width=2.5 if bad else 1)})
        self.points.setData(spots)
        if current is not None and 0 <= current < len(x):
            self.ring.setData(pos=x[current:current + 1])
        else:
            self.ring.clear()

    def set_line(self, w, b: float) -> None:
        """The neuron's line and its coloured half-planes (w = 0: the whole plane is one class)."""
        self._drawn = ("line", np.array(w, dtype=float), float(b))
        for it in self.hidden_lines + self.hidden_labels:
            it.setVisible(False)
        grid = self._grid()
        self._shade(np.where(grid @ np.asarray(w, float) + b > 0, 1.0, -1.0))
        seg = clip_line(w, b, self.rect)
        if seg is None:
            self.line.setData([], [])
            for it in (self.arrow, self.arrow_head, self.arrow_label):
                it.setVisible(False)
            return
        self.line.setData(*seg)
        self._normal_arrow(np.asarray(w, float), b)

    def _normal_arrow(self, w: np.ndarray, b: float) -> None:
        """A short arrow along w from the line's point nearest the view's centre."""
        x0, x1, y0, y1 = self.rect
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        u = w / np.linalg.norm(w)
        foot = centre - (centre @ w + b) / (w @ w) * w
        tip = foot + u * 0.12 * min(x1 - x0, y1 - y0)
        self.arrow.setData([foot[0], tip[0]], [foot[1], tip[1]])
        angle = np.degrees(np.arctan2(u[1], u[0]))
        self.arrow_head.setStyle(angle=180 - angle)
        self.arrow_head.setPos(tip[0], tip[1])
        self.arrow_label.setPos(tip[0], tip[1])
        for it in (self.arrow, self.arrow_head, self.arrow_label):
            it.setVisible(True)

    def set_two_layer(self, net) -> None:
        """A two-layer network's regions and its hidden units' lines."""
        self._drawn = ("net", net)
        self.line.setData([], [])
        for it in (self.arrow, self.arrow_head, self.arrow_label):
            it.setVisible(False)
        self._shade(net.predict(self._grid()))
        for k, (item, label) in enumerate(zip(self.hidden_lines, self.hidden_labels)):
            seg = clip_line(net.hidden_w[k], net.hidden_b[k], self.rect)
            item.setVisible(seg is not None)
            label.setVisible(seg is not None)
            if seg is None:
                continue
            item.setData(*seg)
            (xa, xb), (ya, yb) = seg
            label.setText(f"h{'₁₂'[k]} ({net.names[k]})" if net.names[k] not in ("h₁", "h₂")
                          else net.names[k])
            falling = (yb - ya) * (xb - xa) <= 0   # the label goes above it, on the free side
            label.setAnchor((0, 1) if falling else (1, 1))
            f = 0.3 if falling else 0.7
            label.setPos(xa + f * (xb - xa), ya + f * (yb - ya))

    # ------------------------------------------------------------------ clicks
    def _scene_clicked(self, event) -> None:
        button = event.button()
        if button not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        pos = event.scenePos()
        if not self.vb.sceneBoundingRect().contains(pos):
            return
        event.accept()
        self.click_at_scene(pos, button == Qt.MouseButton.LeftButton)

    def click_at_scene(self, scene_pos: QPointF, plus: bool) -> None:
        """What a click at ``scene_pos`` does: report the plane point under it."""
        p = self.vb.mapSceneToView(scene_pos)
        self.clicked.emit(float(p.x()), float(p.y()), plus)

    def scene_pos_of(self, x: float, y: float) -> QPointF:
        """The scene position of plane point (x, y) (for tests and tooltips)."""
        return self.vb.mapViewToScene(QPointF(x, y))

