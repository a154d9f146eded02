"""Per-channel layers of ConvNeXt and of imported graphs: layer normalisation (torch.nn.LayerNorm
of a vector; torchvision's LayerNorm2d of a volume, over the channels at each position), layer
scale (x·γ, γ learnt) and scale_shift (x·scale + shift, constants from the weights file).

Batch-last makes the two layer norms one: channels (or features) are the first memory axis of
(C, H, W, N) and of (n, N), so both normalise over axis 0, each position and sample apart.
"""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical


def _column(v: np.ndarray, ndim: int) -> np.ndarray:
    """A per-channel vector shaped to broadcast along the first axis of a batch-last array."""
    return v.reshape((-1,) + (1,) * (ndim - 1))


def _other_axes(m: np.ndarray) -> tuple:
    return tuple(range(1, m.ndim))


class LayerNorm(Layer):
    """x̂ = (x − μ)/√(σ² + eps) over the channels of each position (biased σ², as PyTorch), then
    γ·x̂ + β; no running statistics, so training and evaluation compute the same."""

    type = "layer_norm"
    keeps_output = False

    def forward(self, x, train=False):
        m = batch_last(x)
        mean = m.mean(axis=0, keepdims=True)
        centred = m - mean
        var = np.mean(centred * centred, axis=0, keepdims=True)
        inv = 1 / np.sqrt(var + self.dtype.type(self.cfg["eps"]))
        xhat = centred
        xhat *= inv
        w, b = (_column(self.params[k], m.ndim) for k in ("weight", "bias"))
        return logical(xhat * w + b), (xhat, inv)

    def backward(self, dout, cache):
        xhat, inv = cache
        d = batch_last(dout)
        axes = _other_axes(d)
        grads = {"weight": np.sum(d * xhat, axis=axes), "bias": d.sum(axis=axes)}
        if not self.need_dx:
            return None, grads
        g = d * _column(self.params["weight"], d.ndim)  # ∂E/∂x̂
        # dx = inv·(g − mean(g) − x̂·mean(g·x̂)), the means over the channels
        dx = g - g.mean(axis=0, keepdims=True)
        dx -= xhat * np.mean(g * xhat, axis=0, keepdims=True)
        dx *= inv
        return logical(dx), grads


class LayerScale(Layer):
    """x·γ per channel, γ learnt and started at the layer's ``init`` (ConvNeXt's 1e-6)."""

    type = "layer_scale"
    keeps_output = False

    def started(self) -> None:
        self.params["weight"][...] = self.cfg["init"]

    def forward(self, x, train=False):
        m = batch_last(x)
        return logical(m * _column(self.params["weight"], m.ndim)), m

    def backward(self, dout, m):
        d = batch_last(dout)
        grads = {"weight": np.sum(d * m, axis=_other_axes(d))}
        dx = logical(d * _column(self.params["weight"], d.ndim)) if self.need_dx else None
        return dx, grads


class ScaleShift(Layer):
    """x·scale + shift per channel; both are constants (buffers: the weights file holds them, the
    optimiser never changes them), so only the input has a gradient."""

    type = "scale_shift"
    keeps_output = False

    def forward(self, x, train=False):
        m = batch_last(x)
        s, t = (_column(self.buffers[k], m.ndim) for k in ("scale", "shift"))
        return logical(m * s + t), None

    def backward(self, dout, cache):
        d = batch_last(dout)
        return logical(d * _column(self.buffers["scale"], d.ndim)), {}
