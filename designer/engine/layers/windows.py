"""Kernel windows of a batch-last volume for the pooling layer: a padded copy, the windows as a
strided view, and the scatter of per-tap gradients back onto the input."""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ..blocks import blockwise
from .base import Layer, logical


def padded(layer: Layer, m: np.ndarray, pad: tuple, fill=0.0, extra=(0, 0), train: bool = True) -> np.ndarray:
    """The batch-last volume ``m`` (C, H, W, N) with ``fill`` around it (a reused buffer whose
    border is written once); ``extra`` more rows and columns of ``fill`` below and to the right
    (a ceil-mode pool's last windows hang past the padded input)."""
    (ph, pw), (eh, ew) = pad, extra
    if not ph and not pw and not eh and not ew:
        return m
    return layer.padded_copy("padded", m, (ph, pw), (ph + eh, pw + ew), fill, train)


def windows(xp: np.ndarray, kernel: tuple, stride: tuple) -> np.ndarray:
    """Every kernel window of a batch-last volume: (C, OH, OW, N, KH, KW), a view."""
    view = sliding_window_view(xp, kernel, axis=(1, 2))
    return view[:, ::stride[0], ::stride[1]]


def scatter_taps(tap, in_shape: tuple, out_hw: tuple, kernel: tuple, stride: tuple, pad: tuple,
                 dtype, extra=(0, 0), dilation=(1, 1)) -> np.ndarray:
    """col2im: put the gradient of every kernel tap back onto the input.

    ``tap(i, j, target, overlap, a, z)`` adds (or, when windows do not overlap, writes) the
    gradient of tap (i, j) for channels a…z−1 — a batch-last (z−a, OH, OW, N) array — into
    ``target``. A block of channels at a time (``blockwise``: the block's padded gradient stays
    in the cache while its taps accumulate; blocks run on all cores). Returns the logical
    (N, C, H, W) gradient of the unpadded input, contiguous batch-last (``extra`` as in
    ``padded``)."""
    n, c, h, w = in_shape
    (kh, kw), (sh, sw), (ph, pw), (oh, ow), (dh, dw) = kernel, stride, pad, out_hw, dilation
    hp, wp = h + 2 * ph + extra[0], w + 2 * pw + extra[1]
    # with dilation D a window spans D·(K − 1) + 1 cells (and misses some of them)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    overlap = span_h > sh or span_w > sw
    covers = not overlap and (dh, dw) == (1, 1) and kh == sh and kw == sw and oh * sh == hp and ow * sw == wp
    dx = np.empty((c, h, w, n), dtype)

    def run(a, z):
        shape = (z - a, hp, wp, n)
        dxp = np.empty(shape, dtype) if covers else np.zeros(shape, dtype)
        for i in range(kh):
            for j in range(kw):
                y, x = i * dh, j * dw
                target = dxp[:, y:y + sh * (oh - 1) + 1:sh, x:x + sw * (ow - 1) + 1:sw]
                tap(i, j, target, overlap, a, z)
        dx[a:z] = dxp[:, ph:ph + h, pw:pw + w]
    blockwise(run, c, hp * wp * n)
    return logical(dx)
