"""Fully connected layer (flattening a volume depth-major) and flatten."""
from __future__ import annotations

import numpy as np

from .base import Layer


class Flatten(Layer):
    type = "flatten"

    def forward(self, x, train=False):
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, dout, cache):
        return dout.reshape(cache), {}


class Dense(Layer):
    type = "dense"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        n_in = int(np.prod(self.in_shape))
        self.params["weight"] = np.zeros((cfg["units"], n_in), self.dtype)
        if cfg["bias"]:
            self.params["bias"] = np.zeros(cfg["units"], self.dtype)

    def forward(self, x, train=False):
        x2 = x.reshape(x.shape[0], -1)
        out = x2 @ self.params["weight"].T
        if "bias" in self.params:
            out += self.params["bias"]
        return out, (x2, x.shape)

    def backward(self, dout, cache):
        x2, in_shape = cache
        w = self.params["weight"]
        grads = {"weight": dout.T @ x2}
        if "bias" in self.params:
            grads["bias"] = dout.sum(axis=0)
        if not self.need_dx:
            return None, grads
        return (dout @ w).reshape(in_shape), grads
