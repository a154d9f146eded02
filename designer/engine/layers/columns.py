"""im2col and col2im for the convolution, batch-last, with the padding implied instead of copied.

The columns of a (C, H, W, N) batch are ``cols[c, i, j, oy, ox, n] = x[c, oy·sy + i·dy − py,
ox·sx + j·dx − px, n]`` (d the dilation, 1 for most), zero where that falls in the padding. Each kernel tap (i, j) reads one
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

# Elements per block: im2col's block is what it writes (read sources stay in the cache),
# col2im's the gradient its taps add into. Larger than blocks.BLOCK: each block costs a dozen
# NumPy calls per tap, which for small maps (8×8) would otherwise cost more than the copying.
COPY_BLOCK = 1 << 19
ADD_BLOCK = 1 << 16


def tap_span(size: int, out: int, k: int, s: int, p: int, i: int, start: int = 0) -> tuple:
    """For kernel offset ``i`` along an axis: (first, stop) output positions in [start, out)
    whose input position o·s + i − p is inside [0, size), counted from ``start``, and the first
    such input position."""
    first = max(start, -(-(p - i) // s))
    stop = min(out, (size - 1 + p - i) // s + 1)
    stop = max(stop, first)
    return first - start, stop - start, first * s + i - p


def spans(shape_hw: tuple, out_hw: tuple, kernel: tuple, stride: tuple, pad: tuple, row: int = 0,
          dilation: tuple = (1, 1)) -> tuple:
    """Per axis, the tap_span of every kernel offset (tap i sits i·dilation from the window's
    start), for the ``out_hw[0]`` output rows from output row ``row`` on (a tile of rows; the
    whole map when row is 0 and out_hw is all)."""
    (h, w), (oh, ow), (kh, kw), (sy, sx), (py, px), (dy, dx) = shape_hw, out_hw, kernel, stride, pad, dilation
    return ([tap_span(h, row + oh, kh, sy, py, i * dy, row) for i in range(kh)],
            [tap_span(w, ow, kw, sx, px, j * dx) for j in range(kw)])


def im2col(m: np.ndarray, cols: np.ndarray, kernel: tuple, stride: tuple, pad: tuple, row: int = 0,
           dilation: tuple = (1, 1)) -> None:
    """Fill ``cols`` (C, KH, KW, OH, OW, N) from the batch-last volume ``m`` (C, H, W, N); with
    ``row``, ``cols`` holds the OH output rows from that row on (a tile)."""
    c, kh, kw = cols.shape[:3]
    sy, sx = stride
    rows, cols_x = spans(m.shape[1:3], cols.shape[3:5], kernel, stride, pad, row, dilation)

    def run(a, z):
        # One copy per tap for a block of channels: few NumPy calls however many channels.
        for i in range(kh):
            y0, y1, iy = rows[i]
            src_rows = m[a:z, iy:iy + sy * (y1 - y0 - 1) + 1:sy]
            for j in range(kw):
                x0, x1, ix = cols_x[j]
                tap = cols[a:z, i, j]
                if y0:
                    tap[:, :y0] = 0  # the padding border
                if y1 < tap.shape[1]:
                    tap[:, y1:] = 0
                if x0:
                    tap[:, y0:y1, :x0] = 0
                if x1 < tap.shape[2]:
                    tap[:, y0:y1, x1:] = 0
                if x1 > x0 and y1 > y0:
                    tap[:, y0:y1, x0:x1] = src_rows[:, :, ix:ix + sx * (x1 - x0 - 1) + 1:sx]
    blockwise(run, c, kh * kw * cols[0, 0, 0].size, block=COPY_BLOCK)


def col2im(dcols: np.ndarray, dx: np.ndarray, kernel: tuple, stride: tuple, pad: tuple,
           row: int = 0, zero: bool = True, dilation: tuple = (1, 1)) -> None:
    """dx (C, H, W, N) = the sum of every tap's rectangle of ``dcols`` (C, KH, KW, OH, OW, N).
    With ``row`` (dcols a tile of output rows from that row on) and ``zero`` False, the tile's
    sums are added to what dx holds (tiles overlap on the input rows between them)."""
    c, kh, kw = dcols.shape[:3]
    sy, sx = stride
    rows, cols_x = spans(dx.shape[1:3], dcols.shape[3:5], kernel, stride, pad, row, dilation)
    # Taps that never overlap (stride ≥ the kernel's span) each own their input cells: assign, not
    # add (also across tiles, which then share no input cell).
    overlap = (kh - 1) * dilation[0] + 1 > sy or (kw - 1) * dilation[1] + 1 > sx

    def run(a, z):
        target = dx[a:z]
        if zero:
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
    # A block is sized by its gradient (which the taps add into, so it stays in the cache),
    # not by the columns it reads once.
    blockwise(run, c, dx[0].size, block=ADD_BLOCK)
