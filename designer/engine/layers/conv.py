"""Convolution: im2col with ``sliding_window_view`` and one matrix product, batch-last.

The input is stored batch-last, ``(C, H, W, N)`` (see ``base``). The columns matrix is
``(C·KH·KW [+1], OH·OW·N)``: one row per filter tap (plus a row of ones that carries the bias
through the same product), one column per output position and sample. ``W @ cols`` is then
``(F, OH·OW·N)``, the output already batch-last. Filling ``cols`` copies runs of OW·N contiguous
values. The backward pass reuses ``cols`` for the weight gradient (and the bias, from the ones
row) and scatters ``Wᵀ @ dout`` back onto the input with one slice add per kernel tap (col2im).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ...model.kinds_spatial import window_of
from .base import Layer, batch_last, batch_view, logical


def padded(layer: Layer, m: np.ndarray, pad: tuple, fill=0.0, extra=(0, 0)) -> np.ndarray:
    """The batch-last volume ``m`` (C, H, W, N) with ``fill`` around it (a reused buffer whose
    border is written once); ``extra`` more rows and columns of ``fill`` below and to the right
    (a ceil-mode pool's last windows hang past the padded input)."""
    (ph, pw), (eh, ew) = pad, extra
    if not ph and not pw and not eh and not ew:
        return m
    c, h, w, n = m.shape
    xp = layer.scratch("padded", (c, h + 2 * ph + eh, w + 2 * pw + ew, n), fill)
    xp[:, ph:ph + h, pw:pw + w] = m
    return xp


def windows(xp: np.ndarray, kernel: tuple, stride: tuple) -> np.ndarray:
    """Every kernel window of a batch-last volume: (C, OH, OW, N, KH, KW), a view."""
    view = sliding_window_view(xp, kernel, axis=(1, 2))
    return view[:, ::stride[0], ::stride[1]]


def scatter_taps(tap, in_shape: tuple, out_hw: tuple, kernel: tuple, stride: tuple, pad: tuple,
                 dtype, extra=(0, 0)) -> np.ndarray:
    """col2im: put the gradient of every kernel tap back onto the input.

    ``tap(i, j, target)`` adds (or, when windows do not overlap, writes) the gradient of tap
    (i, j) — a batch-last (C, OH, OW, N) array — into ``target``. Returns the logical
    (N, C, H, W) gradient of the unpadded input (``extra`` as in ``padded``)."""
    n, c, h, w = in_shape
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel, stride, pad, out_hw
    hp, wp = h + 2 * ph + extra[0], w + 2 * pw + extra[1]
    overlap = kh > sh or kw > sw
    covers = not overlap and kh == sh and kw == sw and oh * sh == hp and ow * sw == wp
    dxp = np.empty((c, hp, wp, n), dtype) if covers else np.zeros((c, hp, wp, n), dtype)
    for i in range(kh):
        for j in range(kw):
            target = dxp[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw]
            tap(i, j, target, overlap)
    return logical(dxp[:, ph:ph + h, pw:pw + w])


class Conv(Layer):
    """A 2-D convolution; with ``groups`` g the C inputs and F filters split into g groups,
    group t's filters seeing only group t's inputs (PyTorch's Conv2d(groups=g): weight
    (F, C/g, KH, KW)). The columns of group t are a contiguous block of rows of ``cols``."""

    type = "conv"
    keeps_output = False
    shared_cols = None  # set by the net for a large network: see _cols_buffer

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.kernel, self.stride, self.pad = window_of("conv", cfg)
        self.groups = int(cfg.get("groups", 1))
        c, f = self.in_shape[0], cfg["filters"]
        self.params["weight"] = np.zeros((f, c // self.groups) + self.kernel, self.dtype)
        if cfg["bias"]:
            self.params["bias"] = np.zeros(f, self.dtype)

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """The columns matrix (C·KH·KW [+1 ones row], OH·OW·N) of a logical (N, C, H, W) batch
        (the ones row carries the bias through the product when there is one group)."""
        n, c = x.shape[:2]
        kh, kw = self.kernel
        win = windows(padded(self, batch_view(x), self.pad), self.kernel, self.stride)
        oh, ow = win.shape[1], win.shape[2]
        k = c * kh * kw
        ones = "bias" in self.params and self.groups == 1
        cols = self._cols_buffer((k + ones, oh * ow * n))
        np.copyto(cols[:k].reshape(c, kh, kw, oh, ow, n), win.transpose(0, 4, 5, 1, 2, 3))
        if ones:
            cols[k] = 1
        return cols

    def _cols_buffer(self, shape: tuple) -> np.ndarray:
        """The columns' scratch: the layer's own, or with ``shared_cols`` (a dict the net gives all
        its convolutions) one buffer for every convolution, whose columns are then recomputed in
        backward instead of kept (AlexNet at batch 16: 110 MB instead of 280 MB)."""
        if self.shared_cols is None:
            return self.scratch("cols", shape)
        size = int(np.prod(shape))
        flat = self.shared_cols.get(self.dtype)
        if flat is None or flat.size < size:
            flat = self.shared_cols[self.dtype] = np.empty(size, self.dtype)
        return flat[:size].reshape(shape)

    def matrix(self) -> np.ndarray:
        """Weights as (F, C·KH·KW [+1]): the bias is the last column."""
        w = self.params["weight"]
        w2 = w.reshape(w.shape[0], -1)
        if "bias" in self.params:
            return np.concatenate([w2, self.params["bias"][:, None]], axis=1)
        return w2

    def blocks(self, cols: np.ndarray) -> list:
        """(weight rows, column rows) slices of each group (row blocks of W and of cols)."""
        f, kg = self.params["weight"].shape[0], int(np.prod(self.params["weight"].shape[1:]))
        fg = f // self.groups
        return [(slice(t * fg, (t + 1) * fg), slice(t * kg, (t + 1) * kg)) for t in range(self.groups)]

    def forward(self, x, train=False):
        n = x.shape[0]
        cols = self.im2col(x)
        f, oh, ow = self.out_shape
        if self.groups == 1:
            out = self.matrix() @ cols
        else:
            w2 = self.params["weight"].reshape(f, -1)
            out = np.empty((f, cols.shape[1]), self.dtype)
            for fs, ks in self.blocks(cols):
                np.matmul(w2[fs], cols[ks], out=out[fs])
            if "bias" in self.params:
                out += self.params["bias"][:, None]
        out = out.reshape(f, oh, ow, n)
        if self.shared_cols is not None:  # another convolution will overwrite them: keep the input
            return logical(out), (None, x, x.shape)
        return logical(out), (cols, None, x.shape)

    def backward(self, dout, cache):
        cols, x, in_shape = cache
        if cols is None:
            cols = self.im2col(x)
        w = self.params["weight"]
        f, cg, kh, kw = w.shape
        d2 = batch_last(dout).reshape(f, -1)
        if self.groups == 1:
            k = cg * kh * kw
            dwb = (cols @ d2.T).T  # twice as fast in OpenBLAS as d2 @ cols.T (long inner dimension)
            grads = {"weight": dwb[:, :k].reshape(w.shape)}
            if "bias" in self.params:
                grads["bias"] = dwb[:, k]
        else:
            dw = np.empty((f, cg * kh * kw), self.dtype)
            for fs, ks in self.blocks(cols):
                dw[fs] = (cols[ks] @ d2[fs].T).T
            grads = {"weight": dw.reshape(w.shape)}
            if "bias" in self.params:
                grads["bias"] = d2.sum(axis=1)
        if not self.need_dx:
            return None, grads
        n, c = in_shape[:2]
        oh, ow = self.out_shape[1:]
        w2 = w.reshape(f, -1)
        # With shared columns, the input's gradient columns take the columns' place (read above).
        into = cols[:c * kh * kw] if self.shared_cols is not None else None
        if self.groups == 1:
            dcols = np.matmul(w2.T, d2, out=into)
        else:
            dcols = into if into is not None else np.empty((c * kh * kw, d2.shape[1]), self.dtype)
            for fs, ks in self.blocks(cols):
                np.matmul(w2[fs].T, d2[fs], out=dcols[ks])
        dcols = dcols.reshape(c, kh, kw, oh, ow, n)

        def tap(i, j, target, overlap):
            if overlap:
                target += dcols[:, i, j]
            else:
                target[...] = dcols[:, i, j]
        dx = scatter_taps(tap, in_shape, (oh, ow), self.kernel, self.stride, self.pad, self.dtype)
        return dx, grads
