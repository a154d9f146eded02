"""The depthwise convolution's own path (groups = input channels = filters: MobileNet's and
EfficientNet's 3×3 and 5×5 layers), batch-last.

Per-group im2col would make C tiny products of one filter row each (a Python loop of C matmuls
and C·K² small copies). Here each output channel is its own channel's taps weighted and summed:
for every kernel tap (i, j), ``out += w[:, i, j] · xp[:, tap rectangle]`` over the whole
(C, OH, OW, N) block at once, K² multiply-adds over contiguous runs of N values. The backward
pass is the same walk: the weight gradient of tap (i, j) is Σ dout · tap (one dot per channel),
and the input gradient adds w[:, i, j] · dout back onto the tap's rectangle of the padded
gradient. Channels are split into cache-sized blocks that run on all cores (``blockwise``).
"""
from __future__ import annotations

import numpy as np

from ..blocks import blockwise


# Tests switch the path off to compare it with the grouped im2col path it replaces.
ENABLED = True


def is_depthwise(groups: int, channels: int, filters: int) -> bool:
    """Whether a convolution takes this path: one filter per input channel (and more than one channel)."""
    return ENABLED and groups > 1 and groups == channels == filters


def _tap(xp: np.ndarray, i: int, j: int, out_hw: tuple, stride: tuple, dilation: tuple) -> np.ndarray:
    """The rectangle of the padded (C, HP, WP, N) volume that kernel tap (i, j) reads for every
    output position: (C, OH, OW, N), a strided view."""
    (oh, ow), (sy, sx), (dy, dx) = out_hw, stride, dilation
    y, x = i * dy, j * dx
    return xp[:, y:y + sy * (oh - 1) + 1:sy, x:x + sx * (ow - 1) + 1:sx]


def _phased_taps(xp: np.ndarray, out_hw: tuple, stride: tuple, dilation: tuple):
    """``tap(i, j)``: what ``_tap`` gives, read from contiguous copies of the strided phases
    ``xp[:, a::sy, b::sx]`` (made when first needed) for a stride above 1: a tap of a strided
    view reads every sy-th row and sx-th run of N values, a phase's taps contiguous runs of
    OW·N. MobileNetV2's stride-2 depthwise layers took ~17 % less time so at batch 8 (more at
    batch 1, where a run of N is one value)."""
    (sy, sx), (dy, dx), (oh, ow) = stride, dilation, out_hw
    if (sy, sx) == (1, 1):
        return lambda i, j: _tap(xp, i, j, out_hw, stride, dilation)
    phases: dict = {}

    def tap(i, j):
        y, x = i * dy, j * dx
        key = (y % sy, x % sx)
        if key not in phases:
            phases[key] = np.ascontiguousarray(xp[:, key[0]::sy, key[1]::sx])
        return phases[key][:, y // sy:y // sy + oh, x // sx:x // sx + ow]
    return tap


def padded_input(layer, m: np.ndarray, pad: tuple, train: bool = True) -> np.ndarray:
    """``m`` (C, H, W, N) inside a border of zeros (a reused scratch buffer whose border is written once)."""
    py, px = pad
    if not py and not px:
        return m
    return layer.padded_copy("padded", m, (py, px), (py, px), 0.0, train)


def forward(layer, m: np.ndarray, train: bool = True) -> tuple:
    """(out (C, OH, OW, N), the padded input: the cache)."""
    w = layer.params["weight"][:, 0]  # (C, KH, KW)
    bias = layer.params.get("bias")
    kh, kw = w.shape[1:]
    xp = padded_input(layer, m, layer.pad, train)
    c, oh, ow, n = m.shape[0], layer.out_shape[1], layer.out_shape[2], m.shape[3]
    out = np.empty((c, oh, ow, n), layer.dtype)
    tmp_size = oh * ow * n

    def run(a, z):
        o = out[a:z]
        tmp = np.empty((z - a, oh, ow, n), layer.dtype) if kh * kw > 1 else None
        tap_of = _phased_taps(xp[a:z], (oh, ow), layer.stride, layer.dilation)
        for t in range(kh * kw):
            i, j = divmod(t, kw)
            tap = tap_of(i, j)
            weight = w[a:z, i, j][:, None, None, None]
            if t == 0:
                np.multiply(tap, weight, out=o)
            else:
                np.multiply(tap, weight, out=tmp)
                o += tmp
        if bias is not None:
            o += bias[a:z][:, None, None, None]
    blockwise(run, c, 3 * tmp_size)  # a block's input, output and temporary
    return out, xp


def backward(layer, d: np.ndarray, xp: np.ndarray, in_shape: tuple) -> tuple:
    """(dx (C, H, W, N) or None, grads) from dout ``d`` (C, OH, OW, N) and the padded input."""
    weight = layer.params["weight"]
    w = weight[:, 0]
    kh, kw = w.shape[1:]
    c, oh, ow, n = d.shape
    h, width = in_shape[2:]
    py, px = layer.pad
    dw = layer.scratch("grad", (c, kh, kw))
    dx = np.empty((c, h, width, n), layer.dtype) if layer.need_dx else None

    def run(a, z):
        da = d[a:z]
        for t in range(kh * kw):
            i, j = divmod(t, kw)
            tap = _tap(xp[a:z], i, j, (oh, ow), layer.stride, layer.dilation)
            # Σ over positions and samples of dout · tap, one dot per channel (einsum reads the
            # strided view in place: no copy of the tap)
            dw[a:z, i, j] = np.einsum("chwn,chwn->c", da, tap)
        if dx is None:
            return
        dxp = np.zeros((z - a,) + xp.shape[1:], layer.dtype)
        tmp = np.empty(da.shape, layer.dtype)
        for t in range(kh * kw):
            i, j = divmod(t, kw)
            target = _tap(dxp, i, j, (oh, ow), layer.stride, layer.dilation)
            np.multiply(da, w[a:z, i, j][:, None, None, None], out=tmp)
            target += tmp
        dx[a:z] = dxp[:, py:py + h, px:px + width]
    blockwise(run, c, xp[0].size * 2)
    grads = {"weight": dw.reshape(weight.shape)}
    if "bias" in layer.params:
        grads["bias"] = d.sum(axis=(1, 2, 3))
    return dx, grads
