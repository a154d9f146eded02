"""Global pooling: the average or the maximum of each channel over the whole W×H plane, a 1×1×D
output (PyTorch's AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1)), batch-last (see ``base``).
Max pooling routes the gradient to the first largest value of each plane, as PyTorch does."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, batch_view, logical


class GlobalPool(Layer):
    type = "global_pool"
    keeps_output = False

    def forward(self, x, train=False):
        m = batch_view(x)
        d, h, w, n = m.shape
        if self.cfg["mode"] == "avg":
            out = m.mean(axis=(1, 2), dtype=self.dtype)
            cache = None
        else:
            flat = batch_last(x).reshape(d, h * w, n)
            cache = flat.argmax(axis=1)  # the first largest, as PyTorch
            out = np.take_along_axis(flat, cache[:, None], axis=1)[:, 0]
        return logical(out.reshape(d, 1, 1, n)), (cache, (d, h, w, n))

    def backward(self, dout, cache):
        idx, (d, h, w, n) = cache
        g = batch_last(dout).reshape(d, 1, n)
        if idx is None:
            dx = np.empty((d, h * w, n), self.dtype)
            np.multiply(g, self.dtype.type(1.0 / (h * w)), out=dx)  # broadcast over the plane
        else:
            dx = np.zeros((d, h * w, n), self.dtype)
            np.put_along_axis(dx, idx[:, None], g, axis=1)
        return logical(dx.reshape(d, h, w, n)), {}
