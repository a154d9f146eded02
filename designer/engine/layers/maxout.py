"""Maxout: the max over groups of ``pieces`` consecutive channels (or features), batch-last.
The gradient goes to the first largest piece of each group."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical
from .pool import index_type, running_max


class Maxout(Layer):
    type = "maxout"
    keeps_output = False

    def forward(self, x, train=False):
        k = self.cfg["pieces"]
        m = batch_last(x)
        groups = m.reshape((m.shape[0] // k, k) + m.shape[1:])
        out = np.empty(groups[:, 0].shape, m.dtype)
        idx = np.empty(out.shape, index_type(k))
        running_max([groups[:, t] for t in range(k)], out, idx)
        return logical(out), idx

    def backward(self, dout, idx):
        k = self.cfg["pieces"]
        d = batch_last(dout)
        dx = np.empty((d.shape[0], k) + d.shape[1:], d.dtype)
        for t in range(k):
            np.multiply(d, idx == t, out=dx[:, t])
        return logical(dx.reshape((-1,) + d.shape[1:])), {}
