"""The bottom area of the Train mode: curves on the left; feature maps and filters in the
middle; the confusion matrix and, for 2-D data, the decision boundary on the right."""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter, QTabWidget, QVBoxLayout, QWidget

from .boundary import BoundaryView
from .confusion import ConfusionView
from .feature_maps import FeatureMapView, FilterView
from .plots import Curves


class TrainViews(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
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
        self.tabs = QTabWidget()
        self.tabs.addTab(self.confusion, "Confusion")
        self.tabs.addTab(self.boundary, "Boundary")
        self.tabs.setTabToolTip(0, "Validation results per class after each epoch")
        self.tabs.setTabToolTip(1, "How the network divides the plane (2-D data only)")

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.curves)
        split.addWidget(middle)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 5)
        split.setStretchFactor(1, 3)
        split.setStretchFactor(2, 2)
        split.setSizes([700, 380, 320])
        self.split = split
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(split)

    def set_dataset(self, dataset) -> None:
        planar = dataset is not None and dataset.x.ndim == 2 and dataset.x.shape[1] == 2 \
            and not dataset.has_targets
        self.tabs.setTabEnabled(1, planar)
        self.tabs.setCurrentIndex(1 if planar else 0)
        self.boundary.set_dataset(dataset if planar else None)
        if dataset is not None:
            self.maps.set_dataset(dataset)

    def clear(self) -> None:
        self.curves.clear()
        self.confusion.clear()
        self.filters.clear()
        self.maps.grid.clear()
