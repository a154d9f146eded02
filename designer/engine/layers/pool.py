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
PyTorch (LPPool2d is an AvgPool2d of the squares times K²). With ``count_include_pad`` false an
average divides by its window's cells inside the input itself. A dilated max pool's window
takes every D-th cell of a span of D·(K − 1) + 1.
"""
from __future__ import annotations

import numpy as np

from ...model import dilation_of, spanned, window_of
from ..blocks import blockwise
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


def index_type(pieces: int):
    return np.uint8 if pieces < 256 else np.uint16


def running_max(pieces: list, out: np.ndarray, idx: np.ndarray) -> None:
    """Element-wise max of equally shaped arrays into ``out`` and the index of the first
    largest one into ``idx`` (of ``index_type``).

    The index only grows along the pass (a later piece wins only when strictly larger), so it
    is kept as max(index, t·[piece t is larger]) in plain integer arithmetic, which is several
    times faster than a masked copy."""
    np.copyto(out, pieces[0])
    itype = idx.dtype.type
    idx.fill(0)
    better = np.empty(out.shape, itype)
    for t, piece in enumerate(pieces[1:], 1):
        np.greater(piece, out, out=better, casting="unsafe")
        np.maximum(out, piece, out=out)
        better *= itype(t)
        np.maximum(idx, better, out=idx)


def separable_max(xp: np.ndarray, out: np.ndarray, kernel: tuple, stride: tuple, dilation: tuple) -> None:
    """out (C, OH, OW, N) = the window maxima of the padded batch-last xp, as the maximum over
    the kernel's rows and then over its columns: KH + KW − 2 passes instead of KH·KW − 1 (a 3×3
    window: 4 instead of 8, the first two over the narrower row-maxima array)."""
    (kh, kw), (sy, sx), (dy, dx) = kernel, stride, dilation
    oh, ow = out.shape[1:3]
    rows = np.empty((xp.shape[0], oh) + xp.shape[2:], xp.dtype)  # max over the kernel rows
    span = sy * (oh - 1) + 1
    np.copyto(rows, xp[:, 0:span:sy])
    for i in range(1, kh):
        np.maximum(rows, xp[:, i * dy:i * dy + span:sy], out=rows)
    span = sx * (ow - 1) + 1
    np.copyto(out, rows[:, :, 0:span:sx])
    for j in range(1, kw):
        np.maximum(out, rows[:, :, j * dx:j * dx + span:sx], out=out)


class Pool(Layer):
    type = "pool"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.mode = cfg["mode"]
        self.kernel, self.stride, self.pad = window_of("pool", cfg)
        self.dilation = dilation_of(cfg)  # a max pool's only (the rule refuses others)
        self.span = spanned(self.kernel, self.dilation)
        self.keeps_output = self.mode == "l2"
        # An average over the window's cells inside the input only (PyTorch's count_include_pad=False).
        self.exclude_pad = self.mode == "avg" and not cfg.get("count_include_pad", True) and self.pad != (0, 0)
        h, w = self.in_shape[1:]
        out_hw = [ceil_size(n, k, s, p, bool(cfg.get("ceil", False)))
                  for n, k, s, p in zip((h, w), self.span, self.stride, self.pad)]
        # Cells of fill past the padded input that the last windows reach (ceil mode).
        self.extra = tuple(max(0, (o - 1) * s + k - (n + 2 * p))
                           for o, n, k, s, p in zip(out_hw, (h, w), self.span, self.stride, self.pad))
        self.scale = self.window_scale(out_hw)
        self.scaled = not isinstance(self.scale, float)

    def window_scale(self, out_hw: list):
        """Per output position, K² / cells of the window that count (inside the padded input, or
        with ``exclude_pad`` inside the input itself), shaped to broadcast over (C, OH, OW, N);
        the plain 1.0 when every window counts K² cells."""
        if not any(self.extra) and not self.exclude_pad:
            return 1.0
        counts = []
        for o, n, k, s, p in zip(out_hw, self.in_shape[1:], self.kernel, self.stride, self.pad):
            start = np.arange(o) * s
            if self.exclude_pad:  # in input coordinates, the window is [start − p, start − p + k)
                counts.append(np.minimum(start - p + k, n) - np.maximum(start - p, 0))
            else:
                counts.append(np.minimum(start + k, n + 2 * p) - start)
        inside = counts[0][:, None] * counts[1][None, :]
        kk = self.kernel[0] * self.kernel[1]
        return (kk / inside).astype(self.dtype)[None, :, :, None]

    def forward(self, x, train=False):
        """A block of channels at a time (``blockwise``): the block's taps are combined while
        they are in the cache, and blocks run on all cores."""
        fill = -np.inf if self.mode == "max" else 0.0
        xp = padded(self, batch_view(x), self.pad, fill, self.extra, train)
        win = windows(xp, self.span, self.stride)
        if self.dilation != (1, 1):
            win = win[..., ::self.dilation[0], ::self.dilation[1]]
        kh, kw = self.kernel
        c, oh, ow, n = win.shape[:4]
        out = np.empty((c, oh, ow, n), self.dtype)
        # The index of each window's largest value only routes a backward pass's gradient: a net's
        # evaluation-mode pass (predict; the net drops its caches) takes the maximum alone, a
        # third of the passes. A direct call keeps it (a backward pass may follow, as in tests).
        keep = train or not self.reuse_scratch
        idx = np.empty(out.shape, index_type(kh * kw)) if self.mode == "max" and keep else None
        scale = self.scaled

        def run(a, z):
            taps = [win[a:z, ..., i, j] for i in range(kh) for j in range(kw)]
            o = out[a:z]
            if self.mode == "max" and idx is None:
                separable_max(xp[a:z], o, self.kernel, self.stride, self.dilation)
                return
            if self.mode == "max":
                running_max(taps, o, idx[a:z])
                return
            if self.mode == "avg":
                np.copyto(o, taps[0])
                for tap in taps[1:]:
                    o += tap
                o *= self.dtype.type(1.0 / len(taps))
            else:  # l2
                np.square(taps[0], out=o)
                for tap in taps[1:]:
                    o += np.square(tap)
            if scale:
                o *= self.scale
            if self.mode == "l2":
                np.sqrt(o, out=o)
        blockwise(run, c, oh * ow * n * kh * kw)
        cache = idx if self.mode == "max" else (x, out) if self.mode == "l2" else None
        return logical(out), (cache, x.shape)

    def backward(self, dout, cache):
        cache, in_shape = cache
        d = batch_last(dout)
        kh, kw = self.kernel
        if self.mode == "max":
            def tap(i, j, target, overlap, a, z):
                mask = np.equal(cache[a:z], i * kw + j)
                if overlap:
                    target += d[a:z] * mask
                else:
                    np.multiply(d[a:z], mask, out=target)
        else:
            if self.mode == "avg":
                g = d * self.dtype.type(1.0 / (kh * kw))
            else:
                out = cache[1]
                with np.errstate(divide="ignore", invalid="ignore"):
                    g = np.where(out > 0, d / out, 0).astype(self.dtype, copy=False)
            if self.scaled:
                g = g * self.scale

            def tap(i, j, target, overlap, a, z):
                if overlap:
                    target += g[a:z]
                else:
                    target[...] = g[a:z]
        dx = scatter_taps(tap, in_shape, d.shape[1:3], self.kernel, self.stride, self.pad, self.dtype,
                          self.extra, self.dilation)
        if self.mode == "l2":
            dx = logical(batch_last(dx) * batch_last(cache[0]))
        return dx, {}
