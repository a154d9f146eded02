"""Convolution: im2col and one matrix product, batch-last (or by kernel rows: see row_conv).

The input is stored batch-last, ``(C, H, W, N)`` (see ``base``). The columns matrix is
``(C·KH·KW [+1], OH·OW·N)``: one row per filter tap (plus a row of ones that carries the bias
through the same product), one column per output position and sample. ``W @ cols`` is then
``(F, OH·OW·N)``, the output already batch-last. The backward pass uses ``cols`` for the weight
gradient (and the bias, from the ones row) and scatters ``Wᵀ @ dout`` back onto the input
(col2im). ``columns`` does both copies with the padding implied (no padded copy of the input).
The weight gradient is written into a scratch buffer, so a training step does not hold last
step's gradient and this step's at once.

Tiles. The columns of a whole batch are 9× a 3×3 convolution's input: tens of megabytes, written
to main memory by im2col and read back by the product, and again in backward. When they are
larger than ``TILE`` values the layer works on a tile of output rows at a time instead: the
tile's columns (a few megabytes, one buffer per thread shared by every convolution) are built,
multiplied and, in backward, rebuilt from the cached input for the weight gradient and the
tile's ``Wᵀ @ dout`` added back onto the input. It is about as fast as whole columns and needs
no memory for them (AlexNet's first convolution would hold 70 MB at batch 16). A small
convolution (LeNet-5's) keeps its whole columns as the cache of the pass, in the layer's scratch
buffer.

Most convolutions of today's networks (3×3, stride 1, 16 channels or more) take neither way but
``row_conv``'s: KW shifted copies of the input instead of KH·KW columns (``by_rows``), and a
depthwise one (groups = channels = filters) takes ``depthwise``'s, and a 1×1 one with stride 1
and no padding is one product on the input itself (``pointwise``). A dilated kernel's taps sit
D apart: im2col and col2im read and write them there (``dilation``); row_conv is not dilated.
"""
from __future__ import annotations

import numpy as np

from ...model import dilation_of, window_of
from .base import Layer, batch_last, logical, shared_buffer
from .columns import col2im, im2col
from . import depthwise, row_conv, winograd

# A 1×1 convolution with stride 1 and no padding (most of MobileNet's and EfficientNet's work) is
# one product on the input itself: its columns would be a copy of the input. Tests switch it off
# to compare it with the im2col path.
POINTWISE = True

# Values in a tile's columns: 4 MB of float32, which stays in the L2/L3 caches between its
# im2col and its products. Tests make it tiny to run the tiled path on small layers.
TILE = 1 << 20
# Columns (output positions × samples) a tile has at least, up to 4·TILE values: OpenBLAS runs a
# product of fewer columns markedly slower (a CIFAR VGG's 32×32 maps at batch 64 in one-row
# tiles of 2,048 columns trained ~30 % slower on 2 cores than in four-row tiles).
MIN_COLUMNS = 8192

class Conv(Layer):
    """A 2-D convolution; with ``groups`` g the C inputs and F filters split into g groups,
    group t's filters seeing only group t's inputs (PyTorch's Conv2d(groups=g): weight
    (F, C/g, KH, KW)). The columns of group t are a contiguous block of rows of ``cols``."""

    type = "conv"
    keeps_output = False

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        self.kernel, self.stride, self.pad = window_of("conv", cfg)
        self.groups = int(cfg.get("groups", 1))
        self.dilation = dilation_of(cfg)
        # Depthwise (one filter per channel): its own path, K² multiply-adds over whole blocks.
        self.depthwise = depthwise.is_depthwise(self.groups, self.in_shape[0], int(cfg["filters"]))
        self.pointwise = (POINTWISE and self.kernel == (1, 1) and tuple(self.stride) == (1, 1)
                          and tuple(self.pad) == (0, 0) and self.groups == 1)
        self.winograd = (not self.depthwise and
                         winograd.suits(self.kernel, self.stride, self.pad, self.groups, self.in_shape[0],
                                        self.dilation))
        self.by_rows = (not self.depthwise and self.dilation == (1, 1) and
                        row_conv.suits(self.kernel, self.stride, self.pad, self.groups, self.in_shape[0]))

    def column_rows(self) -> int:
        """Rows of the columns matrix: C·KH·KW, plus the ones row when it carries the bias."""
        c = self.params["weight"].shape[1] * self.groups
        return c * self.kernel[0] * self.kernel[1] + self.ones()

    def ones(self) -> bool:
        return "bias" in self.params and self.groups == 1

    def tiles(self, n: int) -> list:
        """(first, stop) output rows of each tile for a batch of ``n``: one tile when the whole
        columns fit in ``TILE`` values; else tiles of as many rows as fit, but of at least
        ``MIN_COLUMNS`` columns as long as that is within 4·TILE values (and one row)."""
        oh, ow = self.out_shape[1:]
        per_row = self.column_rows() * ow * n
        if not per_row:
            return [(0, oh)]  # an empty batch: one (empty) tile
        least = max(TILE // per_row, -(-min(MIN_COLUMNS, TILE) // (ow * n)))
        step = max(1, min(least, 4 * TILE // per_row))
        return [(y, min(oh, y + step)) for y in range(0, oh, step)]

    def im2col(self, m: np.ndarray, rows: tuple, cols: np.ndarray) -> np.ndarray:
        """Fill ``cols`` with the columns matrix of output rows ``rows`` of the batch-last
        volume ``m`` (C, H, W, N) (with its ones row, see ``ones``); returns it as 2-D."""
        c, n = m.shape[0], m.shape[-1]
        (kh, kw), ow = self.kernel, self.out_shape[2]
        k = c * kh * kw
        im2col(m, cols[:k].reshape(c, kh, kw, rows[1] - rows[0], ow, n), self.kernel, self.stride,
               self.pad, rows[0], self.dilation)
        if self.ones():
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

    def product(self, wm: np.ndarray, cols: np.ndarray, out: np.ndarray) -> None:
        """out = W @ cols (group by group), ``wm`` being ``matrix()``."""
        if self.groups == 1:
            np.matmul(wm, cols, out=out)
            return
        for fs, ks in self.blocks():
            np.matmul(wm[fs], cols[ks], out=out[fs])
        if "bias" in self.params:
            out += self.params["bias"][:, None]

    def weight_product(self, cols: np.ndarray, d2: np.ndarray, dwt: np.ndarray) -> None:
        """dwt = (cols @ d2ᵀ) per group: twice as fast in OpenBLAS as d2 @ colsᵀ (long inner
        dimension); dwt is (C·KH·KW [+1], F), the weight gradient transposed."""
        if self.groups == 1:
            np.matmul(cols, d2.T, out=dwt)
            return
        for fs, ks in self.blocks():
            np.matmul(cols[ks], d2[fs].T, out=dwt[:, fs])

    def input_product(self, d2: np.ndarray, dcols: np.ndarray) -> None:
        """dcols = Wᵀ @ d2 per group (the gradient of the columns, bias row left out)."""
        w2 = self.params["weight"].reshape(self.params["weight"].shape[0], -1)
        if self.groups == 1:
            np.matmul(w2.T, d2, out=dcols)
            return
        for fs, ks in self.blocks():
            np.matmul(w2[fs].T, d2[fs], out=dcols[ks])

    def spare(self, name: str, shape: tuple) -> np.ndarray:
        return shared_buffer(shape, self.dtype, name)

    def forward_by_rows(self, m: np.ndarray, train: bool = True):
        """``row_conv``: the output (F, OH·OW·N) and the row columns (the cache)."""
        c, h, _, n = m.shape
        kw, (py, px) = self.kernel[1], self.pad
        f, oh, ow = self.out_shape
        bias = self.params.get("bias")
        rows = self.pass_buffer("rows", (c * kw + (bias is not None), (h + 2 * py) * ow * n), train)
        row_conv.fill_rows(m, rows[:c * kw].reshape(c, kw, h + 2 * py, ow, n), kw, (py, px))
        if bias is not None:
            rows[c * kw] = 1
        out = np.empty((f, oh * ow * n), self.dtype)
        row_conv.row_products(row_conv.weight_rows(self.params["weight"], bias), rows, oh, ow * n, out,
                              self.spare)
        return out, rows

    def backward_by_rows(self, d2: np.ndarray, rows: np.ndarray, in_shape: tuple):
        """``row_conv``'s backward: (dx batch-last or None, grads)."""
        w = self.params["weight"]
        f, c, kh, kw = w.shape
        n, _, h, width = in_shape
        (py, px), (oh, ow) = self.pad, self.out_shape[1:]
        ones = "bias" in self.params
        m = oh * ow * n
        g = self.scratch("grad", (kh, c * kw + ones, f))
        for i in range(kh):  # the weight gradient of kernel row i: rows_i @ d2ᵀ
            k = c * kw + (ones if i == 0 else 0)
            np.matmul(rows[:k, i * ow * n:i * ow * n + m], d2.T, out=g[i, :k])
        grads = {"weight": g[:, :c * kw].reshape(kh, c, kw, f).transpose(3, 1, 0, 2)}
        if ones:
            grads["bias"] = g[0, c * kw].copy()
        if not self.need_dx:
            return None, grads
        # dx: the stride-1 convolution of dout, padded by kernel − 1 − pad, with flipped filters
        back = (kh - 1 - py, kw - 1 - px)
        drows = shared_buffer((f * kw, (oh + 2 * back[0]) * width * n), self.dtype, "drows")
        row_conv.fill_rows(d2.reshape(f, oh, ow, n), drows.reshape(f, kw, oh + 2 * back[0], width, n), kw, back)
        dx = np.empty((c, h * width * n), self.dtype)
        row_conv.row_products(row_conv.weight_rows(row_conv.flipped(w)), drows, h, width * n, dx, self.spare)
        return dx.reshape(c, h, width, n), grads

    def backward_pointwise(self, d: np.ndarray, m2: np.ndarray, in_shape: tuple):
        """A 1×1 convolution's backward: dW = d2 · xᵀ (into the scratch buffer, as cols @ d2ᵀ, the
        faster order), db = Σ d2, dx = Wᵀ · d2."""
        w = self.params["weight"]
        f, c = w.shape[:2]
        d2 = d.reshape(f, -1)
        dwt = self.scratch("grad", (c, f))
        np.matmul(m2, d2.T, out=dwt)
        grads = {"weight": dwt.T.reshape(w.shape)}
        if "bias" in self.params:
            grads["bias"] = d2.sum(axis=1)
        if not self.need_dx:
            return None, grads
        n, _, h, width = in_shape
        dx = np.empty((c, h * width * n), self.dtype)
        np.matmul(w.reshape(f, c).T, d2, out=dx)
        return logical(dx.reshape(c, h, width, n)), grads

    def forward(self, x, train=False):
        n = x.shape[0]
        f, oh, ow = self.out_shape
        m = batch_last(x)  # a C-ordered batch (a first layer's data) is transposed once
        if self.depthwise:
            return logical(depthwise.forward(self, m)), (m, x.shape, "depthwise")
        if self.pointwise:  # the input is its own columns: out = W @ x (+ b), the input the cache
            m2 = m.reshape(m.shape[0], -1)
            out = np.empty((f, m2.shape[1]), self.dtype)
            np.matmul(self.params["weight"].reshape(f, -1), m2, out=out)
            if "bias" in self.params:
                out += self.params["bias"][:, None]
            return logical(out.reshape(f, oh, ow, n)), (m2, x.shape, "pointwise")
        if self.winograd and (train or winograd.FORWARD_ONLY):
            out, v = winograd.forward(self, m, train, self.spare)
            return logical(out), (v, x.shape, "winograd")
        if self.by_rows and oh * ow * n >= row_conv.MIN_COLUMNS:
            out, rows = self.forward_by_rows(m, train)
            return logical(out.reshape(f, oh, ow, n)), (rows, x.shape, "rows")
        tiles, rows = self.tiles(n), self.column_rows()
        wm = self.matrix() if self.groups == 1 else self.params["weight"].reshape(f, -1)
        if len(tiles) == 1:  # small: the whole columns are the cache of the pass
            cols = self.im2col(m, tiles[0], self.pass_buffer("cols", (rows, oh * ow * n), train))
            out = np.empty((f, cols.shape[1]), self.dtype)
            self.product(wm, cols, out)
            return logical(out.reshape(f, oh, ow, n)), (cols, x.shape, None)
        out = np.empty((f, oh * ow * n), self.dtype)
        for y0, y1 in tiles:
            cols = self.im2col(m, (y0, y1), shared_buffer((rows, (y1 - y0) * ow * n), self.dtype, "cols"))
            self.product(wm, cols, out[:, y0 * ow * n:y1 * ow * n])
        return logical(out.reshape(f, oh, ow, n)), (m, x.shape, tiles)

    def backward(self, dout, cache):
        first, in_shape, tiles = cache
        if tiles == "depthwise":
            dx, grads = depthwise.backward(self, batch_last(dout), first)
            return (logical(dx) if dx is not None else None), grads
        if tiles == "pointwise":
            return self.backward_pointwise(batch_last(dout), first, in_shape)
        if tiles == "winograd":
            dx, grads = winograd.backward(self, batch_last(dout), first, in_shape, self.spare)
            return (logical(dx) if dx is not None else None), grads
        if tiles == "rows":
            dx, grads = self.backward_by_rows(batch_last(dout).reshape(self.out_shape[0], -1), first, in_shape)
            return (logical(dx) if dx is not None else None), grads
        w = self.params["weight"]
        f, cg, kh, kw = w.shape
        kg = cg * kh * kw
        n, c = in_shape[:2]
        oh, ow = self.out_shape[1:]
        d2 = batch_last(dout).reshape(f, -1)
        dwt = self.scratch("grad", (self.column_rows(), f) if self.groups == 1 else (kg, f))
        dx = np.empty((c,) + tuple(in_shape[2:]) + (n,), self.dtype) if self.need_dx else None
        if tiles is None:
            cols = first
            self.weight_product(cols, d2, dwt)
            if dx is not None:
                dcols = shared_buffer((c * kh * kw, d2.shape[1]), self.dtype, "dcols")
                self.input_product(d2, dcols)
                col2im(dcols.reshape(c, kh, kw, oh, ow, n), dx, self.kernel, self.stride, self.pad,
                       dilation=self.dilation)
        else:
            if dx is not None:
                dx.fill(0)
            part = None
            for y0, y1 in tiles:
                span = slice(y0 * ow * n, y1 * ow * n)
                cols = self.im2col(first, (y0, y1), shared_buffer((self.column_rows(), span.stop - span.start),
                                                                  self.dtype, "cols"))
                if part is None:
                    self.weight_product(cols, d2[:, span], dwt)
                    part = np.empty_like(dwt)
                else:
                    self.weight_product(cols, d2[:, span], part)
                    dwt += part
                if dx is not None:
                    dcols = shared_buffer((c * kh * kw, span.stop - span.start), self.dtype, "dcols")
                    self.input_product(d2[:, span], dcols)
                    col2im(dcols.reshape(c, kh, kw, y1 - y0, ow, n), dx, self.kernel, self.stride,
                           self.pad, y0, zero=False, dilation=self.dilation)
        grads = {"weight": dwt[:kg].T.reshape(w.shape)}
        if "bias" in self.params:
            grads["bias"] = dwt[kg].copy() if self.groups == 1 else d2.sum(axis=1)
        return (logical(dx) if dx is not None else None), grads
