"""The blocks the canvas's Blocks menu inserts besides the inception block (which is its template):
MobileNetV2's inverted residual and a squeeze-and-excitation block, built for the depth of the
volume they follow. Each is a little network whose first layer (an input with that volume, id
``x``) stands for the layer before the insertion: the Editor copies the rest (``wiring.copies``)
and the paste points what read ``x`` at that layer.

- Inverted residual (Sandler et al. 2018, MobileNetV2, Table 1; torchvision's InvertedResidual
  with stride 1): 1×1 conv to 6·D, batchnorm, ReLU6; 3×3 depthwise conv, batchnorm, ReLU6; 1×1
  conv back to D, batchnorm (no activation: the linear bottleneck); the input added back.
- Squeeze-and-excitation (Hu et al. 2018; torchvision's SqueezeExcitation): global average pool,
  1×1 conv to max(1, D/4), ReLU, 1×1 conv back to D, sigmoid, ``mul`` with the input (each
  channel scaled by its own weight in 0…1)."""
from __future__ import annotations

import json

from .jsonio import loads

EXPAND = 6  # MobileNetV2's expansion ratio t


def _design(name: str, shape: tuple, layers: list):
    w, h, d = shape
    head = {"type": "input", "id": "x", "width": w, "height": h, "depth": d}
    return loads(json.dumps({"format": "nn-designer", "version": 2, "name": name, "layers": [head, *layers]}))


def inverted_residual(shape: tuple):
    """The block for a W×H×D volume ``shape``: out W×H×D."""
    d = shape[2]
    wide = EXPAND * d
    return _design("inverted residual", shape, [
        {"type": "conv", "name": "expand", "filters": wide, "kernel": 1, "bias": False},
        {"type": "batchnorm"}, {"type": "relu6"},
        {"type": "conv", "name": "depthwise", "filters": wide, "kernel": 3, "padding": 1, "groups": wide,
         "bias": False},
        {"type": "batchnorm"}, {"type": "relu6"},
        {"type": "conv", "name": "project", "filters": d, "kernel": 1, "bias": False},
        {"type": "batchnorm", "id": "bottleneck"},
        {"type": "add", "inputs": ["bottleneck", "x"]},
    ])


def squeeze_excitation(shape: tuple):
    """The block for a W×H×D volume ``shape``: out W×H×D."""
    d = shape[2]
    return _design("squeeze-and-excitation", shape, [
        {"type": "global_pool", "mode": "avg", "name": "squeeze"},
        {"type": "conv", "name": "fc1", "filters": max(1, d // 4), "kernel": 1},
        {"type": "relu"},
        {"type": "conv", "name": "fc2", "filters": d, "kernel": 1},
        {"type": "sigmoid", "id": "scale"},
        {"type": "mul", "inputs": ["x", "scale"], "name": "excite"},
    ])
