"""Element-wise activations: relu, leaky_relu, elu, sigmoid, tanh, sign (batch-last, see base)."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical


class ReLU(Layer):
    type = "relu"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        # Set by the net when the input array is not needed by anyone else.
        self.inplace = False

    def forward(self, x, train=False):
        m = batch_last(x)
        if self.inplace:
            out = np.maximum(m, 0, out=m)
        else:
            out = np.maximum(m, 0)
        return logical(out), out

    def backward(self, dout, out):
        return logical(batch_last(dout) * (out > 0)), {}


class LeakyReLU(Layer):
    type = "leaky_relu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])
        m = batch_last(x)
        pos = m > 0
        return logical(np.where(pos, m, m * a)), pos

    def backward(self, dout, pos):
        a = self.dtype.type(self.cfg["alpha"])
        d = batch_last(dout)
        return logical(np.where(pos, d, d * a)), {}


class ELU(Layer):
    type = "elu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])
        m = batch_last(x)
        pos = m > 0
        out = np.where(pos, m, a * np.expm1(np.minimum(m, 0)))
        return logical(out), (pos, out)

    def backward(self, dout, cache):
        pos, out = cache
        a = self.dtype.type(self.cfg["alpha"])
        d = batch_last(dout)
        return logical(np.where(pos, d, d * (out + a))), {}


class Sigmoid(Layer):
    type = "sigmoid"

    def forward(self, x, train=False):
        half = self.dtype.type(0.5)
        out = np.tanh(batch_last(x) * half) * half + half  # = 1/(1+e^-x), without overflow
        return logical(out), out

    def backward(self, dout, out):
        return logical(batch_last(dout) * out * (1 - out)), {}


class Tanh(Layer):
    type = "tanh"

    def forward(self, x, train=False):
        out = np.tanh(batch_last(x))
        return logical(out), out

    def backward(self, dout, out):
        return logical(batch_last(dout) * (1 - out * out)), {}


class Sign(Layer):
    """+1 if x > 0 else −1; straight-through gradient (dx = dout), which makes SGD on the MSE
    loss the perceptron rule Δw = η(t − o)x."""

    type = "sign"
    keeps_output = False

    def forward(self, x, train=False):
        m = batch_last(x)
        return logical(np.where(m > 0, self.dtype.type(1), self.dtype.type(-1))), None

    def backward(self, dout, cache):
        return dout, {}
