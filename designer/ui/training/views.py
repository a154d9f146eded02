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

        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.maps)
        middle.addWidget(self.filters)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 2)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.curves)
        split.addWidget(middle)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([600, 400])
        self.bottom = QWidget()
        lay = QVBoxLayout(self.bottom)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(split)

        # The boundary shows only for 2-D data; the confusion matrix always.
        self.results = QSplitter(Qt.Orientation.Vertical)
        self.results.addWidget(self.boundary)
        self.results.addWidget(self.confusion)
        self.results.setStretchFactor(0, 3)
        self.results.setStretchFactor(1, 2)
        self.boundary.hide()
        self.right = self.results

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
