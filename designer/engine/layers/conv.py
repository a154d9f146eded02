"""Convolution: im2col with ``sliding_window_view`` and one matrix product.

The columns matrix is ``(C·KH·KW [+1], N·OH·OW)``: one row per filter tap (plus a row of ones
that carries the bias through the same product), one column per output position, ordered
(sample, row, column). The product ``W @ cols`` is then ``(F, N·OH·OW)``, the output channel-major
over the batch; it is returned as a transposed view with the logical shape ``(N, F, OH, OW)``.
The backward pass reuses ``cols`` for the weight gradient (and the bias, from the ones row) and
scatters ``Wᵀ @ dout`` back into the input with one slice add per kernel tap (col2im).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...model.keys import as_pair
from .base import Layer, padding_of


def channel_major(x: np.ndarray) -> np.ndarray:
    """``x`` (N, C, ...) as a (C, N, ...) array, a view when x is stored channel-major."""
    return x.swapaxes(0, 1)


def padded(x: np.ndarray, ph: int, pw: int, fill=0.0) -> np.ndarray:
    """``x`` (N, C, H, W) with ``fill`` around it, stored channel-major like our activations."""
    if not ph and not pw:
        return x
    n, c, h, w = x.shape
    xp = np.empty((c, n, h + 2 * ph, w + 2 * pw), x.dtype)
    if ph:
        xp[:, :, :ph] = fill
        xp[:, :, h + ph:] = fill
    if pw:
        xp[:, :, ph:h + ph, :pw] = fill
        xp[:, :, ph:h + ph, w + pw:] = fill
    xp[:, :, ph:h + ph, pw:w + pw] = channel_major(x)
    return xp.swapaxes(0, 1)


def windows(xp: np.ndarray, kernel: tuple, stride: tuple) -> np.ndarray:
    """Every kernel window of a padded (N, C, H, W) batch: (N, C, OH, OW, KH, KW), a view."""
    view = sliding_window_view(xp, kernel, axis=(2, 3))
    return view[:, :, ::stride[0], ::stride[1]]


def scatter_windows(dwin, in_shape: tuple, kernel: tuple, stride: tuple, pad: tuple, dtype):
    """col2im: add window gradients ``dwin(i, j)`` -> (C, N, OH, OW) back onto the input.

    ``dwin`` is a function of the kernel tap (i, j) returning the gradient of that tap for every
    window, channel-major. Returns the gradient of the unpadded input, logical (N, C, H, W)."""
    n, c, h, w = in_shape
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, pad
    dxp = np.zeros((c, n, h + 2 * ph, w + 2 * pw), dtype)
    overlap = kh > sh or kw > sw
    for i in range(kh):
        for j in range(kw):
            g = dwin(i, j)
            oh, ow = g.shape[2], g.shape[3]
            target = dxp[:, :, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            if overlap:
                target += g
            else:
                target[...] = g  # windows do not overlap: each place is written once
    return dxp[:, :, ph:ph + h, pw:pw + w].swapaxes(0, 1)


class Conv(Layer):
    type = "conv"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.kernel = as_pair(cfg["kernel"])
        self.stride = as_pair(cfg["stride"])
        self.pad = padding_of(cfg, self.kernel)
        c, f = self.in_shape[0], cfg["filters"]
        self.params["weight"] = np.zeros((f, c) + self.kernel, self.dtype)
        if cfg["bias"]:
            self.params["bias"] = np.zeros(f, self.dtype)

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """The columns matrix (C·KH·KW [+1 ones row], N·OH·OW) of a batch."""
        n, c = x.shape[:2]
        kh, kw = self.kernel
        win = windows(padded(x, *self.pad), self.kernel, self.stride)
        oh, ow = win.shape[2], win.shape[3]
        k = c * kh * kw
        bias = "bias" in self.params
        cols = np.empty((k + bias, n * oh * ow), self.dtype)
        np.copyto(cols[:k].reshape(c, kh, kw, n, oh, ow), win.transpose(1, 4, 5, 0, 2, 3))
        if bias:
            cols[k] = 1
        return cols

    def matrix(self) -> np.ndarray:
        """Weights as (F, C·KH·KW [+1]): the bias is the last column."""
        w = self.params["weight"]
        w2 = w.reshape(w.shape[0], -1)
        if "bias" in self.params:
            return np.concatenate([w2, self.params["bias"][:, None]], axis=1)
        return w2

    def forward(self, x, train=False):
        n = x.shape[0]
        cols = self.im2col(x)
        f, oh, ow = self.out_shape
        out = (self.matrix() @ cols).reshape(f, n, oh, ow).swapaxes(0, 1)
        return out, (cols, x.shape)

    def backward(self, dout, cache):
        cols, in_shape = cache
        w = self.params["weight"]
        f, c, kh, kw = w.shape
        k = c * kh * kw
        d2 = channel_major(dout).reshape(f, -1)
        dwb = d2 @ cols.T
        grads = {"weight": dwb[:, :k].reshape(w.shape)}
        if "bias" in self.params:
            grads["bias"] = dwb[:, k]
        if not self.need_dx:
            return None, grads
        n = in_shape[0]
        oh, ow = self.out_shape[1:]
        dcols = (w.reshape(f, k).T @ d2).reshape(c, kh, kw, n, oh, ow)
        dx = scatter_windows(lambda i, j: dcols[:, i, j], in_shape, self.kernel, self.stride,
                             self.pad, self.dtype)
        return dx, grads
