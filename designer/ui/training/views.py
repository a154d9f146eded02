"""Where the Train mode's views go: curves, feature maps and filters in the bottom dock; the
decision boundary (2-D data only) above the confusion matrix in the right dock, in place of the
inspector."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QVBoxLayout, QWidget

from .boundary import BoundaryView
from .confusion import ConfusionView
from .feature_maps import FeatureMapView, FilterView
from .plots import Curves
from .probes import is_planar


class TrainViews:
    """Holds the views; ``bottom`` and ``right`` are the two widgets the window shows."""

    def __init__(self):
        self.curves = Curves()
        self.maps = FeatureMapView()
        self.filters = FilterView()
        self.confusion = ConfusionView()
        self.boundary = BoundaryView()

        # The curves take the whole bottom dock (three plots beside feature maps had about
        # 165 px each); the maps and filters go under the results in the right dock.
        self.bottom = QWidget()
        lay = QVBoxLayout(self.bottom)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.curves)

        # The boundary shows only for 2-D data; the confusion matrix always, as tall as what it
        # holds (one sentence before the first epoch, the matrix after).
        self.results = QSplitter(Qt.Orientation.Vertical)
        self.results.setChildrenCollapsible(False)
        for k, view in enumerate((self.boundary, self.confusion, self.maps, self.filters)):
            self.results.addWidget(view)
            self.results.setStretchFactor(k, (3, 0, 2, 1)[k])
        self.boundary.hide()
        self.right = self.results
        self.confusion.content_changed.connect(self._fit_results)

    def _fit_results(self) -> None:
        """Give the confusion matrix the height its content asks for (at most half the dock),
        the rest to the views around it."""
        sizes = self.results.sizes()
        total = sum(sizes)
        if total <= 0:
            return
        want = min(self.confusion.sizeHint().height(), total // 2)
        k = self.results.indexOf(self.confusion)
        others = [i for i in range(len(sizes)) if i != k and sizes[i] > 0]
        spare = total - want
        share = sum(sizes[i] for i in others) or 1
        new = list(sizes)
        new[k] = want
        for i in others:
            new[i] = int(spare * sizes[i] / share)
        self.results.setSizes(new)

    def set_dataset(self, dataset) -> None:
        planar = dataset is not None and is_planar(dataset)
        self.boundary.setVisible(planar)
        self.boundary.set_dataset(dataset if planar else None)
        if dataset is not None:
            self.maps.set_dataset(dataset)

    def set_network(self, network, keep_layer: bool = True) -> None:
        self.maps.set_network(network, keep_layer)
        self.filters.set_network(network)

    def clear(self) -> None:
        self.curves.clear()
        self.confusion.clear()
        self.filters.clear()
        self.maps.clear()
