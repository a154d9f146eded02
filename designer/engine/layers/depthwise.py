"""The depthwise convolution's own path (groups = input channels = filters: MobileNet's and
EfficientNet's 3×3 and 5×5 layers), batch-last.

Stride-1 layers (most of them) are banded matrix products (``depthwise_bands``); the taps below
serve strides above 1 and padding wider than the kernel's reach. Per-group im2col would make C
tiny products of one filter row each (a Python loop of C matmuls and C·K² small copies). Here
each output channel is its own channel's taps weighted and summed: for every kernel tap (i, j), ``out[:, rows, cols] += w[:, i, j] · x[:, the tap's rectangle]``
over a whole block of channels at once, K² multiply-adds over contiguous runs of N values. As
im2col does (``columns.tap_span``), each tap reads only the rectangle of the input it sees and
writes only the output positions whose window it is inside: the padding is implied, never a
padded copy, so the pass keeps nothing but its input (the cache), as PyTorch does. The backward
pass is the same walk: the weight gradient of tap (i, j) is Σ dout · rectangle (one dot per
channel), and the input gradient adds w[:, i, j] · dout back onto the rectangle. Channels are
split into cache-sized blocks that run on all cores (``blockwise``).
"""
from __future__ import annotations

import numpy as np

from ..blocks import blockwise
from . import depthwise_bands
from .columns import spans

# Tests switch the path off to compare it with the grouped im2col path it replaces.
ENABLED = True


def is_depthwise(groups: int, channels: int, filters: int) -> bool:
    """Whether a convolution takes this path: one filter per input channel (and more than one channel)."""
    return ENABLED and groups > 1 and groups == channels == filters


def taps(layer, in_hw: tuple) -> list:
    """For each kernel tap (i, j) with any output position inside the input: (i, j, output
    rows, output columns, input rows, input columns) as slices (the input ones strided)."""
    (kh, kw), (sy, sx) = layer.kernel, layer.stride
    rows, cols = spans(in_hw, layer.out_shape[1:], layer.kernel, layer.stride, layer.pad, 0, layer.dilation)
    out = []
    for i in range(kh):
        y0, y1, iy = rows[i]
        for j in range(kw):
            x0, x1, ix = cols[j]
            if y1 > y0 and x1 > x0:
                out.append((i, j, slice(y0, y1), slice(x0, x1), slice(iy, iy + sy * (y1 - y0 - 1) + 1, sy),
                            slice(ix, ix + sx * (x1 - x0 - 1) + 1, sx)))
    return out


def _buffer(flat: np.ndarray, shape: tuple) -> np.ndarray:
    return flat[:int(np.prod(shape))].reshape(shape)


def forward(layer, m: np.ndarray) -> np.ndarray:
    """out (C, OH, OW, N) of the batch-last input ``m`` (C, H, W, N), which is the cache."""
    if depthwise_bands.suits(layer):
        return depthwise_bands.forward(layer, m)
    w = layer.params["weight"][:, 0]  # (C, KH, KW)
    bias = layer.params.get("bias")
    c, n = m.shape[0], m.shape[3]
    oh, ow = layer.out_shape[1:]
    out = np.empty((c, oh, ow, n), layer.dtype)
    walk = taps(layer, m.shape[1:3])

    def run(a, z):
        o = out[a:z]
        if bias is not None:
            o[...] = bias[a:z][:, None, None, None]
        else:
            o.fill(0)
        flat = np.empty(o.size, layer.dtype)
        for i, j, orow, ocol, irow, icol in walk:
            target = o[:, orow, ocol]
            tmp = _buffer(flat, target.shape)
            np.multiply(m[a:z, irow, icol], w[a:z, i, j][:, None, None, None], out=tmp)
            target += tmp
    blockwise(run, c, oh * ow * n * len(walk))
    return out


def backward(layer, d: np.ndarray, m: np.ndarray) -> tuple:
    """(dx (C, H, W, N) or None, grads) from dout ``d`` (C, OH, OW, N) and the input ``m``."""
    if depthwise_bands.suits(layer):
        return depthwise_bands.backward(layer, d, m)
    weight = layer.params["weight"]
    w = weight[:, 0]
    kh, kw = w.shape[1:]
    c = d.shape[0]
    dw = layer.scratch("grad", (c, kh, kw))
    dw.fill(0)  # a tap that sees only padding has a zero gradient
    dx = np.empty(m.shape, layer.dtype) if layer.need_dx else None
    walk = taps(layer, m.shape[1:3])

    def run(a, z):
        da = d[a:z]
        for i, j, orow, ocol, irow, icol in walk:
            # Σ over positions and samples of dout · the tap's rectangle, one dot per channel
            # (einsum reads the strided views in place: no copies)
            dw[a:z, i, j] = np.einsum("chwn,chwn->c", da[:, orow, ocol], m[a:z, irow, icol])
        if dx is None:
            return
        target = dx[a:z]
        target.fill(0)
        flat = np.empty(da.size, layer.dtype)
        for i, j, orow, ocol, irow, icol in walk:
            part = da[:, orow, ocol]
            tmp = _buffer(flat, part.shape)
            np.multiply(part, w[a:z, i, j][:, None, None, None], out=tmp)
            target[:, irow, icol] += tmp
    blockwise(run, c, m[0].size * 2)
    grads = {"weight": dw.reshape(weight.shape)}
    if "bias" in layer.params:
        grads["bias"] = d.sum(axis=(1, 2, 3))
    return dx, grads
