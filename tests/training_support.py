"""Shared by the training tests: a small CNN, a data set of images it learns, and a run stopped
from inside a layer's forward pass."""
from __future__ import annotations

import numpy as np

from designer.engine.data import Dataset

SMALL_CNN = """{"format": "nn-designer", "version": 1, "name": "small", "layers": [
  {"type": "input", "width": 8, "height": 8, "depth": 1},
  {"type": "conv", "filters": 4, "kernel": 3, "padding": 1},
  {"type": "relu"},
  {"type": "pool", "mode": "max", "size": 2},
  {"type": "batchnorm"},
  {"type": "dense", "units": 12},
  {"type": "relu"},
  {"type": "dropout", "rate": 0.3},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def images(n=120, seed=0):
    """8×8 images of three classes: a bright square in the top-left, top-right or bottom half."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    x = rng.random((n, 1, 8, 8)).astype(np.float32) * 0.3
    for i, c in enumerate(y):
        rows, cols = [(slice(0, 4), slice(0, 4)), (slice(0, 4), slice(4, 8)), (slice(4, 8), slice(0, 8))][c]
        x[i, 0, rows, cols] += 0.7
    return Dataset("squares", x, y.astype(np.int64), ["left", "right", "bottom"], "test")


def run_stopping_inside(trainer, layer, nth: int) -> tuple:
    """(events of ``trainer.run()``, ``layer``'s forward calls' ``train`` flags) with Stop pressed inside the ``nth`` training batch, while
    ``layer`` runs forward (one or several inputs: the layer's own call is passed on as given)."""
    forward, calls = layer.forward, []

    def forward_then_stop(x, train):
        calls.append(train)
        if train and len(calls) == nth:
            trainer.request_stop()
        return forward(x, train)

    layer.forward = forward_then_stop
    try:
        return list(trainer.run()), calls
    finally:
        layer.forward = forward
