"""The patterns exporters write the modern CNNs' layers as, folded back into one node each (folding.py
runs them with its own): layer normalisation written out before opset 17, SiLU as x·Sigmoid(x), hard-swish before opset 14 as x·HardSigmoid(x),
GELU as x·(1 + erf(x/√2))/2 or its tanh approximation, and the channel shuffle as Reshape to
(N, g, C/g, H, W), Transpose of the two group axes, Reshape back.

A folded node's op type is no standard operator (the checker refuses it in a file), so that no node
of a file is taken for one. A pattern matches only when every tensor made inside it is read only
inside it, and its constants are the formula's to float32's precision.
"""
from __future__ import annotations

import math

import numpy as np

from .reading import Node

SILU_OP = "nn-designer:SiLU"
HARDSWISH_OP = "nn-designer:HardSwish"
GELU_OP = "nn-designer:Gelu"
SHUFFLE_OP = "nn-designer:ChannelShuffle"
SCALE_SHIFT_OP = "nn-designer:ScaleShift"


def channel_vector(c, rank: int, channels: int):
    """A constant that, broadcast as ONNX broadcasts (aligned at the last axis), scales or shifts
    each channel of a rank-``rank`` tensor alike at every position: its C values, else None.
    A (C,) constant against (N, C, H, W) runs along W, not C, so it is none (only (C, 1, 1),
    (1, C, 1, 1) or a single value are)."""
    if c is None or c.ndim > rank or rank < 2:
        return None
    shape = (1,) * (rank - c.ndim) + tuple(c.shape)
    if shape[0] != 1 or shape[1] not in (1, channels) or any(d != 1 for d in shape[2:]):
        return None
    return np.broadcast_to(np.asarray(c, np.float32).reshape(-1), (channels,)).copy()


def _near(value, want: float) -> bool:
    return value is not None and abs(value - want) <= 1e-6 * max(1.0, abs(want))


def _operands(node: Node):
    return node.inputs[:2] if len(node.inputs) == 2 else (None, None)


def _gated(index, mul: Node, gate_op: str, ok=lambda n: True):
    """Mul(x, G(x)) where G's output is read only by the Mul: (x, the G node), else None."""
    a, b = _operands(mul)
    for x, g in ((a, b), (b, a)):
        gate = index.made_by(g, gate_op) if g else None
        if gate is not None and gate.inputs[0] == x and ok(gate) and index.only_reader(g) is mul:
            return x, gate
    return None


def fold_silu(index, mul: Node):
    match = _gated(index, mul, "Sigmoid")
    if match is None:
        return None
    x, gate = match
    return Node(mul.name, SILU_OP, [x], [mul.outputs[0]], {}), {id(gate): gate, id(mul): mul}


def _pytorch_hardsigmoid(n: Node) -> bool:
    return _near(float(n.attrs.get("alpha", 0.2)), 1 / 6) and _near(float(n.attrs.get("beta", 0.5)), 0.5)


def fold_hardswish(index, mul: Node):
    match = _gated(index, mul, "HardSigmoid", _pytorch_hardsigmoid)
    if match is None:
        return None
    x, gate = match
    return Node(mul.name, HARDSWISH_OP, [x], [mul.outputs[0]], {}), {id(gate): gate, id(mul): mul}


def _scaled_by(index, tensor: str, op: str, want: float):
    """The node ``op``(t, c) making ``tensor`` with c a constant near ``want`` (either side for a Mul): (t, node)."""
    n = index.made_by(tensor, op)
    if n is None or len(n.inputs) != 2:
        return None
    a, b = n.inputs
    if _near(index.scalar(b), want) and a not in index.graph.consts:
        return a, n
    if op == "Mul" and _near(index.scalar(a), want) and b not in index.graph.consts:
        return b, n
    return None


def _half_x_times(index, gate: Node, x: str, found: dict):
    """The tail x · 0.5 · (1 + gate) in any of its groupings, from the gate's node on: the last node."""
    add = index.only_reader(gate.outputs[0])
    if add is None or add.op != "Add" or add.domain or len(add.inputs) != 2:
        return None
    if not _near(index.scalar(next((i for i in add.inputs if i != gate.outputs[0]), "")), 1.0):
        return None
    found[id(add)] = add
    r1 = index.only_reader(add.outputs[0])
    if r1 is None or r1.op != "Mul" or r1.domain or len(r1.inputs) != 2:
        return None
    found[id(r1)] = r1
    other = next((i for i in r1.inputs if i != add.outputs[0]), "")
    half = _scaled_by(index, other, "Mul", 0.5)
    if half is not None and half[0] == x and index.only_reader(other) is r1:  # (x · 0.5) · (1 + gate)
        found[id(half[1])] = half[1]
        return r1
    r2 = index.only_reader(r1.outputs[0])
    if r2 is None or r2.op != "Mul" or r2.domain or len(r2.inputs) != 2:
        return None
    rest = next((i for i in r2.inputs if i != r1.outputs[0]), "")
    if (other == x and _near(index.scalar(rest), 0.5)) or (_near(index.scalar(other), 0.5) and rest == x):
        found[id(r2)] = r2
        return r2
    return None


def fold_gelu_erf(index, erf: Node):
    """x · (1 + erf(x / √2)) / 2 (x/√2 as a Div or a Mul by 1/√2)."""
    inner = _scaled_by(index, erf.inputs[0], "Div", math.sqrt(2.0)) or \
        _scaled_by(index, erf.inputs[0], "Mul", 1 / math.sqrt(2.0))
    if inner is None or index.only_reader(erf.inputs[0]) is not erf:
        return None
    x, scale = inner
    found = {id(scale): scale, id(erf): erf}
    last = _half_x_times(index, erf, x, found)
    if last is None or not _inside(index, found, last):
        return None
    return Node(last.name, GELU_OP, [x], [last.outputs[0]], {"approximate": "none"}), found


def _cube_of(index, tensor: str):
    """(x, nodes) of x³ written as Pow(x, 3), x·(x·x) or (x·x)·x."""
    p = index.made_by(tensor, "Pow")
    if p is not None and _near(index.scalar(p.inputs[1]), 3.0):
        return p.inputs[0], [p]
    m = index.made_by(tensor, "Mul")
    if m is None or len(m.inputs) != 2:
        return None
    for sq, x in (m.inputs, m.inputs[::-1]):
        s = index.made_by(sq, "Mul")
        if s is not None and s.inputs == [x, x]:
            return x, [m, s]
    return None


def fold_gelu_tanh(index, tanh: Node):
    """x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) / 2."""
    scaled = _scaled_by(index, tanh.inputs[0], "Mul", math.sqrt(2 / math.pi))
    if scaled is None:
        return None
    inner_t, scale = scaled
    inner = index.made_by(inner_t, "Add")
    if inner is None or len(inner.inputs) != 2:
        return None
    for x, k in (inner.inputs, inner.inputs[::-1]):
        kx3 = _scaled_by(index, k, "Mul", 0.044715)
        cube = _cube_of(index, kx3[0]) if kx3 else None
        if cube is not None and cube[0] == x:
            found = {id(n): n for n in (scale, inner, kx3[1], *cube[1], tanh)}
            last = _half_x_times(index, tanh, x, found)
            if last is None or not _inside(index, found, last):
                return None
            return Node(last.name, GELU_OP, [x], [last.outputs[0]], {"approximate": "tanh"}), found
    return None


def _inside(index, found: dict, last: Node) -> bool:
    """Whether every tensor made inside the pattern (its result aside) is read only inside it."""
    for n in found.values():
        for o in n.outputs:
            if o and o != last.outputs[0] and any(r is None or id(r) not in found for r in index.readers.get(o, [])):
                return False
    return True


def fold_shuffle(index, back: Node):
    """Reshape (N, C, ...) to (N, g, C/g, ...), swap the two group axes, Reshape back: a channel shuffle."""
    t = index.made_by(back.inputs[0], "Transpose")
    grouped = index.made_by(t.inputs[0], "Reshape") if t is not None else None
    if grouped is None or index.only_reader(t.outputs[0]) is not back \
            or index.only_reader(grouped.outputs[0]) is not t:
        return None
    x = grouped.inputs[0]
    g = index.graph
    source, mid, out = g.shape(x), g.shape(grouped.outputs[0]), g.shape(back.outputs[0])
    if source is None or mid is None or out is None or len(source) not in (2, 4) or tuple(out) != tuple(source):
        return None
    rank = len(source)
    if len(mid) != rank + 1 or mid[0] != source[0] or mid[1] * mid[2] != source[1] or mid[3:] != source[2:]:
        return None
    if list(t.attrs.get("perm", [])) != [0, 2, 1, *range(3, rank + 1)]:
        return None
    node = Node(back.name, SHUFFLE_OP, [x], [back.outputs[0]], {"groups": int(mid[1])})
    return node, {id(grouped): grouped, id(t): t, id(back): back}


def constant_per_channel(index, node: Node):
    """(x, its C values) of a Mul or Add of a computed tensor x and a constant that ONNX
    broadcasts per channel of x (or a single value), else None."""
    if len(node.inputs) != 2 or node.domain:
        return None
    consts = index.graph.consts
    for x, c in (node.inputs, node.inputs[::-1]):
        shape = index.graph.shape(x)
        if x not in consts and c in consts and shape is not None and len(shape) >= 2 \
                and tuple(index.graph.shape(node.outputs[0]) or ()) == tuple(shape):
            values = channel_vector(consts[c], len(shape), shape[1])
            if values is not None:
                return x, values
    return None


def fold_scale_shift(index, add: Node):
    """Mul by per-channel constants, then Add of them (our export's scale_shift, an imported
    model's x·a + b): one node with its scale and shift as vectors."""
    if add.op != "Add":
        return None
    shifted = constant_per_channel(index, add)
    mul = index.made_by(shifted[0], "Mul") if shifted else None
    scaled = constant_per_channel(index, mul) if mul is not None else None
    if scaled is None or index.only_reader(mul.outputs[0]) is not add:
        return None
    out = add.outputs[0]
    index.graph.consts[f"{out}\0scale"], index.graph.consts[f"{out}\0shift"] = scaled[1], shifted[1]
    node = Node(add.name, SCALE_SHIFT_OP, [scaled[0], f"{out}\0scale", f"{out}\0shift"], [out], {})
    return node, {id(mul): mul, id(add): add}


def _last_axis_mean(index, tensor: str, rank: int):
    """The ReduceMean over the last axis (kept) making ``tensor``, else None."""
    r = index.made_by(tensor, "ReduceMean")
    if r is None or not r.attrs.get("keepdims", 1):
        return None
    axes = r.attrs.get("axes")
    if axes is None and len(r.inputs) > 1:
        axes = index.graph.consts.get(r.inputs[1])
    axes = None if axes is None else [int(a) % rank for a in np.ravel(axes)]
    return r if axes == [rank - 1] else None


def _last_axis_vector(index, node, x: str, channels: int):
    """The C values of a Mul or Add of ``x`` by a constant along the last axis, else None."""
    if node is None or node.op not in ("Mul", "Add") or node.domain or len(node.inputs) != 2 or x not in node.inputs:
        return None
    c = index.graph.consts.get(next((i for i in node.inputs if i != x), ""))
    if c is None or c.size != channels or c.shape[-1] != channels:
        return None
    return np.asarray(c, np.float32).reshape(-1)


def fold_layer_norm(index, div: Node):
    """LayerNormalization written out (before opset 17): (x - mean) / sqrt(var + eps), then times
    a scale and plus a shift along the last axis when there are; one LayerNormalization node."""
    if len(div.inputs) != 2:
        return None
    d, s = div.inputs
    sqrt = index.made_by(s, "Sqrt")
    add = index.made_by(sqrt.inputs[0], "Add") if sqrt is not None else None
    sub = index.made_by(d, "Sub")
    if add is None or sub is None or len(add.inputs) != 2 or len(sub.inputs) != 2:
        return None
    x, mean_t = sub.inputs
    shape = index.graph.shape(x)
    if shape is None or len(shape) < 2:
        return None
    rank = len(shape)
    mean = _last_axis_mean(index, mean_t, rank)
    eps_in = [i for i in add.inputs if index.scalar(i) is not None]
    var = _last_axis_mean(index, next((i for i in add.inputs if i not in eps_in), ""), rank) if eps_in else None
    if mean is None or mean.inputs[0] != x or var is None:
        return None
    square = index.made_by(var.inputs[0], "Pow")
    if square is None or square.inputs[0] != d or not _near(index.scalar(square.inputs[1]), 2.0):
        square = index.made_by(var.inputs[0], "Mul")
        if square is None or square.inputs != [d, d]:
            return None
    found = {id(n): n for n in (mean, sub, square, var, add, sqrt, div)}
    channels, last = shape[-1], div
    scale, shift = np.ones(channels, np.float32), np.zeros(channels, np.float32)
    for op, target in (("Mul", "scale"), ("Add", "shift")):
        after = index.only_reader(last.outputs[0])
        values = _last_axis_vector(index, after, last.outputs[0], channels) if after is not None else None
        if values is None or after.op != op:
            continue
        if target == "scale":
            scale = values
        else:
            shift = values
        found[id(after)], last = after, after
    if not _inside(index, found, last):
        return None
    out = last.outputs[0]
    index.graph.consts[f"{out}\0ln_scale"], index.graph.consts[f"{out}\0ln_shift"] = scale, shift
    node = Node(last.name, "LayerNormalization", [x, f"{out}\0ln_scale", f"{out}\0ln_shift"], [out],
                {"axis": -1, "epsilon": index.scalar(eps_in[0])})
    return node, found


# (the op type a pattern ends in, its folder), run after folding.py's own
PATTERNS = (("Div", fold_layer_norm), ("Erf", fold_gelu_erf), ("Tanh", fold_gelu_tanh), ("Mul", fold_silu), ("Mul", fold_hardswish),
            ("Reshape", fold_shuffle), ("Add", fold_scale_shift))
