"""Pooling: max, average (zero padding counted, as PyTorch's AvgPool2d default) and L2
(PyTorch's LPPool2d with norm 2: the square root of the sum of squares in the window).

Batch-last, one pass per kernel tap over (C, OH, OW, N) slices whose rows are contiguous runs
of N values. Windows may overlap (AlexNet's 3×3 stride 2). Max pooling keeps the index of the
window's first largest value (row-major, as PyTorch) in one byte per output, and routes the
gradient there.

With ``ceil`` (PyTorch's ceil_mode) the output has ⌈(W − K + 2P)/S⌉ + 1 positions (one fewer
when the last window would start past the input and its left padding), and the last windows
may hang past the padded input: the volume gets that many extra cells of fill on the bottom
and right. An average then divides by the cells of its window inside the padded input (padding
counts, overhang does not) and an L2 pool scales its sum of squares by K²/that count, both as
PyTorch (LPPool2d is an AvgPool2d of the squares times K²).
"""
from __future__ import annotations

import numpy as np

from ...model.kinds_spatial import window_of
from .base import Layer, batch_last, batch_view, logical
from .windows import padded, scatter_taps, windows


def ceil_size(size: int, k: int, s: int, p: int, ceil: bool) -> int:
    """Output positions along one axis, as PyTorch's pooling_output_shape."""
    if not ceil:
        return (size + 2 * p - k) // s + 1
    out = -(-(size + 2 * p - k) // s) + 1
    if (out - 1) * s >= size + p:  # the last window would start in the right padding
        out -= 1
    return out


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
        h, w = self.in_shape[1:]
        out_hw = [ceil_size(n, k, s, p, bool(cfg.get("ceil", False)))
                  for n, k, s, p in zip((h, w), self.kernel, self.stride, self.pad)]
        # Cells of fill past the padded input that the last windows reach (ceil mode).
        self.extra = tuple(max(0, (o - 1) * s + k - (n + 2 * p))
                           for o, n, k, s, p in zip(out_hw, (h, w), self.kernel, self.stride, self.pad))
        self.scale = self.window_scale(out_hw)

    def window_scale(self, out_hw: list):
        """Per output position, K² / cells of the window inside the padded input, shaped to
        broadcast over (C, OH, OW, N); the plain 1.0 when no window hangs over."""
        if not any(self.extra):
            return 1.0
        counts = []
        for o, n, k, s, p in zip(out_hw, self.in_shape[1:], self.kernel, self.stride, self.pad):
            start = np.arange(o) * s
            counts.append(np.minimum(start + k, n + 2 * p) - start)
        inside = counts[0][:, None] * counts[1][None, :]
        kk = self.kernel[0] * self.kernel[1]
        return (kk / inside).astype(self.dtype)[None, :, :, None]

    def taps(self, x):
        fill = -np.inf if self.mode == "max" else 0.0
        win = windows(padded(self, batch_view(x), self.pad, fill, self.extra), self.kernel, self.stride)
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
            if self.extra != (0, 0):
                out *= self.scale
            cache = None
        else:  # l2
            out = np.square(taps[0])
            for tap in taps[1:]:
                out += np.square(tap)
            if self.extra != (0, 0):
                out *= self.scale
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
            if self.extra != (0, 0):
                g = g * self.scale

            def tap(i, j, target, overlap):
                if overlap:
                    target += g
                else:
                    target[...] = g
        dx = scatter_taps(tap, in_shape, d.shape[1:3], self.kernel, self.stride, self.pad, self.dtype,
                          self.extra)
        if self.mode == "l2":
            dx = logical(batch_last(dx) * batch_last(cache[0]))
        return dx, {}
