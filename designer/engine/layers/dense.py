"""Fully connected layer (flattening a volume depth-major) and flatten, batch-last: a batch
of n_in features is the (n_in, N) matrix, so the layer is ``W @ x`` with no transposes. The
weight gradient is written into a scratch buffer of the layer (valid until its next backward
pass)."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical


def feature_matrix(x: np.ndarray) -> np.ndarray:
    """Logical (N, ...) -> (features, N), features depth-major (C, H, W)."""
    m = batch_last(x)
    return m.reshape(int(np.prod(m.shape[:-1])), m.shape[-1])


class Flatten(Layer):
    type = "flatten"  # its output is a view of its input: keeps_output stays True

    def forward(self, x, train=False):
        return logical(feature_matrix(x)), x.shape

    def backward(self, dout, shape):
        return logical(batch_last(dout).reshape(tuple(shape[1:]) + (shape[0],))), {}


class Dense(Layer):
    type = "dense"
    keeps_output = False

    def forward(self, x, train=False):
        xm = feature_matrix(x)
        out = self.params["weight"] @ xm
        if "bias" in self.params:
            out += self.params["bias"][:, None]
        return logical(out), (xm, x.shape)

    def backward(self, dout, cache):
        xm, in_shape = cache
        w = self.params["weight"]
        d = batch_last(dout)
        # Into a buffer of the layer: a step never holds last step's gradient and this one's
        # at once (AlexNet's fc6 gradient is 151 MB).
        grads = {"weight": np.matmul(d, xm.T, out=self.scratch("grad", w.shape))}
        if "bias" in self.params:
            grads["bias"] = d.sum(axis=1)
        if not self.need_dx:
            return None, grads
        dx = (w.T @ d).reshape(tuple(in_shape[1:]) + (in_shape[0],))
        return logical(dx), grads
