"""im2col and col2im for the convolution, batch-last, with the padding implied instead of copied.

The columns of a (C, H, W, N) batch are ``cols[c, i, j, oy, ox, n] = x[c, oy·sy + i − py,
ox·sx + j − px, n]``, zero where that falls in the padding. Each kernel tap (i, j) reads one
rectangle of the input (``tap_span``) and writes it to one rectangle of its row of ``cols``;
the rest of the row (the padding border) is zeroed. No padded copy of the input is made.

col2im is the reverse: every tap adds its rectangle of ``dcols`` back onto the input gradient.
It runs a block of channels at a time (``blockwise``), so the taps of a channel accumulate
while the channel's gradient is in the cache, and blocks of channels run on all cores; im2col
splits by (channel, kernel row).
"""
from __future__ import annotations

import numpy as np

from ..blocks import blockwise


def tap_span(size: int, out: int, k: int, s: int, p: int, i: int) -> tuple:
    """For kernel offset ``i`` along an axis: (first, stop) output positions whose input
    position o·s + i − p is inside [0, size), and the first such input position."""
    first = max(0, -(-(p - i) // s))
    stop = min(out, (size - 1 + p - i) // s + 1)
    stop = max(stop, first)
    return first, stop, first * s + i - p


def spans(shape_hw: tuple, out_hw: tuple, kernel: tuple, stride: tuple, pad: tuple) -> tuple:
    """Per axis, the tap_span of every kernel offset."""
    return tuple([tap_span(n, o, k, s, p, i) for i in range(k)]
                 for n, o, k, s, p in zip(shape_hw, out_hw, kernel, stride, pad))


def im2col(m: np.ndarray, cols: np.ndarray, kernel: tuple, stride: tuple, pad: tuple) -> None:
    """Fill ``cols`` (C, KH, KW, OH, OW, N) from the batch-last volume ``m`` (C, H, W, N)."""
    c, kh, kw = cols.shape[:3]
    sy, sx = stride
    rows, cols_x = spans(m.shape[1:3], cols.shape[3:5], kernel, stride, pad)

    def run(a, z):
        for t in range(a, z):
            ch, i = divmod(t, kh)
            y0, y1, iy = rows[i]
            src_rows = m[ch, iy:iy + sy * (y1 - y0 - 1) + 1:sy]
            for j in range(kw):
                x0, x1, ix = cols_x[j]
                row = cols[ch, i, j]
                row[:y0] = 0  # the padding border
                row[y1:] = 0
                row[y0:y1, :x0] = 0
                row[y0:y1, x1:] = 0
                if x1 > x0 and y1 > y0:
                    row[y0:y1, x0:x1] = src_rows[:, ix:ix + sx * (x1 - x0 - 1) + 1:sx]
    blockwise(run, c * kh, kw * cols[0, 0].size)


def col2im(dcols: np.ndarray, dx: np.ndarray, kernel: tuple, stride: tuple, pad: tuple) -> None:
    """dx (C, H, W, N) = the sum of every tap's rectangle of ``dcols`` (C, KH, KW, OH, OW, N)."""
    c, kh, kw = dcols.shape[:3]
    sy, sx = stride
    rows, cols_x = spans(dx.shape[1:3], dcols.shape[3:5], kernel, stride, pad)
    # Taps that never overlap (stride ≥ kernel) each own their input cells: assign, not add.
    overlap = kh > sy or kw > sx

    def run(a, z):
        target = dx[a:z]
        target.fill(0)
        for i in range(kh):
            y0, y1, iy = rows[i]
            if y1 == y0:
                continue
            for j in range(kw):
                x0, x1, ix = cols_x[j]
                if x1 == x0:
                    continue
                dst = target[:, iy:iy + sy * (y1 - y0 - 1) + 1:sy, ix:ix + sx * (x1 - x0 - 1) + 1:sx]
                src = dcols[a:z, i, j, y0:y1, x0:x1]
                if overlap:
                    dst += src
                else:
                    dst[...] = src
    blockwise(run, c, dx[0].size * max(1, kh * kw))
