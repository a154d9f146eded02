"""Element-wise activations: relu, leaky_relu, elu, sigmoid, tanh, sign (batch-last, see base).

Each pass runs block by block (``blocks.blockwise``): its temporaries stay in the cache and the
blocks are shared among the cores. The backward passes of relu, leaky relu and elu read the
output instead of a saved mask: with α ≥ 0 the output is positive exactly where the input is.
Masks are applied arithmetically (a 0/1 factor from ``np.greater`` written into a float block)
rather than with ``np.where``/``np.copyto(where=)``, which are several times slower.
"""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical
from ..blocks import blockwise


def flat(x: np.ndarray) -> np.ndarray:
    """The batch-last values of a logical batch as one contiguous vector."""
    return batch_last(x).reshape(-1)


def elementwise(fn, x: np.ndarray, *others: np.ndarray, out=None) -> np.ndarray:
    """``fn(out, x, *others)`` on matching blocks of the logical batch ``x`` and the batch-last
    arrays ``others`` of its size (outputs cached by a forward pass), all as flat vectors;
    returns ``out`` (batch-last, a new array unless given) as a logical batch."""
    m = batch_last(x)
    xs = m.reshape(-1)
    rest = [np.ascontiguousarray(o).reshape(-1) for o in others]
    res = np.empty(m.shape, m.dtype) if out is None else out
    rf = res.reshape(-1)

    def run(a, b):
        fn(rf[a:b], xs[a:b], *(r[a:b] for r in rest))
    blockwise(run, xs.size)
    return logical(res)


class ReLU(Layer):
    type = "relu"
    overwrites_input = True

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        # Set by the net when the input array is not needed by anyone else.
        self.inplace = False

    def forward(self, x, train=False):
        m = batch_last(x)
        out = elementwise(self.clip_block, x, out=m if self.inplace else None)
        return out, batch_last(out)

    def backward(self, dout, out):
        return elementwise(self.gradient_block, dout, out), {}

    # One block of each pass; a batchnorm this layer alone reads runs them inside its own blocks
    # (plan's clips).
    def clip_block(self, o, x) -> None:
        np.maximum(x, 0, out=o)

    def gradient_block(self, o, d, y) -> None:
        np.multiply(d, y > 0, out=o)


class LeakyReLU(Layer):
    """x for x > 0, αx otherwise: max(x, αx) for α ≤ 1, min(x, αx) for α > 1."""

    type = "leaky_relu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])
        pick = np.maximum if a <= 1 else np.minimum

        def run(o, m):
            np.multiply(m, a, out=o)
            pick(m, o, out=o)
        out = elementwise(run, x)
        return out, batch_last(out)

    def backward(self, dout, out):
        a = self.dtype.type(self.cfg["alpha"])

        def run(o, d, y):
            np.greater(y, 0, out=o)  # 1 where x > 0: the factor is α + (1 − α)·[x > 0]
            o *= 1 - a
            o += a
            o *= d
        return elementwise(run, dout, out), {}


class ELU(Layer):
    type = "elu"

    def forward(self, x, train=False):
        a = self.dtype.type(self.cfg["alpha"])

        def run(o, m):
            np.minimum(m, 0, out=o)
            np.expm1(o, out=o)
            o *= a
            if a <= 1:  # then α(eˣ − 1) ≥ x for x ≤ 0, and 0 < x for x > 0
                np.maximum(o, m, out=o)
            else:
                o += np.maximum(m, 0)  # α(e^min(x,0) − 1) + max(x, 0)
        out = elementwise(run, x)
        return out, batch_last(out)

    def backward(self, dout, out):
        a = self.dtype.type(self.cfg["alpha"])

        def run(o, d, y):
            # the factor α·eˣ = out + α where x ≤ 0, and 1 = α + (1 − α) where x > 0 (out > 0)
            np.minimum(y, 0, out=o)
            o += a
            positive = np.greater(y, 0).astype(o.dtype)
            positive *= 1 - a
            o += positive
            o *= d
        return elementwise(run, dout, out), {}


class Sigmoid(Layer):
    type = "sigmoid"

    def forward(self, x, train=False):
        half = self.dtype.type(0.5)

        def run(o, m):
            np.multiply(m, half, out=o)
            np.tanh(o, out=o)  # 1/(1+e^-x) = tanh(x/2)/2 + 1/2, without overflow
            o *= half
            o += half
        out = elementwise(run, x)
        return out, batch_last(out)

    def backward(self, dout, out):
        def run(o, d, y):
            np.subtract(1, y, out=o)
            o *= y
            o *= d
        return elementwise(run, dout, out), {}


class Tanh(Layer):
    type = "tanh"

    def forward(self, x, train=False):
        out = elementwise(lambda o, m: np.tanh(m, out=o), x)
        return out, batch_last(out)

    def backward(self, dout, out):
        def run(o, d, y):
            np.multiply(y, y, out=o)
            np.subtract(1, o, out=o)
            o *= d
        return elementwise(run, dout, out), {}


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
