"""The activations of MobileNet, EfficientNet and ConvNeXt: relu6, hardtanh, hardsigmoid,
hardswish, silu and gelu (batch-last, block by block as ``activations``).

Each computes what PyTorch computes, in the same order of operations (hardsigmoid is
min(max(x + 3, 0), 6)/6, not x/6 + 1/2), and its gradient is PyTorch's at the kinks: the
clipping activations pass no gradient at their bounds (PyTorch's hardtanh_backward tests
min < x < max), hardswish's slope is x/3 + 1/2 on −3 < x < 3, 0 at −3 and 1 at 3. The clipping ones read their
mask from the output (monotone, so min < out < max exactly where min < x < max); the smooth
ones keep their input.
"""
from __future__ import annotations

import math

import numpy as np

from .activations import elementwise
from .base import Layer, batch_last
from .erf import erf


class Hardtanh(Layer):
    """x clipped to [min_val, max_val]; the gradient passes strictly inside."""

    type = "hardtanh"
    overwrites_input = True

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.inplace = False  # set by the net, as for relu: MobileNet's ReLU6 after each batchnorm

    def bounds(self) -> tuple:
        return self.dtype.type(self.cfg["min_val"]), self.dtype.type(self.cfg["max_val"])

    def forward(self, x, train=False):
        out = elementwise(self.clip_block, x, out=batch_last(x) if self.inplace else None)
        return out, batch_last(out)

    def backward(self, dout, out):
        return elementwise(self.gradient_block, dout, out), {}

    # One block of each pass; a batchnorm this layer alone reads runs them inside its own blocks
    # (plan's clips).
    def clip_block(self, o, x) -> None:
        lo, hi = self.bounds()
        np.clip(x, lo, hi, out=o)

    def gradient_block(self, o, d, y) -> None:
        lo, hi = self.bounds()
        inside = np.greater(y, lo)
        inside &= y < hi
        np.multiply(d, inside, out=o)


class ReLU6(Hardtanh):
    type = "relu6"

    def bounds(self) -> tuple:
        return self.dtype.type(0), self.dtype.type(6)


class Hardsigmoid(Layer):
    """relu6(x + 3)/6; the gradient 1/6 where 0 < out < 1 (−3 < x < 3)."""

    type = "hardsigmoid"

    def forward(self, x, train=False):
        three, six = self.dtype.type(3), self.dtype.type(6)

        def run(o, m):
            np.add(m, three, out=o)
            np.clip(o, 0, six, out=o)
            o /= six
        out = elementwise(run, x)
        return out, batch_last(out)

    def backward(self, dout, out):
        # PyTorch's kernel multiplies by 1.0f / 6.0f, a float32 constant, in float64 too: the same
        # number here, so that float64 training equals PyTorch's to 1e-9 (it is 3e-8 from 1/6).
        sixth = self.dtype.type(np.float32(1) / np.float32(6))

        def run(o, d, y):
            np.greater(y, 0, out=o)
            o *= y < 1
            o *= sixth
            o *= d
        return elementwise(run, dout, out), {}


class Hardswish(Layer):
    """x·relu6(x + 3)/6; the gradient 0 to −3, x/3 + 1/2 between, 1 from 3 on (PyTorch's kernel)."""

    type = "hardswish"
    keeps_output = False

    def forward(self, x, train=False):
        three, six = self.dtype.type(3), self.dtype.type(6)

        def run(o, m):
            np.add(m, three, out=o)
            np.clip(o, 0, six, out=o)
            o *= m
            o /= six
        return elementwise(run, x), batch_last(x)

    def backward(self, dout, x):
        three, half = self.dtype.type(3), self.dtype.type(0.5)

        def run(o, d, m):
            np.divide(m, three, out=o)
            o += half
            o *= m > -three                    # 0 up to −3
            np.copyto(o, 1, where=m >= three)  # 1 from 3 on
            o *= d
        return elementwise(run, dout, x), {}


class SiLU(Layer):
    """x·σ(x); the gradient σ(x)·(1 + x·(1 − σ(x)))."""

    type = "silu"
    keeps_output = False

    def forward(self, x, train=False):
        half = self.dtype.type(0.5)

        def run(o, m):
            np.multiply(m, half, out=o)
            np.tanh(o, out=o)  # σ(x) = tanh(x/2)/2 + 1/2, without overflow
            o *= half
            o += half
            o *= m
        return elementwise(run, x), batch_last(x)

    def backward(self, dout, x):
        half = self.dtype.type(0.5)

        def run(o, d, m):
            s = np.tanh(m * half)
            s *= half
            s += half              # σ(x)
            np.subtract(1, s, out=o)
            o *= m
            o += 1
            o *= s
            o *= d
        return elementwise(run, dout, x), {}


_SQRT_HALF = math.sqrt(0.5)
_BETA = math.sqrt(2 / math.pi)  # PyTorch's kBeta = M_SQRT2 · M_2_SQRTPI / 2
_KAPPA = 0.044715
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


class GELU(Layer):
    """x·Φ(x) = x·(1 + erf(x/√2))/2, or with approximate "tanh" x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2
    (PyTorch's two). Gradients: Φ(x) + x·φ(x), and the tanh form's derivative."""

    type = "gelu"
    keeps_output = False

    def forward(self, x, train=False):
        t = self.dtype.type
        tanh_form = self.cfg["approximate"] == "tanh"

        def run(o, m):
            if tanh_form:
                np.multiply(m, m, out=o)
                o *= t(_KAPPA)
                o *= m
                o += m
                o *= t(_BETA)
                np.tanh(o, out=o)
            else:
                o[...] = erf(m * t(_SQRT_HALF))
            o += 1
            o *= m
            o *= t(0.5)
        return elementwise(run, x), batch_last(x)

    def backward(self, dout, x):
        t = self.dtype.type
        tanh_form = self.cfg["approximate"] == "tanh"

        def run(o, d, m):
            if tanh_form:
                square = m * m
                th = np.tanh((square * t(_KAPPA) * m + m) * t(_BETA))
                # ½(1 + th) + ½x(1 − th²)·β(1 + 3κx²)
                slope = (square * t(3 * _KAPPA) + 1) * t(_BETA)
                np.multiply(th, th, out=o)
                np.subtract(1, o, out=o)
                o *= slope
                o *= m
                o += th
                o += 1
                o *= t(0.5)
            else:
                # Φ(x) + x·φ(x)
                np.multiply(m, m, out=o)
                o *= t(-0.5)
                np.exp(o, out=o)
                o *= t(_INV_SQRT_2PI)
                o *= m
                o += (erf(m * t(_SQRT_HALF)) + 1) * t(0.5)
            o *= d
        return elementwise(run, dout, x), {}
