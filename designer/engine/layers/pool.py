"""Pooling: max, average (zero padding counted, as PyTorch's AvgPool2d default) and L2
(PyTorch's LPPool2d with norm 2: the square root of the sum of squares in the window).

Batch-last, one pass per kernel tap over (C, OH, OW, N) slices whose rows are contiguous runs
of N values. Windows may overlap (AlexNet's 3×3 stride 2). Max pooling keeps the index of the
window's first largest value (row-major, as PyTorch) in one byte per output, and routes the
gradient there.
"""
from __future__ import annotations

import numpy as np

from ...model.kinds_spatial import window_of
from .base import Layer, batch_last, batch_view, logical
from .conv import padded, scatter_taps, windows


def running_max(pieces: list) -> tuple:
    """Element-wise max of equally shaped arrays and the index of the first largest one.

    The index only grows along the pass (a later piece wins only when strictly larger), so it
    is kept as max(index, t·[piece t is larger]) in plain integer arithmetic, which is several
    times faster than a masked copy."""
    out = pieces[0].copy()
    itype = np.uint8 if len(pieces) < 256 else np.uint16
    idx = np.zeros(out.shape, itype)
    better = np.empty(out.shape, itype)
    for t, piece in enumerate(pieces[1:], 1):
        np.greater(piece, out, out=better, casting="unsafe")
        np.maximum(out, piece, out=out)
        better *= itype(t)
        np.maximum(idx, better, out=idx)
    return out, idx


class Pool(Layer):
    type = "pool"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.mode = cfg["mode"]
        self.kernel, self.stride, self.pad = window_of("pool", cfg)
        self.keeps_output = self.mode == "l2"

    def taps(self, x):
        fill = -np.inf if self.mode == "max" else 0.0
        win = windows(padded(self, batch_view(x), self.pad, fill), self.kernel, self.stride)
        kh, kw = self.kernel
        return [win[..., i, j] for i in range(kh) for j in range(kw)]

    def forward(self, x, train=False):
        taps = self.taps(x)
        if self.mode == "max":
            out, cache = running_max(taps)
        elif self.mode == "avg":
            out = taps[0].copy()
            for tap in taps[1:]:
                out += tap
            out *= self.dtype.type(1.0 / len(taps))
            cache = None
        else:  # l2
            out = np.square(taps[0])
            for tap in taps[1:]:
                out += np.square(tap)
            np.sqrt(out, out=out)
            cache = (x, out)
        return logical(out), (cache, x.shape)

    def backward(self, dout, cache):
        cache, in_shape = cache
        d = batch_last(dout)
        kh, kw = self.kernel
        if self.mode == "max":
            mask = np.empty(d.shape, bool)

            def tap(i, j, target, overlap):
                np.equal(cache, i * kw + j, out=mask)
                if overlap:
                    target += d * mask
                else:
                    np.multiply(d, mask, out=target)
        else:
            if self.mode == "avg":
                g = d * self.dtype.type(1.0 / (kh * kw))
            else:
                out = cache[1]
                with np.errstate(divide="ignore", invalid="ignore"):
                    g = np.where(out > 0, d / out, 0).astype(self.dtype, copy=False)

            def tap(i, j, target, overlap):
                if overlap:
                    target += g
                else:
                    target[...] = g
        dx = scatter_taps(tap, in_shape, d.shape[1:3], self.kernel, self.stride, self.pad, self.dtype)
        if self.mode == "l2":
            dx = logical(batch_last(dx) * batch_last(cache[0]))
        return dx, {}
