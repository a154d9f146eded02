"""Stride-1 depthwise convolutions as banded matrix products, batch-last.

A channel's output rows are its input rows times a banded matrix: for kernel column j, the
output rows y of channel c are Σ_i w[c, i, j] · (padded input row y + i·D), shifted by j·D
columns. With the batch last, a shift by j columns is a column range of the (rows, W·N) matrix
of the channel, so ``out_c = Σ_j T_cj @ xp_c[:, j·D·N : (j·D + OW)·N]`` with T_cj a
(OH × HP) band holding w[c, :, j] on its diagonals: KW products per channel, no copy per tap.

A band over the whole map would do HP/KH times the multiplies of the taps, so the rows are cut
into windows of ``BAND_ROWS`` output rows, each the product of one small (R × R + (KH−1)·D)
band with R + (KH−1)·D input rows (overlapping windows of the padded input, a strided view):
(R + KH − 1)/KH times the multiplies, and OpenBLAS runs them near its peak where NumPy's
multiply-and-add over the taps makes 3·K² passes over the block. Measured on this project's
machine (2 cores, batch 64, forward): 144 channels on 32×32 maps 8.6 ms against 44 ms by taps,
192 on 16×16 3.0 against 22, 384 on 8×8 1.6 against 14.

Backward: the weight gradient of column j is Σ over windows of dout's rows times the window's
input rows transposed (an R × (R + (KH−1)·D) matrix), whose diagonals are the KH taps; the input
gradient is the same banded correlation of dout with the kernel turned by 180° and the padding
(K−1)·D − P on each side. Channels are split into cache-sized blocks that run on every core,
each with one BLAS thread (as Winograd's chunks do).
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .. import blas
from ..blocks import blockwise

# Tests switch the path off to compare it with the taps path (depthwise.py).
ENABLED = True
# Output rows per band product. Measured (forward, batch 64): 144 channels on 32×32 maps took
# 21.4 ms with bands over the whole map, 12.7 with 16 rows, 11.2 with 8, 8.6 with 4.
BAND_ROWS = 4


def suits(layer) -> bool:
    """Stride 1, and padding no wider than the kernel's reach (so the input gradient is a
    correlation with padding ≥ 0)."""
    (sy, sx), (py, px), (kh, kw), (dy, dx) = layer.stride, layer.pad, layer.kernel, layer.dilation
    return ENABLED and (sy, sx) == (1, 1) and py <= (kh - 1) * dy and px <= (kw - 1) * dx


def _bands(w: np.ndarray, rows: int, dy: int) -> np.ndarray:
    """T (C, KW, rows, rows + (KH−1)·dy): row y of T[c, j] holds w[c, i, j] at column y + i·dy."""
    c, kh, kw = w.shape
    t = np.zeros((c, kw, rows, rows + (kh - 1) * dy), w.dtype)
    y = np.arange(rows)
    for i in range(kh):
        t[:, :, y, y + i * dy] = w[:, i, :, None]
    return t


def _windows(v: np.ndarray, step: int, count: int, height: int) -> np.ndarray:
    """(Z, count, height, L): windows of the rows of ``v`` (Z, rows, L) every ``step`` rows (a view)."""
    s0, s1, s2 = v.strides
    return as_strided(v, (v.shape[0], count, height, v.shape[2]), (s0, step * s1, s1, s2))


def _padded(m: np.ndarray, py: int, px: int) -> np.ndarray:
    """(Z, H + 2·py, (W + 2·px)·N): a block ``m`` (Z, H, W, N) inside a border of zeros."""
    z, h, w, n = m.shape
    xp = np.empty((z, h + 2 * py, w + 2 * px, n), m.dtype)
    if py:
        xp[:, :py] = 0
        xp[:, py + h:] = 0
    if px:
        xp[:, py:py + h, :px] = 0
        xp[:, py:py + h, px + w:] = 0
    xp[:, py:py + h, px:px + w] = m
    return xp.reshape(z, h + 2 * py, -1)


class _Layout:
    """The windows of one correlation: ``rows`` output rows each, ``full`` (≥ 1, as ``rows`` is
    at most the output's) whole windows and a last one of ``rest`` rows, each reading
    ``height`` (its rows + (KH−1)·dy) input rows."""

    def __init__(self, out_rows: int, kh: int, dy: int):
        self.rows = min(BAND_ROWS, out_rows)
        self.full, self.rest = divmod(out_rows, self.rows)
        self.reach = (kh - 1) * dy
        self.height = self.rows + self.reach
        self.top = self.full * self.rows  # the first row of the last, shorter window


def _accumulate(t: np.ndarray, cols: np.ndarray, o: np.ndarray, lay: _Layout, first: bool) -> None:
    """o (Z, OH, L) = (or +=, after the first column) the band products of t (Z, R, height) with
    the windows of ``cols`` (Z, HP, L)."""
    dest = _windows(o, lay.rows, lay.full, lay.rows)
    part = np.matmul(t[:, None], _windows(cols, lay.rows, lay.full, lay.height), out=dest if first else None)
    if not first:
        dest += part
    if lay.rest:
        band = t[:, :lay.rest, :lay.rest + lay.reach]
        tail = cols[:, lay.top:lay.top + lay.rest + lay.reach]
        if first:
            np.matmul(band, tail, out=o[:, lay.top:])
        else:
            o[:, lay.top:] += band @ tail


def correlate(m: np.ndarray, w: np.ndarray, pad: tuple, dilation: tuple, out: np.ndarray, bias=None) -> None:
    """``out`` (C, OH, OW, N) = the stride-1 correlation of each channel of ``m`` (C, H, W, N)
    with its own kernel ``w`` (C, KH, KW), padded by ``pad`` (py, px) zeros, plus ``bias``."""
    c, h, wd, n = m.shape
    kw = w.shape[2]
    (py, px), (dy, dx) = pad, dilation
    oh, ow = out.shape[1:3]
    lay = _Layout(oh, w.shape[1], dy)
    bands = _bands(w, lay.rows, dy)

    def run(a, z):
        xp = _padded(m[a:z], py, px)
        o = out[a:z].reshape(z - a, oh, ow * n)
        for j in range(kw):
            _accumulate(bands[a:z, j], xp[:, :, j * dx * n:(j * dx + ow) * n], o, lay, first=j == 0)
        if bias is not None:
            o += bias[a:z, None, None]
    with blas.one_blas_thread():
        blockwise(run, c, (h + 2 * py) * (wd + 2 * px) * n, threads=blas.usable_cores())


def forward(layer, m: np.ndarray) -> np.ndarray:
    """out (C, OH, OW, N) of the batch-last input ``m`` (C, H, W, N), which is the cache."""
    out = np.empty((m.shape[0],) + tuple(layer.out_shape[1:]) + (m.shape[3],), layer.dtype)
    correlate(m, layer.params["weight"][:, 0], layer.pad, layer.dilation, out, layer.params.get("bias"))
    return out


def _weight_grad(d: np.ndarray, m: np.ndarray, layer) -> np.ndarray:
    """dw (C, KH, KW): Σ over positions and samples of dout times each tap's input."""
    c, oh, ow, n = d.shape
    kh, kw = layer.kernel
    (py, px), (dy, dx) = layer.pad, layer.dilation
    lay = _Layout(oh, kh, dy)
    dw = np.empty((c, kh, kw), layer.dtype)
    ys, rest_ys = np.arange(lay.rows), np.arange(lay.rest)

    def run(a, z):
        xp = _padded(m[a:z], py, px)
        dd = d[a:z].reshape(z - a, oh, ow * n)
        for j in range(kw):
            cols = xp[:, :, j * dx * n:(j * dx + ow) * n]
            g = np.matmul(_windows(dd, lay.rows, lay.full, lay.rows),
                          _windows(cols, lay.rows, lay.full, lay.height).swapaxes(-1, -2)).sum(axis=1)
            tail = (dd[:, lay.top:] @ cols[:, lay.top:lay.top + lay.rest + lay.reach].swapaxes(-1, -2)
                    if lay.rest else None)
            for i in range(kh):
                dw[a:z, i, j] = g[:, ys, ys + i * dy].sum(axis=1)
                if tail is not None:
                    dw[a:z, i, j] += tail[:, rest_ys, rest_ys + i * dy].sum(axis=1)
    with blas.one_blas_thread():
        blockwise(run, c, m[0].size, threads=blas.usable_cores())
    return dw


def backward(layer, d: np.ndarray, m: np.ndarray) -> tuple:
    """(dx (C, H, W, N) or None, grads) from dout ``d`` (C, OH, OW, N) and the input ``m``."""
    weight = layer.params["weight"]
    kh, kw = layer.kernel
    (py, px), (dy, dx_) = layer.pad, layer.dilation
    grads = {"weight": _weight_grad(d, m, layer).reshape(weight.shape)}
    if "bias" in layer.params:
        grads["bias"] = d.sum(axis=(1, 2, 3))
    if not layer.need_dx:
        return None, grads
    dx = np.empty(m.shape, layer.dtype)
    turned = np.ascontiguousarray(weight[:, 0, ::-1, ::-1])
    correlate(d, turned, ((kh - 1) * dy - py, (kw - 1) * dx_ - px), layer.dilation, dx)
    return dx, grads
