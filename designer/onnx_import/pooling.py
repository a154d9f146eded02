"""An ONNX pool as the designer's ``pool`` or ``global_pool`` layer.

ONNX pads a pool on each side separately and lets an average leave the padding out
(``count_include_pad`` 0, its default); the designer's pool pads both sides alike, counts the
padding in an average (PyTorch's AvgPool2d default) and, with ``ceil``, rounds the output size up
leaving the part of a hanging last window beyond the padding out of the average (as onnxruntime
does with ``ceil_mode``). Converters from Caffe write Caffe's rounding up
as extra padding at the end, so that is read back as ``ceil``. A pool whose single window covers
the whole input is a global pool. Anything else is one sentence.
"""
from __future__ import annotations

import numpy as np


def pool_size(n: int, k: int, s: int, p: int, ceil: bool):
    """PyTorch's output size of a pool (None when the window does not fit): rounded up with
    ``ceil``, without a last window that would start in the right padding."""
    span = n + 2 * p - k
    if span < 0:
        return None
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def _fits(in_hw, out_hw, k, s, p, ceil) -> bool:
    return tuple(out_hw) == tuple(pool_size(n, kk, ss, pp, ceil) for n, kk, ss, pp in zip(in_hw, k, s, p))


def pair(values):
    """A kernel, stride or padding pair as the model file writes it: an int when both are equal."""
    h, w = (int(v) for v in values)
    return h if h == w else [h, w]


LOWEST = float(np.finfo(np.float32).min)  # a pad layer's cells that never win a max (JSON has no -inf)


def pool_layer(mode: str, kernel, strides, pads, ceil: bool, count_pad: bool, in_hw, out_hw, dilation=(1, 1)):
    """``(type, config)`` of the layer that computes this pool; ``("pad", sides, value, (type,
    config))`` for a pad layer of [top, left, bottom, right] cells of ``value`` before that
    layer (uneven padding); or a sentence (after the node's name) saying why none does."""
    begin, end = list(pads[:2]), list(pads[2:])
    dilation = tuple(int(d) for d in dilation)
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    half = all(2 * p <= k for p, k in zip(begin, span))

    def layer(ceil_: bool, padding=None, **extra):
        cfg = {"mode": mode, "size": pair(kernel), "stride": pair(strides), "padding": pair(padding or begin)}
        if ceil_:
            cfg["ceil"] = True
        if dilation != (1, 1):
            cfg["dilation"] = pair(dilation)
        cfg.update(extra)
        return "pool", cfg

    if mode != "max" and dilation != (1, 1):
        return f"dilates an {mode} pool ({list(dilation)}), while the designer dilates only max pools"
    if mode == "l2" and (any(pads) or ceil):
        return "pads or rounds up an L2 pool, which the designer's L2 pool (PyTorch's LPPool2d) does not"
    overhang = not _fits(in_hw, out_hw, span, strides, begin, False)
    if begin == end and half and _fits(in_hw, out_hw, span, strides, begin, ceil):
        if mode == "avg" and any(begin) and not count_pad:
            return layer(ceil and overhang, count_include_pad=False)
        # rounded up, the window hanging over the end averages what it covers of the values and the
        # padding, in onnxruntime as in PyTorch and the designer
        return layer(ceil and overhang)
    # extra padding at the end only: Caffe's rounding up (and our export's of a rounded-up pool whose
    # last window PyTorch drops); an average must not count any padding
    caffe = all(e >= b for b, e in zip(begin, end)) and half and _fits(in_hw, out_hw, span, strides, begin, True)
    if caffe and mode == "max":
        return layer(True)
    if caffe and mode == "avg" and not count_pad:  # the end's extra cells, like the padding, count nowhere
        return layer(True, count_include_pad=False) if any(begin) else layer(True)
    covers = all(b >= 0 and k - b >= n for b, k, n in zip(begin, kernel, in_hw))
    if tuple(out_hw) == (1, 1) and covers and (mode == "max" or not count_pad or not any(pads)):
        return "global_pool", {"mode": mode}
    # uneven padding: a pad layer, then the pool without any (zeros counted, or never the max)
    padded = [n + b + e for n, b, e in zip(in_hw, begin, end)]
    if (mode == "max" or (mode == "avg" and count_pad)) and all(p < k for p, k in zip(pads, span + span)) \
            and _fits(padded, out_hw, span, strides, [0, 0], ceil):
        value = LOWEST if mode == "max" else 0.0
        over = not _fits(padded, out_hw, span, strides, [0, 0], False)
        return "pad", [begin[0], begin[1], end[0], end[1]], value, layer(ceil and over, padding=[0, 0])
    if mode == "avg":
        return (f"averages with the padding {list(pads)} (top, left, bottom, right) "
                f"{'counted' if count_pad else 'left out'}, which the designer's average pool cannot represent "
                "(it pads both sides alike; a pad layer before it adds cells that count)")
    return (f"pads unevenly ({list(pads)}: top, left, bottom, right) in a way the designer's pool cannot "
            "represent (it pads both sides alike, optionally rounding the output size up)")
