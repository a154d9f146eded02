"""Maxout: the max over groups of ``pieces`` consecutive channels (or features)."""
from __future__ import annotations

import numpy as np

from .base import Layer


class Maxout(Layer):
    type = "maxout"

    def forward(self, x, train=False):
        k = self.cfg["pieces"]
        n, c = x.shape[:2]
        groups = x.reshape((n, c // k, k) + x.shape[2:])
        idx = groups.argmax(axis=2)
        out = np.take_along_axis(groups, idx[:, :, None], axis=2)[:, :, 0]
        return out, (idx, x.shape)

    def backward(self, dout, cache):
        idx, in_shape = cache
        k = self.cfg["pieces"]
        n, c = in_shape[:2]
        dx = np.zeros((n, c // k, k) + tuple(in_shape[2:]), dout.dtype)
        np.put_along_axis(dx, idx[:, :, None], dout[:, :, None], axis=2)
        return dx.reshape(in_shape), {}
