"""The base of every engine layer, and helpers shared by the layer modules.

A layer works on channels-first batches: ``(N, D, H, W)`` for volumes, ``(N, n)`` for vectors.
``forward(x, train) -> (out, cache)`` and ``backward(dout, cache) -> (dx, grads)``, where
``grads`` maps parameter names (``weight``, ``bias``) to gradients of the same shapes as
``params``. Arrays are only *logically* channels-first: a layer may return a transposed view
(for example a convolution's output is stored channel-major over the batch, which is the
layout its matrix product produces and the next convolution reads fastest); every layer
accepts any memory layout.
"""
from __future__ import annotations

import numpy as np

from ...model.keys import as_pair


def engine_shape(shape: tuple) -> tuple:
    """Model shape (W, H, D) or (n,) -> engine per-sample shape (D, H, W) or (n,)."""
    if len(shape) == 3:
        w, h, d = shape
        return (d, h, w)
    return tuple(shape)


def padding_of(cfg: dict, kernel: tuple) -> tuple:
    """The (ph, pw) padding of a conv or pool, "same" resolved as the model does."""
    pad = cfg.get("padding", 0)
    if pad == "same":
        return (kernel[0] - 1) // 2, (kernel[1] - 1) // 2
    return as_pair(pad)


class Layer:
    """One layer of the engine. Subclasses set ``params`` / ``buffers`` in ``__init__``."""

    type = ""

    def __init__(self, cfg: dict, in_shape: tuple, out_shape: tuple, dtype=np.float32):
        self.cfg = cfg
        self.in_shape = engine_shape(in_shape) if in_shape is not None else None
        self.out_shape = engine_shape(out_shape)
        self.dtype = np.dtype(dtype)
        self.params: dict = {}
        self.buffers: dict = {}
        # False for the first layer that has parameters: nothing before it needs a gradient.
        self.need_dx = True
        # Random generator for layers that draw numbers (dropout); the net sets its own.
        self.rng = np.random.default_rng(0)

    # Fans for initialisation, as torch.nn.init._calculate_fan_in_and_fan_out.
    def fans(self) -> tuple:
        w = self.params["weight"]
        receptive = int(np.prod(w.shape[2:])) if w.ndim > 2 else 1
        return w.shape[1] * receptive, w.shape[0] * receptive

    def forward(self, x: np.ndarray, train: bool = False):
        raise NotImplementedError

    def backward(self, dout: np.ndarray, cache):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.cfg})"


class Identity(Layer):
    """The input layer: passes its batch through."""

    type = "input"

    def forward(self, x, train=False):
        return x, None

    def backward(self, dout, cache):
        return dout, {}
