"""Feature maps of one sample at one layer, and the first convolution's filters, as image grids.

The arrays come from the worker (computed between batches); these views only choose what to
ask for (layer, sample) and draw. Maps are scaled per map (viridis); filters on a diverging
scale around 0 (blue negative, red positive), or in colour for a 3-channel input.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ...model import format_shape
from .images import DIVERGING, VIRIDIS, ImageGrid, tiles_rgb

FILTERS_TITLE = "Filters of the first convolution"
FILTERS_LATER = "The filters appear when training starts."
NO_CONV = "No convolution in this network."


def layer_labels(network) -> list:
    """(index, label) of every layer after the input, named as its canvas block is (the layer's
    number, type and name): '#4 conv → 10×10×16', '#1 conv · conv1 → 55×55×96'."""
    out = []
    report = network.report()
    for info, layer in zip(report.layers, network.layers):
        if layer.type == "input":
            continue
        name = f"#{info.index} {layer.type}" + (f" · {layer.name}" if layer.name else "")
        out.append((info.index, f"{name} → {format_shape(info.output)}"))
    return out


def default_layer(network) -> Optional[int]:
    """The first convolution, else the first layer after the input."""
    for i, layer in enumerate(network.layers):
        if layer.type == "conv":
            return i
    return 1 if len(network.layers) > 1 else None


def map_tiles(maps: np.ndarray) -> np.ndarray:
    """Feature maps (C, H, W) -> C viridis tiles; a vector (n,) -> n one-pixel tiles on a shared scale."""
    if maps.ndim == 3:
        return tiles_rgb(maps, VIRIDIS, per_tile=True)
    return tiles_rgb(maps.reshape(-1, 1, 1), VIRIDIS, per_tile=False)


def filter_tiles(weights: np.ndarray) -> np.ndarray:
    """Conv weights (F, C, kh, kw) -> F tiles: colour when C = 3, else channel 0, centred on 0."""
    if weights.shape[1] == 3:
        return tiles_rgb(weights, per_tile=True, symmetric=True)
    return tiles_rgb(weights[:, 0], DIVERGING, per_tile=False, symmetric=True)


class FeatureMapView(QWidget):
    """Layer and sample choosers, the sample itself and its maps at that layer."""

    choice_changed = Signal(int, int)   # layer index, sample index
    grid_changed = Signal()             # new maps are shown

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.layer = QComboBox()
        self.layer.setToolTip("The layer whose output to show")
        self.sample = QSpinBox()
        self.sample.setRange(0, 0)
        self.sample.setToolTip("Which sample of the data goes through the network")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)   # beside the sample chooser it may need two lines
        self.input = ImageGrid("")
        self.input.setFixedWidth(64)
        self.input.setToolTip("The sample")
        self.grid = ImageGrid("Feature maps appear when training starts.")
        self.grid.setToolTip("The chosen layer's output for the sample, one tile per channel "
                             "(each scaled to its own range)")
        # The layer's whole label ('#1 conv · conv1 → 55×55×96') fits a small screen: the
        # chooser has the top row to itself (the sample's goes beside the caption), asks for
        # little, and takes the room there is; its list is as wide as its longest label.
        self.layer.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.layer.setMinimumContentsLength(12)
        self.sample.setPrefix("sample ")
        top = QHBoxLayout()
        top.addWidget(QLabel("Maps of"))
        top.addWidget(self.layer, 1)
        body = QHBoxLayout()
        body.addWidget(self.input)
        body.addWidget(self.grid, 1)
        foot = QHBoxLayout()
        foot.addWidget(self.caption, 1)
        foot.addWidget(self.sample)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addLayout(body, 1)
        lay.addLayout(foot)
        self.layer.currentIndexChanged.connect(self._changed)
        self.sample.valueChanged.connect(self._changed)

    @property
    def count(self) -> int:
        """How many maps the grid shows."""
        return self.grid.count

    def chosen_layer(self) -> Optional[int]:
        return self.layer.currentData()

    def set_network(self, network, keep_layer: bool = True) -> None:
        """List the network's layers; the chosen one stays chosen when ``keep_layer`` and it
        still exists, else the first convolution is chosen. The maps shown stay while the same
        layer is chosen (a rename only relabels; a real change of the network clears the views)."""
        before = self.layer.currentData()
        keep = before if keep_layer else None
        self.layer.blockSignals(True)
        self.layer.clear()
        for index, label in layer_labels(network):
            self.layer.addItem(label, index)
        want = keep if keep is not None and self.layer.findData(keep) >= 0 else default_layer(network)
        self.layer.setCurrentIndex(max(0, self.layer.findData(want)))
        self.layer.blockSignals(False)
        fm = self.layer.fontMetrics()
        longest = max((fm.horizontalAdvance(self.layer.itemText(i)) for i in range(self.layer.count())), default=0)
        self.layer.view().setMinimumWidth(longest + 40)
        if self.layer.currentData() != before:
            self.clear()   # the maps shown were another layer's

    def clear(self) -> None:
        self.grid.clear()
        self.caption.setText("")

    def set_dataset(self, dataset) -> None:
        self.dataset = dataset
        self.sample.blockSignals(True)
        self.sample.setRange(0, max(0, len(dataset) - 1))
        self.sample.blockSignals(False)
        self._show_input()

    def _show_input(self) -> None:
        ds = getattr(self, "dataset", None)
        if ds is None or not ds.is_image or len(ds) == 0:
            self.input.clear()
            self.input.setVisible(False)
            return
        x = ds.x[min(self.sample.value(), len(ds) - 1)]
        tile = x[None] if x.shape[0] == 3 else x[:1]
        self.input.set_tiles(tiles_rgb(tile, already_01=True))
        self.input.setVisible(True)
        label = ""
        if not ds.has_targets:
            y = int(ds.y[min(self.sample.value(), len(ds) - 1)])
            label = ds.classes[y] if ds.classes and y < len(ds.classes) else str(y)
        self.input.setToolTip(f"Sample {self.sample.value()}: {label}")

    def _changed(self, *_) -> None:
        self._show_input()
        layer = self.layer.currentData()
        if layer is not None:
            self.choice_changed.emit(int(layer), int(self.sample.value()))

    def show_maps(self, layer: int, sample: int, maps: np.ndarray) -> None:
        if layer != self.layer.currentData() or sample != self.sample.value():
            return  # an answer to an older question
        self.grid.set_tiles(map_tiles(maps))
        shape = f"{maps.shape[0]} maps of {maps.shape[1]}×{maps.shape[2]}" if maps.ndim == 3 \
            else f"{maps.shape[0]} value{'s' if maps.shape[0] != 1 else ''}"
        self.caption.setText(f"{shape}; range {float(maps.min()):.3g} … {float(maps.max()):.3g}")
        self.grid_changed.emit()


class FilterView(QWidget):
    """The first convolution's filters, refreshed while training."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.title = QLabel(FILTERS_TITLE)
        self.grid = ImageGrid(NO_CONV)
        self.grid.setToolTip("Each tile is one filter's weights (channel 0, or colour for RGB "
                             "input): blue negative, white 0, red positive")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.grid, 1)

    @property
    def count(self) -> int:
        return self.grid.count

    def show_filters(self, weights: np.ndarray) -> None:
        self.grid.set_tiles(filter_tiles(weights))
        f, c, kh, kw = weights.shape
        self.title.setText(f"Filters of the first convolution: {f} × {kh}×{kw}×{c}")

    def set_network(self, network) -> None:
        """Only the placeholder follows the network: filters shown stay (a rename keeps the
        weights; a real change of the network clears the views)."""
        has_conv = any(layer.type == "conv" for layer in network.layers)
        self.grid.placeholder = FILTERS_LATER if has_conv else NO_CONV
        self.grid.update()

    def clear(self) -> None:
        self.grid.clear()
        self.title.setText(FILTERS_TITLE)
