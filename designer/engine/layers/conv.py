"""Convolution: im2col and one matrix product, batch-last.

The input is stored batch-last, ``(C, H, W, N)`` (see ``base``). The columns matrix is
``(C·KH·KW [+1], OH·OW·N)``: one row per filter tap (plus a row of ones that carries the bias
through the same product), one column per output position and sample. ``W @ cols`` is then
``(F, OH·OW·N)``, the output already batch-last. The backward pass reuses ``cols`` for the weight
gradient (and the bias, from the ones row) and scatters ``Wᵀ @ dout`` back onto the input
(col2im). ``columns`` does both copies with the padding implied (no padded copy of the input).

Memory: ``cols`` is a scratch buffer of the layer (it is the cache of the pass), except in a
large network, where the net gives all its convolutions one shared columns buffer
(``shared_cols``, see net.share_convolution_columns): then the cache is the input, and the
backward pass rebuilds the columns there (one more im2col). The weight gradient is written into a
scratch buffer, so a training step does not hold last step's gradient and this step's at once.
``Wᵀ @ dout`` is transient: it takes the place of the shared columns (done with by then), or
lives in one buffer per thread shared by every convolution (``shared_buffer``).
"""
from __future__ import annotations

import threading

import numpy as np

from ...model.kinds_spatial import window_of
from .base import Layer, batch_last, logical
from .columns import col2im, im2col

_local = threading.local()


def shared_buffer(shape: tuple, dtype) -> np.ndarray:
    """A transient array of ``shape`` from one flat buffer per thread and dtype, shared by all
    layers (as large as the largest request); valid until the next call in the same thread."""
    size = int(np.prod(shape))
    key = np.dtype(dtype).str
    buffers = _local.__dict__.setdefault("buffers", {})
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = None  # free the old one before allocating the larger
        flat = buffers[key] = np.empty(size, dtype)
    return flat[:size].reshape(shape)


class Conv(Layer):
    """A 2-D convolution; with ``groups`` g the C inputs and F filters split into g groups,
    group t's filters seeing only group t's inputs (PyTorch's Conv2d(groups=g): weight
    (F, C/g, KH, KW)). The columns of group t are a contiguous block of rows of ``cols``."""

    type = "conv"
    keeps_output = False
    shared_cols = None  # set by the net for a large network: see transient

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.kernel, self.stride, self.pad = window_of("conv", cfg)
        self.groups = int(cfg.get("groups", 1))

    def transient(self, shape: tuple) -> np.ndarray:
        """A transient array: from the net's ``shared_cols`` (a dict the net gives all its
        convolutions: one buffer for all, AlexNet at batch 16 then needs 110 MB of columns
        instead of 280 MB) when it is set, else from this thread's ``shared_buffer``."""
        if self.shared_cols is None:
            return shared_buffer(shape, self.dtype)
        size = int(np.prod(shape))
        flat = self.shared_cols.get(self.dtype)
        if flat is None or flat.size < size:
            flat = self.shared_cols[self.dtype] = None  # free the old one before allocating
            flat = self.shared_cols[self.dtype] = np.empty(size, self.dtype)
        return flat[:size].reshape(shape)

    def im2col(self, x: np.ndarray) -> np.ndarray:
        """The columns matrix (C·KH·KW [+1 ones row], OH·OW·N) of a logical (N, C, H, W) batch
        (the ones row carries the bias through the product when there is one group), in the
        layer's scratch buffer or, with ``shared_cols``, the one shared by all convolutions."""
        n, c = x.shape[:2]
        kh, kw = self.kernel
        _, oh, ow = self.out_shape
        k = c * kh * kw
        ones = "bias" in self.params and self.groups == 1
        shape = (k + ones, oh * ow * n)
        cols = self.scratch("cols", shape) if self.shared_cols is None else self.transient(shape)
        # batch_last: a C-ordered batch (the data itself, for a first layer) is transposed once
        # rather than gathered with a stride of a whole sample for every value of every tap.
        im2col(batch_last(x), cols[:k].reshape(c, kh, kw, oh, ow, n), self.kernel, self.stride, self.pad)
        if ones:
            cols[k] = 1
        return cols

    def matrix(self) -> np.ndarray:
        """Weights as (F, C·KH·KW [+1]): the bias is the last column."""
        w = self.params["weight"]
        w2 = w.reshape(w.shape[0], -1)
        if "bias" in self.params:
            return np.concatenate([w2, self.params["bias"][:, None]], axis=1)
        return w2

    def blocks(self) -> list:
        """(weight rows, column rows) slices of each group (row blocks of W and of cols)."""
        f, kg = self.params["weight"].shape[0], int(np.prod(self.params["weight"].shape[1:]))
        fg = f // self.groups
        return [(slice(t * fg, (t + 1) * fg), slice(t * kg, (t + 1) * kg)) for t in range(self.groups)]

    def forward(self, x, train=False):
        n = x.shape[0]
        rebuild = self.shared_cols is not None  # another convolution will overwrite them
        cols = self.im2col(x)
        f, oh, ow = self.out_shape
        if self.groups == 1:
            out = self.matrix() @ cols
        else:
            w2 = self.params["weight"].reshape(f, -1)
            out = np.empty((f, cols.shape[1]), self.dtype)
            for fs, ks in self.blocks():
                np.matmul(w2[fs], cols[ks], out=out[fs])
            if "bias" in self.params:
                out += self.params["bias"][:, None]
        return logical(out.reshape(f, oh, ow, n)), (x if rebuild else cols, x.shape, rebuild)

    def backward(self, dout, cache):
        cols, in_shape, rebuild = cache
        if rebuild:
            cols = self.im2col(cols)
        w = self.params["weight"]
        f, cg, kh, kw = w.shape
        kg = cg * kh * kw
        d2 = batch_last(dout).reshape(f, -1)
        # (cols @ d2ᵀ)ᵀ: twice as fast in OpenBLAS as d2 @ colsᵀ (long inner dimension)
        dwt = self.scratch("grad", (cols.shape[0], f) if self.groups == 1 else (kg, f))
        if self.groups == 1:
            np.matmul(cols, d2.T, out=dwt)
            grads = {"weight": dwt[:kg].T.reshape(w.shape)}
            if "bias" in self.params:
                grads["bias"] = dwt[kg].copy()
        else:
            for fs, ks in self.blocks():
                np.matmul(cols[ks], d2[fs].T, out=dwt[:, fs])
            grads = {"weight": dwt.T.reshape(w.shape)}
            if "bias" in self.params:
                grads["bias"] = d2.sum(axis=1)
        if not self.need_dx:
            return None, grads
        n, c = in_shape[:2]
        oh, ow = self.out_shape[1:]
        w2 = w.reshape(f, -1)
        dcols = self.transient((c * kh * kw, d2.shape[1]))  # the shared columns are done with
        if self.groups == 1:
            np.matmul(w2.T, d2, out=dcols)
        else:
            for fs, ks in self.blocks():
                np.matmul(w2[fs].T, d2[fs], out=dcols[ks])
        dx = np.empty((c,) + tuple(in_shape[2:]) + (n,), self.dtype)
        col2im(dcols.reshape(c, kh, kw, oh, ow, n), dx, self.kernel, self.stride, self.pad)
        return logical(dx), grads
