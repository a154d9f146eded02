"""Element-wise activations: relu, leaky_relu, elu, sigmoid, tanh, sign."""
from __future__ import annotations

import numpy as np

from .base import Layer


class ReLU(Layer):
    type = "relu"

    def forward(self, x, train=False):
        out = np.maximum(x, 0)
        return out, out

    def backward(self, dout, out):
        return dout * (out > 0), {}


class LeakyReLU(Layer):
    type = "leaky_relu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])
        pos = x > 0
        return np.where(pos, x, x * a), pos

    def backward(self, dout, pos):
        a = self.dtype.type(self.cfg["alpha"])
        return np.where(pos, dout, dout * a), {}


class ELU(Layer):
    type = "elu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])
        pos = x > 0
        out = np.where(pos, x, a * np.expm1(np.minimum(x, 0)))
        return out, (pos, out)

    def backward(self, dout, cache):
        pos, out = cache
        a = self.dtype.type(self.cfg["alpha"])
        return np.where(pos, dout, dout * (out + a)), {}


class Sigmoid(Layer):
    type = "sigmoid"

    def forward(self, x, train=False):
        half = self.dtype.type(0.5)
        out = np.tanh(x * half) * half + half  # = 1/(1+e^-x), without overflow
        return out, out

    def backward(self, dout, out):
        return dout * out * (1 - out), {}


class Tanh(Layer):
    type = "tanh"

    def forward(self, x, train=False):
        out = np.tanh(x)
        return out, out

    def backward(self, dout, out):
        return dout * (1 - out * out), {}


class Sign(Layer):
    """+1 if x > 0 else −1; straight-through gradient (dx = dout), which makes SGD on the MSE
    loss the perceptron rule Δw = η(t − o)x."""

    type = "sign"

    def forward(self, x, train=False):
        return np.where(x > 0, self.dtype.type(1), self.dtype.type(-1)), None

    def backward(self, dout, cache):
        return dout, {}
