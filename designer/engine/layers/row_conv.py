"""A stride-1 convolution as KH products on shifted views of kernel-row columns (no full im2col).

For a batch-last input (C, H, W, N) padded by (py, px), the *row columns* are
``R[c, j, Y, x, n] = xpad[c, Y, x + j, n]`` for the KW kernel columns j: KW copies of the input,
not the KH·KW of a full im2col. Kernel row i then needs ``xpad[c, y + i, x + j, n]``, which is
``R[c, j, y + i, x, n]``: the output rows y shifted by i, i.e. the 2-D matrix
``R.reshape(C·KW, (H + 2py)·OW·N)`` from column ``i·OW·N`` on, a plain strided view that BLAS
takes as it is. So

    out = Σ_i  W[:, :, i, :] (F × C·KW)  @  view_i (C·KW × OH·OW·N)

KH products and KH − 1 additions instead of one product on columns three times larger: for a
3×3 convolution with 16–128 channels a training step's convolutions took 20–35 % less time
(measured on 2 cores, forward), mostly the main-memory traffic of writing and reading 9 copies
of the input. A row of ones below R carries the bias through the first product (and its
gradient through the first weight product).

The input gradient is the same operation on the output gradient: a stride-1 convolution of
``dout`` padded by (KH − 1 − py, KW − 1 − px) with the filters flipped and F and C swapped.
Only for stride 1, one group, and padding at most the kernel size − 1 (see ``suits``).
"""
from __future__ import annotations

import numpy as np

from ..blocks import blockwise


# The shortest inner dimension (C·KW) of the products for which this way pays: shorter products
# run far below the BLAS's speed (a first layer's C is 1 or 3). Tests set it to 0 to run the
# gradient checks through this path on small layers.
MIN_INNER = 48
# The fewest output columns (positions × samples) of a call for which this way pays: with fewer,
# im2col's one product is faster than KH thin ones and their sums (forward, single core: 512
# channels on 7×7 maps at batch 1, 49 columns, 4.6 ms against 8.7; 196 columns 3.2 against
# 4.3; even at ~800–1,600; kernel rows ahead from ~3,000). Tests set it to 0.
MIN_COLUMNS = 1024
# Filters below which the kernel rows' products are stacked into one (see row_products); and up
# to STACK_UP_TO filters when the output has STACK_MIN_ROWS rows or more, where the stacked
# product's (KH − 1)·2·pad wasted rows are few: one core, 64 filters on 56×56 maps at batch 8,
# forward, 29.5 ms stacked against 35.3; 128 on 28×28 23.8 against 27.1; a training pass of 64
# on 16×16 at batch 64 66 against 70 — but on 8×8 maps, or with 256 filters and more, slower.
STACK_BELOW = 64
STACK_UP_TO = 128
STACK_MIN_ROWS = 16


def suits(kernel: tuple, stride: tuple, pad: tuple, groups: int, channels: int) -> bool:
    """Whether a convolution runs this way: stride 1, one group, padding < kernel, and products
    with an inner dimension (C·KW) long enough for BLAS to run them well."""
    (kh, kw), (py, px) = kernel, pad
    return (tuple(stride) == (1, 1) and groups == 1 and kh > 1 and py < kh and px < kw
            and channels * kw >= MIN_INNER)


def fill_rows(m: np.ndarray, rows: np.ndarray, kw: int, pad: tuple) -> None:
    """rows (C, KW, H + 2py, OW, N) = the row columns of the batch-last ``m`` (C, H, W, N)."""
    c, h, w, _ = m.shape
    py, px = pad
    ow = rows.shape[3]

    def run(a, z):
        for j in range(kw):
            tap = rows[a:z, j]
            x0 = max(0, px - j)               # first output column inside the input
            x1 = min(ow, w + px - j)          # and the stop
            tap[:, :py] = 0
            tap[:, py + h:] = 0
            if x0:
                tap[:, py:py + h, :x0] = 0
            if x1 < ow:
                tap[:, py:py + h, max(x1, x0):] = 0
            if x1 > x0:
                tap[:, py:py + h, x0:x1] = m[a:z, :, x0 + j - px:x1 + j - px]
    blockwise(run, c, rows[0].size)


def row_products(wrows: list, flat: np.ndarray, out_rows: int, width: int, out: np.ndarray, spare) -> None:
    """out (F, out_rows·width) = Σ_i wrows[i] @ flat[:, i·width : i·width + out_rows·width];
    ``spare(name, shape)`` gives scratch arrays for the partial products.

    With fewer than ``STACK_BELOW`` filters, one product of all the kernel rows' weights stacked
    (KH·F × C·KW) on the whole of ``flat`` replaces the KH products: OpenBLAS runs a product with
    16 or 32 rows at half its speed, and a 3×3 convolution of 32 channels on 32×32 maps took
    6.4 ms so instead of 8.6 (forward, 2 cores), the (KH − 1) extra rows of ``flat`` included."""
    f, m, kh = out.shape[0], out_rows * width, len(wrows)
    if kh > 1 and (f < STACK_BELOW or (f <= STACK_UP_TO and out_rows >= STACK_MIN_ROWS)):
        stacked = spare("stacked", (kh * f, flat.shape[1]))
        np.matmul(np.concatenate(wrows, axis=0), flat, out=stacked)
        parts = [stacked[i * f:(i + 1) * f, i * width:i * width + m] for i in range(kh)]
    else:
        np.matmul(wrows[0], flat[:, :m], out=out)
        parts = []
        for i, wi in enumerate(wrows[1:], 1):
            part = spare(f"part{i}", out.shape)
            np.matmul(wi, flat[:, i * width:i * width + m], out=part)
            parts.append(part)
        if not parts:
            return

    def add(a, z):
        if len(parts) == kh:
            np.add(parts[0][a:z], parts[1][a:z], out=out[a:z])
            rest = parts[2:]
        else:
            rest = parts
        for part in rest:
            out[a:z] += part[a:z]
    blockwise(add, f, m)


def weight_rows(w: np.ndarray, bias=None) -> list:
    """The per-kernel-row weight matrices (F, C·KW [+1]): with a bias, a last column that
    multiplies the row of ones, the bias for the first kernel row and zero for the others."""
    f, c, kh, kw = w.shape
    rows = [np.ascontiguousarray(w[:, :, i, :]).reshape(f, c * kw) for i in range(kh)]
    if bias is not None:
        zero = np.zeros((f, 1), w.dtype)
        rows = [np.concatenate([r, bias[:, None] if i == 0 else zero], axis=1) for i, r in enumerate(rows)]
    return rows


def flipped(w: np.ndarray) -> np.ndarray:
    """The filters of the input gradient's convolution: (C, F, KH, KW), flipped in space."""
    return w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)
