"""What the views show of a network while it trains, computed in the worker thread between two
batches (so the weights are not changing under the computation) and sent as plain arrays.

No Qt here: the worker calls these and ships the results by signal.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

BOUNDARY_GRID = 120      # points along each axis of the decision-boundary grid
BOUNDARY_MARGIN = 0.15   # fraction of the data's extent added around it


@dataclass
class ProbeSpec:
    """What the GUI wants to see; set from the GUI thread, read by the worker (plain attributes)."""
    layer: Optional[int] = None     # feature maps of this layer's output
    sample: int = 0                 # index into the data set


def feature_maps(net, x: np.ndarray, layer: int) -> np.ndarray:
    """The output of ``layer`` for the single sample ``x``: (C, H, W) for a volume, (n,) for a vector."""
    out = net.forward(np.asarray(x)[None], train=False, upto=layer)
    return np.array(out[0], dtype=np.float32, copy=True)


def first_conv_index(types: list) -> Optional[int]:
    return next((i for i, t in enumerate(types) if t == "conv"), None)


def first_filters(net) -> Optional[np.ndarray]:
    """A copy of the first convolution's weights (F, C, kh, kw), or None without a convolution."""
    i = first_conv_index(net.types)
    if i is None:
        return None
    return np.array(net.layers[i].params["weight"], dtype=np.float32, copy=True)


def boundary_extent(points: np.ndarray) -> tuple:
    """(x0, x1, y0, y1): the data's bounding box with a margin, square-ish for the eye."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((hi - lo) * BOUNDARY_MARGIN, 1e-3)
    lo, hi = lo - pad, hi + pad
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])


@dataclass
class Boundary:
    """Predictions on a grid over the plane. ``classes`` (G, G) the predicted class per cell
    (row = y, column = x), ``confidence`` (G, G) the winning probability in [0, 1], ``extent``
    (x0, x1, y0, y1)."""
    classes: np.ndarray
    confidence: np.ndarray
    extent: tuple


def decision_boundary(net, extent: tuple, last_type: str, size: int = BOUNDARY_GRID) -> Boundary:
    """The network's prediction on a size×size grid over ``extent``, as TensorFlow Playground
    draws it: the colour is the class, its strength the confidence."""
    x0, x1, y0, y1 = extent
    gx, gy = np.meshgrid(np.linspace(x0, x1, size), np.linspace(y0, y1, size))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    out = np.asarray(net.predict(grid, batch_size=4096), dtype=np.float64).reshape(len(grid), -1)
    if out.shape[1] == 1:
        v = out[:, 0]
        if last_type in ("sign", "tanh"):
            p1 = (np.clip(v, -1, 1) + 1) / 2
        else:  # sigmoid or identity: targets 0 and 1
            p1 = np.clip(v, 0, 1)
        cls = (p1 > 0.5).astype(np.int64)
        conf = np.where(cls == 1, p1, 1 - p1)
    else:
        if last_type == "sigmoid":
            out = out / np.maximum(out.sum(axis=1, keepdims=True), 1e-12)
        elif last_type != "softmax":
            shifted = np.exp(out - out.max(axis=1, keepdims=True))
            out = shifted / shifted.sum(axis=1, keepdims=True)
        cls = out.argmax(axis=1)
        conf = out.max(axis=1)
    return Boundary(cls.reshape(size, size), conf.reshape(size, size).astype(np.float32), extent)


def is_planar(dataset) -> bool:
    """True for 2-D point data (a decision boundary can be drawn)."""
    return (not dataset.is_image) and dataset.x.ndim == 2 and dataset.x.shape[1] == 2 \
        and not dataset.has_targets


class Prober:
    """Computes every view's data for a trainer's net; a view that fails once is not tried again
    (its failure is returned as a note)."""

    def __init__(self):
        self.ok = {"maps": True, "filters": True, "boundary": True}
        self.extent = None

    def compute(self, trainer, spec: ProbeSpec) -> tuple:
        """(data, notes): data maps "maps" -> (layer, sample, array), "filters" -> array,
        "boundary" -> Boundary; notes are (what, exception) pairs of views that failed."""
        net, data, notes = trainer.net, {}, []
        dataset = trainer.dataset
        layer, sample = spec.layer, spec.sample
        if layer is not None and self.ok["maps"] and len(dataset):
            try:
                x = dataset.x[min(max(0, sample), len(dataset) - 1)]
                data["maps"] = (layer, sample, feature_maps(net, x, layer))
            except Exception as e:  # noqa: BLE001 — reported as a note
                self.ok["maps"] = False
                notes.append(("the feature maps", e))
        if self.ok["filters"]:
            try:
                filters = first_filters(net)
                if filters is not None:
                    data["filters"] = filters
            except Exception as e:  # noqa: BLE001
                self.ok["filters"] = False
                notes.append(("the filters", e))
        if self.ok["boundary"] and is_planar(dataset):
            try:
                if self.extent is None:
                    self.extent = boundary_extent(dataset.x)
                data["boundary"] = decision_boundary(net, self.extent, net.types[-1])
            except Exception as e:  # noqa: BLE001
                self.ok["boundary"] = False
                notes.append(("the decision boundary", e))
        return data, notes
