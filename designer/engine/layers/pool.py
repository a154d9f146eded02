"""Pooling: max, average (zero padding counted, as PyTorch's AvgPool2d default) and L2
(PyTorch's LPPool2d with norm 2: the square root of the sum of squares in the window).

Windows may overlap (AlexNet's 3×3 stride 2). Max pooling routes the gradient to the first
largest value of each window in row-major order, as PyTorch does.
"""
from __future__ import annotations

import numpy as np

from ...model.keys import as_pair
from .base import Layer
from .conv import channel_major, padded, scatter_windows, windows


class Pool(Layer):
    type = "pool"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.mode = cfg["mode"]
        self.kernel = as_pair(cfg["size"])
        self.stride = as_pair(cfg["stride"]) if "stride" in cfg else self.kernel
        self.pad = as_pair(cfg.get("padding", 0))

    def forward(self, x, train=False):
        fill = -np.inf if self.mode == "max" else 0.0
        win = windows(padded(x, *self.pad, fill=fill), self.kernel, self.stride)
        win = win.swapaxes(0, 1)  # (C, N, OH, OW, KH, KW): channel-major output
        if self.mode == "max":
            flat = win.reshape(win.shape[:4] + (-1,))
            idx = flat.argmax(axis=-1)
            out = np.take_along_axis(flat, idx[..., None], axis=-1)[..., 0]
            cache = idx.astype(np.uint16 if flat.shape[-1] > 255 else np.uint8)
        elif self.mode == "avg":
            out = win.sum(axis=(4, 5), dtype=self.dtype) / self.dtype.type(win.shape[4] * win.shape[5])
            cache = None
        else:  # l2
            out = np.sqrt(np.square(win).sum(axis=(4, 5)))
            cache = (x, out)
        return out.swapaxes(0, 1), (cache, x.shape)

    def backward(self, dout, cache):
        cache, in_shape = cache
        d = channel_major(dout)
        kh, kw = self.kernel
        if self.mode == "max":
            def tap(i, j):
                return d * (cache == i * kw + j)
        elif self.mode == "avg":
            g = d / self.dtype.type(kh * kw)

            def tap(i, j):
                return g
        else:
            x, out = cache
            with np.errstate(divide="ignore", invalid="ignore"):
                g = np.where(out > 0, d / out, 0).astype(self.dtype, copy=False)

            def tap(i, j):
                return g
        dx = scatter_windows(tap, in_shape, self.kernel, self.stride, self.pad, self.dtype)
        if self.mode == "l2":
            dx = dx * cache[0]
        return dx, {}
