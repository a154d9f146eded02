"""The operators of the modern CNNs (MobileNet, EfficientNet, RegNet, ShuffleNet, ConvNeXt) as
layers: Clip as relu6 or hardtanh, HardSigmoid, HardSwish, Gelu, LogSoftmax, Mul of two branches
(squeeze-and-excitation's 1×1×C gate), a Mul or Add by per-channel constants, LayerNormalization,
Softmax and LogSoftmax (with the axis rules of each opset), Pad as a pad layer, Slice and Split on
the channels. Each is imported only where the layer computes what the ONNX operator specifies for every input;
otherwise one sentence names the node. Each handler takes the mapping.Mapper (``m``, not imported:
mapping imports this module) and the node. Also the refusals of what has no layer yet
(ConvTranspose, Resize, attention), so that they say so rather than list operators.
"""
from __future__ import annotations

import numpy as np

from .registry import _f, maps
from .patterns import GELU_OP, HARDSWISH_OP, SCALE_SHIFT_OP, SHUFFLE_OP, SILU_OP
from .channels_last import LAYER_NORM_OP
from .reading import Node

# float32's lowest value: a pad layer's cells that never win a max (JSON has no -inf)
LOWEST = float(np.finfo(np.float32).min)


def _scalar(m, n: Node, k: int, what: str):
    """A constant scalar input, None when omitted."""
    c = m.const(n, k, what, optional=True)
    if c is None:
        return None
    if c.size != 1:
        m.fail(n, f"takes a {what} of shape {list(c.shape)}; the designer needs one value")
    return float(np.ravel(c)[0])


@maps("Clip")
def op_Clip(m, n: Node) -> None:
    if m.g.opset < 11:
        lo, hi = n.attrs.get("min"), n.attrs.get("max")
    else:
        lo, hi = _scalar(m, n, 1, "lower bound"), _scalar(m, n, 2, "upper bound")
    lo = None if lo is None or lo <= LOWEST else _f(lo)
    hi = None if hi is None or hi >= -LOWEST else _f(hi)
    if lo == 0.0 and hi == 6.0:
        m.pointwise(n, "relu6")
    elif lo == 0.0 and hi is None:
        m.pointwise(n, "relu")
    elif lo is not None and hi is not None and lo < hi:
        m.pointwise(n, "hardtanh", {"min_val": lo, "max_val": hi})
    else:
        m.fail(n, f"clips to [{'-inf' if lo is None else f'{lo:g}'}, {'inf' if hi is None else f'{hi:g}'}], "
               "which no layer of the designer computes (relu6, hardtanh between two bounds, or relu)")


@maps("HardSigmoid")
def op_HardSigmoid(m, n: Node) -> None:
    alpha, beta = float(n.attrs.get("alpha", 0.2)), float(n.attrs.get("beta", 0.5))
    if abs(alpha - 1 / 6) > 1e-7 or abs(beta - 0.5) > 1e-7:
        m.fail(n, f"is a hard sigmoid max(0, min(1, {alpha:g}·x + {beta:g})), while the designer's is PyTorch's "
               "x/6 + 1/2 (alpha 1/6, beta 0.5)")
    m.pointwise(n, "hardsigmoid")


@maps("HardSwish")
def op_HardSwish(m, n: Node) -> None:
    m.pointwise(n, "hardswish")


@maps("Gelu")
def op_Gelu(m, n: Node) -> None:
    approximate = n.attrs.get("approximate", "none")
    if approximate not in ("none", "tanh"):
        m.fail(n, f"approximates GELU as {approximate!r}; the designer's is exact or tanh")
    m.pointwise(n, "gelu", {"approximate": approximate})


# ----------------------------------------------------------------- constants, layer norm, softmax
def constant_operand(m, n: Node, tensor: str, verb: str, refuse: bool = False):
    """The C values of a constant that ONNX broadcasts per channel (or a single value) of the
    node's other input; anything else is refused, saying how ONNX broadcasts it."""
    from .patterns import channel_vector
    c = m.g.consts[tensor]
    out = m.shape(n, n.outputs[0])
    other = m.g.shape(m.other(n, tensor)) if len([i for i in n.inputs if i]) == 2 else None
    values = channel_vector(c, len(out) + 1, out[0]) if other is not None and tuple(other[1:]) == out else None
    if values is not None and not refuse:
        return values
    if values is not None:
        how = "one value per channel" if c.size > 1 else "one value"
    else:
        axes = [k for k, d in enumerate((1,) * (len(out) + 1 - c.ndim) + tuple(c.shape)) if d != 1]
        names = ["N", "C", "H", "W"] if len(out) == 3 else ["N", *(f"axis {k}" for k in range(1, len(out) + 1))]
        how = (f"a constant of shape {list(c.shape)}, which ONNX broadcasts along {', '.join(names[a] for a in axes)}"
               f" of {['N', *out]}, not per channel")
    m.fail(n, f"{verb} {how}; the designer takes a constant per channel (a scale or shift) or a single value")


def layer_norm(m, n: Node) -> None:
    """LayerNormalization over the channels (or features): its scale and (optional) shift."""
    if any(o and (m.readers.get(o) or o == m.g.output) for o in n.outputs[1:]):
        m.unused_extra_outputs(n)
    depth = m.shape(n, n.outputs[0])[0]
    scale = np.ravel(m.const(n, 1, "scale"))
    bias = m.const(n, 2, "bias", optional=True)
    bias = np.zeros(depth, np.float32) if bias is None else np.ravel(bias)
    if scale.size != depth or bias.size != depth:
        m.fail(n, f"scales {depth} channels by {scale.size} values and shifts them by {bias.size}")
    m.emit(n, "layer_norm", {"eps": _f(n.attrs.get("epsilon", 1e-5))}, [m.source(n)],
           arrays={"weight": scale, "bias": bias})


@maps("Softmax")
def op_Softmax(m, n: Node) -> None:
    softmax_like(m, n, "softmax")


def softmax_like(m, n: Node, type_: str) -> None:
    """Softmax or LogSoftmax over the channels (or features), as the designer's layer is."""
    x = m.shape(n, n.inputs[0])
    rank = len(x) + 1
    given = n.attrs.get("axis")
    axis = int(given if given is not None else (1 if m.g.opset < 13 else -1)) % rank
    if m.g.opset < 13 and not (axis == 1 and all(d == 1 for d in x[1:])):
        # before opset 13, Softmax flattens the axes from ``axis`` on into one: the designer's
        # softmax is that one only where the axes after the channels have size 1
        names = ("N", "C", "H", "W") if rank == 4 else ("N", "features") if rank == 2 else ("N", *x)
        over = "·".join(str(d) for d in names[axis:])
        m.fail(n, f"is an opset-{m.g.opset} {n.op} with axis {axis}, which before opset 13 means one "
               f"softmax over {over} flattened together ({int(np.prod((1, *x)[axis:]))} values of "
               f"{list(x)} per sample), while the designer's is over the channels at each position")
    if axis != 1:
        m.fail(n, f"takes the {n.op} over axis {axis} of {list(x)}; the designer's is over the "
               "channels or features (axis 1)")
    m.emit(n, type_, {}, [m.source(n)])


# folding's nodes for the patterns of patterns.py
@maps(SILU_OP, listed="")
def op_silu(m, n: Node) -> None:
    m.pointwise(n, "silu")


@maps(HARDSWISH_OP, listed="")
def op_hardswish(m, n: Node) -> None:
    m.pointwise(n, "hardswish")


@maps(GELU_OP, listed="")
def op_gelu(m, n: Node) -> None:
    m.pointwise(n, "gelu", {"approximate": n.attrs["approximate"]})


@maps(SHUFFLE_OP, listed="")
def op_shuffle(m, n: Node) -> None:
    m.pointwise(n, "channel_shuffle", {"groups": n.attrs["groups"]})


@maps("LogSoftmax")
def op_LogSoftmax(m, n: Node) -> None:
    softmax_like(m, n, "log_softmax")


@maps("Mul")
def op_Mul(m, n: Node) -> None:
    constant = next((i for i in n.inputs if i and i in m.g.consts), None)
    if constant is None:
        m.broadcast_merge(n, "mul")
        return
    if len([i for i in n.inputs if i]) != 2:
        m.fail(n, "multiplies more than two tensors")
    values = constant_operand(m, n, constant, "multiplies")
    m.emit(n, "layer_scale", {}, [m.source(n, n.inputs.index(m.other(n, constant)))], arrays={"weight": values})


@maps(LAYER_NORM_OP, listed="")
def op_layer_norm_first(m, n: Node) -> None:  # channels_last.py's LayerNormalization over the channels
    layer_norm(m, n)


@maps("LayerNormalization")
def op_LayerNormalization(m, n: Node) -> None:
    shape = m.shape(n, n.inputs[0])
    if len(shape) != 1 or int(n.attrs.get("axis", -1)) not in (-1, 1):
        m.fail(n, f"normalises {list(shape)} from axis {n.attrs.get('axis', -1)}; the designer's layer norm is over "
               "a vector's features, or the channels at each position of an image (ConvNeXt's)")
    layer_norm(m, n)


@maps(SCALE_SHIFT_OP, listed="")
def op_scale_shift(m, n: Node) -> None:  # folding's Mul then Add by per-channel constants
    m.emit(n, "scale_shift", {}, [m.source(n)],
           arrays={"scale": m.g.consts[n.inputs[1]], "shift": m.g.consts[n.inputs[2]]})


@maps("Pad", listed="Pad (constant)")
def op_Pad(m, n: Node) -> None:
    from .folding import pads_of
    mode = n.attrs.get("mode", "constant")
    if mode != "constant":
        m.fail(n, f"pads in {mode} mode (repeating the values at the edges), while the designer's pad layer adds "
               "constant values")
    pads, value = pads_of(m.g, n)
    if pads is None:
        m.fail(n, "pads by amounts computed at run time; the designer needs them constant")
    rank = len(pads) // 2
    if rank != 4 or any(pads[k] for k in (0, 1, 4, 5)) or any(v < 0 for v in pads):
        m.fail(n, f"pads by {pads} (the starts, then the ends of each axis); the designer pads only the height "
               "and width of an image, by amounts of 0 or more")
    m.pad_layer(n, [pads[2], pads[3], pads[6], pads[7]], value, m.source(n))


@maps("Slice")
def op_Slice(m, n: Node) -> None:
    shape = m.shape(n, n.inputs[0])
    rank = len(shape) + 1
    if m.g.opset < 10:
        starts, ends = n.attrs.get("starts", []), n.attrs.get("ends", [])
        axes, steps = n.attrs.get("axes", list(range(len(starts)))), [1] * len(starts)
    else:
        starts = [int(v) for v in np.ravel(m.const(n, 1, "starts"))]
        ends = [int(v) for v in np.ravel(m.const(n, 2, "ends"))]
        a = m.const(n, 3, "axes", optional=True)
        s = m.const(n, 4, "steps", optional=True)
        axes = list(range(len(starts))) if a is None else [int(v) for v in np.ravel(a)]
        steps = [1] * len(starts) if s is None else [int(v) for v in np.ravel(s)]
    cut = {}
    for start, end, axis, step in zip(starts, ends, axes, steps):
        axis %= rank
        size = (1, *shape)[axis]
        lo, hi = (start + size if start < 0 else start), (end + size if end < 0 else end)
        lo, hi = min(max(lo, 0), size), min(max(hi, 0), size)
        if (lo, hi) != (0, size) or step != 1:
            cut[axis] = (lo, hi, step)
    if not cut:
        m.alias(n)
        return
    if set(cut) != {1} or cut[1][2] != 1:
        m.fail(n, f"slices the axes {sorted(cut)} of {list(shape)} (steps {[c[2] for c in cut.values()]}); the "
               "designer takes a range of channels (axis 1, step 1)")
    lo, hi, _ = cut[1]
    m.emit(n, "channel_slice", {"start": lo, "stop": hi}, [m.source(n)])


@maps("Split")
def op_Split(m, n: Node) -> None:
    shape = m.shape(n, n.inputs[0])
    rank = len(shape) + 1
    if int(n.attrs.get("axis", 0)) % rank != 1:
        m.fail(n, f"splits along axis {n.attrs.get('axis', 0)}; the designer splits the channels (axis 1)")
    outputs = [o for o in n.outputs]
    if "split" in n.attrs:
        sizes = [int(v) for v in n.attrs["split"]]
    elif len(n.inputs) > 1 and n.inputs[1]:
        sizes = [int(v) for v in np.ravel(m.const(n, 1, "sizes"))]
    else:  # equal parts (the last one smaller, from opset 18)
        part = -(-shape[0] // len(outputs))
        sizes = [min(part, shape[0] - k * part) for k in range(len(outputs))]
    if len(sizes) != len(outputs) or sum(sizes) != shape[0] or any(s <= 0 for s in sizes):
        m.fail(n, f"splits {shape[0]} channels into {sizes}, which do not add up")
    source, start = m.source(n), 0
    for out, size in zip(outputs, sizes):
        if out and (m.readers.get(out) or out == m.g.output):  # a part nothing reads is no layer
            m.emit(n, "channel_slice", {"start": start, "stop": start + size}, [source], tensor=out)
        start += size


@maps("Div", listed="")  # read inside PyTorch's LocalResponseNorm and GELU (folding)
def op_Div(m, n: Node) -> None:
    m.fail(n, "divides outside the patterns the designer folds (PyTorch's LocalResponseNorm, GELU's "
           "x·(1 + erf(x/√2))/2), so no layer computes it")


# ----------------------------------------------------------------- what has no layer yet
def _no_layer(what: str):
    def refuse(m, n: Node) -> None:
        m.fail(n, f"is {what}, which the designer does not have yet, so the model cannot be imported")
    return refuse


# what the designer has no layer for yet, refused before anything else in a model holding it
LATER = {"ConvTranspose": "a transposed convolution", "Resize": "a resize (upsampling)",
         "Upsample": "an upsampling", "Attention": "attention"}
for _op, _what in (*LATER.items(), ("Erf", "an error function outside the GELU it is part of")):
    maps(_op, listed="")(_no_layer(_what))
