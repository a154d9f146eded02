"""Layers that move values without arithmetic, batch-last (see ``base``): ``pad`` (a constant
around each map, a different width on each side), ``channel_shuffle`` (ShuffleNet's interleave of
channel groups) and ``channel_slice`` (a range of channels). Channels are the first memory axis,
so a shuffle is one permuted copy and a slice a contiguous block."""
from __future__ import annotations

import numpy as np

from ...model import pads_of
from .base import Layer, batch_last, logical


class Pad(Layer):
    type = "pad"
    keeps_output = False  # the output is a new array the cache does not hold

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.left, self.right, self.top, self.bottom = pads_of(cfg)
        self.value = float(cfg.get("value", 0.0))

    def forward(self, x, train=False):
        m = batch_last(x)
        c, h, w, n = m.shape
        out = np.full((c, h + self.top + self.bottom, w + self.left + self.right, n), self.value, self.dtype)
        out[:, self.top:self.top + h, self.left:self.left + w] = m
        return logical(out), (h, w)

    def backward(self, dout, cache):
        h, w = cache
        d = batch_last(dout)
        return logical(np.ascontiguousarray(d[:, self.top:self.top + h, self.left:self.left + w])), {}


class ChannelShuffle(Layer):
    """Output channel j·g + i is input channel i·(C/g) + j (torchvision's channel_shuffle:
    view as (g, C/g), transpose, flatten); a vector's features likewise."""

    type = "channel_shuffle"
    keeps_output = False

    def forward(self, x, train=False):
        m = batch_last(x)
        g = int(self.cfg["groups"])
        rest = m.shape[1:]
        out = np.ascontiguousarray(m.reshape((g, m.shape[0] // g) + rest).swapaxes(0, 1)).reshape(m.shape)
        return logical(out), None

    def backward(self, dout, cache):
        d = batch_last(dout)
        g = int(self.cfg["groups"])
        rest = d.shape[1:]
        dx = np.ascontiguousarray(d.reshape((d.shape[0] // g, g) + rest).swapaxes(0, 1)).reshape(d.shape)
        return logical(dx), {}


class ChannelSlice(Layer):
    """Channels start…stop − 1: a contiguous block of the batch-last input, returned as a view
    (``keeps_output`` stays True, so no later layer overwrites it in place)."""

    type = "channel_slice"

    def forward(self, x, train=False):
        m = batch_last(x)
        return logical(m[self.cfg["start"]:self.cfg["stop"]]), m.shape

    def backward(self, dout, shape):
        dx = np.zeros(shape, self.dtype)
        dx[self.cfg["start"]:self.cfg["stop"]] = batch_last(dout)
        return logical(dx), {}
