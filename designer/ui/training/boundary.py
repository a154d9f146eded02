"""The decision boundary of a network on 2-D data, as TensorFlow Playground draws it: the plane
coloured by the predicted class (stronger where the network is surer) with the data points on
top. The grid predictions are computed by the worker (``probes.decision_boundary``).
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ..theme import CLASS_COLOURS, class_colour, style_axes
from .probes import Boundary, boundary_extent, is_planar

CLASS_RGB = np.array(CLASS_COLOURS, dtype=float)
WHITE = np.array([255.0, 255.0, 255.0])
MAX_POINTS = 5000   # data points drawn over the boundary at most


def shown_points(n: int, limit: int = MAX_POINTS) -> np.ndarray:
    """Indices of the points to draw: all of them, or a fixed random ``limit`` of a larger set
    (a scatter of 200 000 points froze the window for seconds and shows no more)."""
    if n <= limit:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, size=limit, replace=False))


def boundary_rgb(b: Boundary, n_classes: int) -> np.ndarray:
    """(G, G, 3) uint8: each cell the colour of its class, blended with white by how sure the
    network is (chance level is white)."""
    k = max(2, n_classes)
    strength = np.clip((b.confidence - 1.0 / k) / (1.0 - 1.0 / k), 0, 1)[..., None] * 0.75
    colours = CLASS_RGB[b.classes % len(CLASS_RGB)]
    return (WHITE * (1 - strength) + colours * strength).round().astype(np.uint8)


class AspectFrame(QWidget):
    """Holds a plot and gives its data area the width:height of ``ratio`` (the plane's x range
    over its y range), centred in whatever room the dock has: spirals keep the shape they have
    in the data preview, and the view still shows exactly the boundary's extent (no bands)."""

    def __init__(self, plot: pg.PlotWidget, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.plot = plot
        plot.setParent(self)
        self.ratio = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        # The axes' margin is known once the plot has laid itself out: place it again then.
        plot.getPlotItem().vb.sigResized.connect(self._place)
        self.setMinimumSize(120, 120)

    def set_ratio(self, ratio: float) -> None:
        self.ratio = min(max(float(ratio), 0.1), 10.0) if np.isfinite(ratio) and ratio > 0 else 1.0
        self._place()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place()

    def _margins(self) -> tuple:
        """Pixels the axes and the title take around the data area, measured when the plot's
        layout matches its widget (until then, the last measure)."""
        item = self.plot.getPlotItem()
        whole, vb, port = item.geometry(), item.vb.geometry(), self.plot.viewport()
        if vb.width() > 0 and round(whole.width()) == port.width() and round(whole.height()) == port.height():
            self._extra = (self.plot.width() - port.width() + round(whole.width() - vb.width()),
                           self.plot.height() - port.height() + round(whole.height() - vb.height()))
        return getattr(self, "_extra", (50, 40))

    def _place(self) -> None:
        extra_w, extra_h = self._margins()
        room_w, room_h = max(1, self.width() - extra_w), max(1, self.height() - extra_h)
        w = min(room_w, room_h * self.ratio)
        h = w / self.ratio
        size_w, size_h = int(round(w)) + extra_w, int(round(h)) + extra_h
        place = QRect((self.width() - size_w) // 2, (self.height() - size_h) // 2, size_w, size_h)
        if place != self.plot.geometry():
            self.plot.setGeometry(place)

    def data_ratio_shown(self) -> float:
        """Width over height of the data area as drawn, in pixels (for tests)."""
        vb = self.plot.getPlotItem().vb.geometry()
        return vb.width() / max(vb.height(), 1e-9)


class BoundaryView(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        pal = self.palette()
        self.title = QLabel("Decision boundary")
        self.plot = pg.PlotWidget(background=pal.color(QPalette.ColorRole.Base))
        self.plot.setMenuEnabled(False)
        # The view is exactly the boundary's extent, and its shape that of the extent (the
        # AspectFrame): a locked aspect ratio in a dock taller than wide padded it with white
        # bands far beyond the data; no aspect at all stretched the spirals to twice their height.
        self.plot.setMouseEnabled(False, False)
        self.plot.hideButtons()
        self.plot.setToolTip("The network's class for every point of the plane (stronger colour: "
                             "more confident), with the data on top")
        style_axes(self.plot, pal.color(QPalette.ColorRole.Text))
        self.image = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image)
        self.points = pg.ScatterPlotItem(size=6, pen=pg.mkPen(255, 255, 255, 220, width=1))
        self.plot.addItem(self.points)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        self.frame = AspectFrame(self.plot)
        lay.addWidget(self.frame, 1)
        self.n_classes = 2
        self.updates = 0

    def set_dataset(self, dataset) -> None:
        self.image.clear()
        self.updates = 0
        if dataset is None or not is_planar(dataset):
            self.points.clear()
            return
        self.n_classes = dataset.num_classes
        shown = shown_points(len(dataset))
        y = np.asarray(dataset.y)[shown].astype(np.int64) % len(CLASS_COLOURS)
        brushes = np.array([pg.mkBrush(*class_colour(c)) for c in range(len(CLASS_COLOURS))],
                           dtype=object)   # one brush per class, shared by its points
        self.points.setData(pos=np.asarray(dataset.x[shown], dtype=float), brush=brushes[y])
        self.fit(boundary_extent(dataset.x))   # Python floats: float32 limits overflow

    def fit(self, extent: tuple) -> None:
        """Show exactly ``extent`` (x0, x1, y0, y1), whatever the widget's shape."""
        x0, x1, y0, y1 = extent
        self.plot.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.frame.set_ratio((x1 - x0) / (y1 - y0) if y1 > y0 else 1.0)

    def show_boundary(self, b: Boundary) -> None:
        self.image.setImage(boundary_rgb(b, self.n_classes), autoLevels=False)
        x0, x1, y0, y1 = b.extent
        self.image.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))
        self.fit(b.extent)
        self.updates += 1
