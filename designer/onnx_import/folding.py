"""Fold a graph down to the operators that are layers.

First the constant parts are evaluated (``Constant``, ``ConstantOfShape``, shape arithmetic,
``Shape`` of a tensor whose shape inference knows it), so weights written as ConstantOfShape or
reshaped constants become arrays. Then the patterns exporters split layers into are folded back
into one node each: PyTorch's LocalResponseNorm (Mul, Pad, AveragePool, Mul, Add, Pow, Div), a
Pad before a Conv or pool, MatMul followed by Add (a Gemm), Caffe's Scale after a BatchNorm (Mul
and Add by per-channel constants), and what our ONNX export writes for the perceptron's sign
(Greater, Where), maxout (Reshape, ReduceMax), the LRN of a vector (Unsqueeze, LRN, Squeeze) and
an add of three or more inputs (a chain of Adds).
"""
from __future__ import annotations

import numpy as np

from . import OnnxImportError
from .patterns import PATTERNS, channel_vector
from .reading import MAX_ELEMENTS, Graph, Node

# Operators evaluated when all their inputs are constants (cheap, bounded outputs).
FOLDABLE = {"Identity", "Reshape", "Cast", "Unsqueeze", "Squeeze", "Concat", "Slice", "Transpose",
            "Gather", "Mul", "Add", "Sub", "Div", "Neg", "Sqrt", "Pow", "Equal", "Flatten", "Range",
            "Expand", "Min", "Max", "Abs", "Floor", "Ceil", "ReduceProd", "Tile"}
# Of those, the ones whose output can be far larger than their inputs: not computed unless shape
# inference knows the output's size; and those that broadcast, whose size is worked out first.
GROWING = {"Expand", "Tile", "Range", "Gather"}
BROADCASTING = {"Mul", "Add", "Sub", "Div", "Pow", "Equal", "Min", "Max"}


def _fail(graph: Graph, message: str):
    raise OnnxImportError(f"{graph.source}: {message}")


def _size(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def _constant_attr(node: Node) -> np.ndarray:
    a = node.attrs
    for key, dtype in (("value", None), ("value_float", np.float32), ("value_floats", np.float32),
                       ("value_int", np.int64), ("value_ints", np.int64)):
        if key in a:
            return np.asarray(a[key], dtype=dtype)
    raise KeyError("value")


def _evaluate(graph: Graph, node: Node, inputs: list) -> list:
    """Run one node on constant inputs with onnx's reference evaluator."""
    from onnx import helper
    from onnx.reference import ReferenceEvaluator
    names = [n for n in node.inputs if n]
    ins = [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
           for n, a in zip(names, inputs)]
    outs = [helper.make_empty_tensor_value_info(o) for o in node.outputs if o]
    model = helper.make_model(helper.make_graph([node.proto], "fold", ins, outs),
                              opset_imports=[helper.make_opsetid("", graph.opset)])
    return ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))


def fold_constants(graph: Graph) -> None:
    """Evaluate every node whose inputs are constants; the rest stay (in order)."""
    consts, kept = graph.consts, []
    for node in graph.nodes:
        value = None
        try:
            value = _fold_one(graph, node, consts)
        except OnnxImportError:
            raise
        except Exception as e:  # noqa: BLE001 — the evaluator's failures: a constant that cannot be computed
            _fail(graph, f"{node.label()} cannot be computed from its constant inputs ({str(e)[:100]})")
        if value is None:
            kept.append(node)
            continue
        for name, array in zip(node.outputs, value):
            if name:
                consts[name] = np.asarray(array)
                graph.shapes[name] = consts[name].shape
    graph.nodes = kept


def _fold_one(graph: Graph, node: Node, consts: dict):
    if node.domain:
        return None
    if node.op == "Constant":
        return [_constant_attr(node)]
    if node.op == "Shape":
        shape = graph.shape(node.inputs[0])
        if shape is None:
            return None
        start, end = node.attrs.get("start", 0), node.attrs.get("end", len(shape))
        return [np.array(shape[start:end], dtype=np.int64)]
    if node.op == "ConstantOfShape":
        if node.inputs[0] not in consts:
            return None
        shape = [int(d) for d in np.ravel(consts[node.inputs[0]])]
        if any(d < 0 for d in shape) or _size(shape) > MAX_ELEMENTS:
            _fail(graph, f"{node.label()} asks for a constant of shape {shape}, too large to be real")
        value = node.attrs.get("value", np.zeros(1, np.float32))
        return [np.full(shape, np.ravel(value)[0], dtype=value.dtype)]
    if node.op not in FOLDABLE or not all(i in consts for i in node.inputs if i):
        return None
    out = graph.shape(node.outputs[0]) if node.outputs else None
    if out is None and node.op in GROWING:
        return None  # how much it would make is not known beforehand: left to be refused
    if out is None and node.op in BROADCASTING:
        try:
            out = np.broadcast_shapes(*(consts[i].shape for i in node.inputs if i))
        except ValueError:
            return None  # shapes that do not broadcast: the node stays, and is refused
    if out is not None and _size(out) > MAX_ELEMENTS:
        _fail(graph, f"{node.label()} makes a constant of shape {list(out)}, too large to be real")
    if sum(consts[i].size for i in node.inputs if i) > MAX_ELEMENTS:
        return None
    results = _evaluate(graph, node, [consts[i] for i in node.inputs if i])
    if any(np.asarray(r).size > MAX_ELEMENTS for r in results):
        _fail(graph, f"{node.label()} makes a constant too large to be real")
    return results


# --------------------------------------------------------------------------- patterns
# The op types folding writes that are no standard operator (the checker refuses them in a file),
# so that no node of a file is taken for one.
SIGN_OP = "nn-designer:SignMinusAtZero"
MAXOUT_OP = "nn-designer:Maxout"

class _Index:
    """Who makes and who reads each tensor, for pattern matching."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.producer = {o: n for n in graph.nodes for o in n.outputs if o}
        self.readers: dict = {}
        for n in graph.nodes:
            for r in set(n.refs):
                self.readers.setdefault(r, []).append(n)
        if graph.output:
            self.readers.setdefault(graph.output, []).append(None)  # the graph's output is read

    def made_by(self, tensor: str, op: str):
        n = self.producer.get(tensor)
        return n if n is not None and n.op == op and not n.domain else None

    def only_reader(self, tensor: str):
        rs = self.readers.get(tensor, [])
        return rs[0] if len(rs) == 1 else None

    def scalar(self, tensor: str):
        c = self.graph.consts.get(tensor)
        return float(np.ravel(c)[0]) if c is not None and c.size == 1 else None


def _split(index: _Index, node: Node):
    """(dynamic input, scalar constant) of a two-input node with one of each, else (None, None)."""
    a, b = node.inputs[:2] if len(node.inputs) >= 2 else (None, None)
    for x, c in ((a, b), (b, a)):
        if x is not None and x not in index.graph.consts and index.scalar(c) is not None:
            return x, index.scalar(c)
    return None, None


# Operators that only move or reshape data on the way through PyTorch's LRN.
_LRN_PLUMBING = {"Reshape", "Pad", "If", "Squeeze", "Unsqueeze", "Shape", "Gather", "Equal", "Identity",
                 "Transpose", "Cast", "Concat", "Slice"}


def _fold_lrn(index: _Index, div: Node):
    """PyTorch's LocalResponseNorm: x / (k + alpha * avgpool3d(pad(x*x)))^beta."""
    if len(div.inputs) != 2:
        return None
    x, p = div.inputs
    pow_ = index.made_by(p, "Pow")
    if pow_ is None:
        return None
    b, beta = pow_.inputs[0], index.scalar(pow_.inputs[1])
    add = index.made_by(b, "Add")
    if beta is None or add is None:
        return None
    m, k = _split(index, add)
    mul = index.made_by(m, "Mul") if m else None
    if mul is None:
        return None
    t, alpha = _split(index, mul)
    if t is None:
        return None
    found, todo, pool, square = {id(n): n for n in (pow_, add, mul, div)}, [t], None, None
    while todo:
        tensor = todo.pop()
        if tensor == x or tensor in index.graph.consts:
            continue
        n = index.producer.get(tensor)
        if n is None or n.domain:
            return None
        if id(n) in found:
            continue
        found[id(n)] = n
        if n.op == "AveragePool" and pool is None:
            pool = n
        elif n.op in ("Mul", "Pow") and square is None and (
                n.inputs == [x, x] or (n.op == "Pow" and n.inputs[0] == x and index.scalar(n.inputs[1]) == 2)):
            square = n
            continue
        elif n.op not in _LRN_PLUMBING:
            return None
        todo.extend(n.refs)
    if pool is None or square is None:
        return None
    kernel = list(pool.attrs.get("kernel_shape", []))
    if not kernel or any(v != 1 for v in kernel[1:]) or pool.attrs.get("count_include_pad", 0) != 1:
        return None
    # every tensor made inside the pattern is read only inside it (the result aside)
    for n in found.values():
        for o in n.outputs:
            if o and o != div.outputs[0] and any(r is None or id(r) not in found for r in index.readers.get(o, [])):
                return None
    size = int(kernel[0])
    if _lrn_window(index, pool, [n for n in found.values() if n.op == "Pad"]) != (size // 2, (size - 1) // 2):
        return None  # a window placed otherwise than PyTorch's (its size // 2 channels in front)
    lrn = Node(div.name or pow_.name, "LRN", [x], [div.outputs[0]],
               {"size": size, "alpha": alpha, "beta": beta, "bias": k, "torch_window": True})
    return lrn, found


def _lrn_window(index: _Index, pool: Node, pads: list):
    """(channels in front, channels behind) that the zero padding around the window of PyTorch's
    LocalResponseNorm adds on the channel axis (axis 2 of the pooled view), or None when it pads
    anything else, pads with another value, or the pool strides or rounds."""
    if len(pads) > 1 or any(v != 1 for v in pool.attrs.get("strides", [1])):
        return None
    own = list(pool.attrs.get("pads", []))
    r = len(own) // 2
    front, back = (own[0], own[r]) if own else (0, 0)
    if any(v for k, v in enumerate(own) if k not in (0, r)):
        return None
    for pad in pads:
        amounts, value = _pads_of(index, pad)
        if amounts is None or value != 0.0 or pad.attrs.get("mode", "constant") != "constant":
            return None
        r = len(amounts) // 2
        if r < 3 or any(v for k, v in enumerate(amounts) if k not in (2, 2 + r)):
            return None
        front, back = front + amounts[2], back + amounts[2 + r]
    return front, back


def _fold_sign(index: _Index, where: Node):
    """Our export of the perceptron's sign: Where(x > 0, 1, -1)."""
    if len(where.inputs) != 3 or (index.scalar(where.inputs[1]), index.scalar(where.inputs[2])) != (1.0, -1.0):
        return None
    greater = index.made_by(where.inputs[0], "Greater")
    if greater is None or index.only_reader(greater.outputs[0]) is not where:
        return None
    if greater.inputs[0] in index.graph.consts or index.scalar(greater.inputs[1]) != 0.0:
        return None
    # not "Sign": ONNX's Sign gives 0 at 0, this gives -1 there, as the designer's sign does
    node = Node(where.name, SIGN_OP, [greater.inputs[0]], [where.outputs[0]], {})
    return node, {id(greater): greater, id(where): where}


def _fold_matmul(index: _Index, matmul: Node):
    """MatMul by a constant matrix, with the Add of a constant vector that follows it: a Gemm."""
    if len(matmul.inputs) != 2:
        return None
    x, w = matmul.inputs
    if w not in index.graph.consts or index.graph.consts[w].ndim != 2 or x in index.graph.consts:
        return None
    if len(index.graph.shapes.get(x) or ()) != 2:
        return None  # a MatMul of a volume multiplies along its last axis (W): no dense layer
    found = {id(matmul): matmul}
    out, inputs = matmul.outputs[0], [x, w]
    add = index.only_reader(matmul.outputs[0])
    if add is not None and add.op == "Add" and not add.domain:
        other = [i for i in add.inputs if i != matmul.outputs[0]]
        if len(other) == 1 and other[0] in index.graph.consts:
            found[id(add)] = add
            out = add.outputs[0]
            inputs.append(other[0])
    return Node(matmul.name, "Gemm", inputs, [out], {"transB": 0}), found


def _pads_of(index: _Index, pad: Node) -> tuple:
    return pads_of(index.graph, pad)


def pads_of(graph: Graph, pad: Node) -> tuple:
    """(pads list, constant value) of a Pad node, or (None, None) when not constant."""
    consts = graph.consts

    def scalar(tensor):
        c = consts.get(tensor)
        return float(np.ravel(c)[0]) if c is not None and c.size == 1 else None

    if "pads" in pad.attrs:  # before opset 11
        return list(pad.attrs["pads"]), float(pad.attrs.get("value", 0.0))
    if len(pad.inputs) < 2 or pad.inputs[1] not in consts:
        return None, None
    pads = [int(v) for v in np.ravel(consts[pad.inputs[1]])]
    value = 0.0
    if len(pad.inputs) > 2 and pad.inputs[2]:
        if scalar(pad.inputs[2]) is None:
            return None, None
        value = scalar(pad.inputs[2])
    if len(pad.inputs) > 3 and pad.inputs[3]:  # axes (opset 18): pads for those axes only
        rank = len(graph.shapes.get(pad.inputs[0]) or ())
        if pad.inputs[3] not in consts or not rank:
            return None, None
        axes = [int(a) % rank for a in np.ravel(consts[pad.inputs[3]])]
        full = [0] * (2 * rank)
        for j, a in enumerate(axes):
            full[a], full[a + rank] = pads[j], pads[j + len(axes)]
        pads = full
    return pads, value


def _fold_pad(index: _Index, pad: Node):
    """A zero Pad of the spatial axes before a Conv or pool: the padding of that layer."""
    target = index.only_reader(pad.outputs[0])
    if target is None or target.op not in ("Conv", "MaxPool", "AveragePool") or target.domain:
        return None
    if pad.attrs.get("mode", "constant") != "constant" or target.attrs.get("auto_pad", "NOTSET") != "NOTSET":
        return None
    pads, value = _pads_of(index, pad)
    if pads is None or len(pads) != 8 or any(v < 0 for v in pads) or pads[0] or pads[1] or pads[4] or pads[5]:
        return None
    extra = [pads[2], pads[3], pads[6], pads[7]]  # top, left, bottom, right
    own = list(target.attrs.get("pads", [0, 0, 0, 0]))
    attrs = dict(target.attrs)
    if target.op == "MaxPool":
        source = index.producer.get(pad.inputs[0])
        non_negative = source is not None and source.op in ("Relu", "Sigmoid")
        if not (value <= -3.0e38 or (value == 0.0 and non_negative)):
            return None  # zeros would win the max where the data is negative
    elif value != 0.0:
        return None
    if target.op == "AveragePool" and any(own):
        return _fold_pad_rounding(index, pad, target, extra, own)
    if target.op == "AveragePool":
        attrs["count_include_pad"] = 1
    attrs["pads"] = [a + b for a, b in zip(own, extra)]
    node = Node(target.name, target.op, [pad.inputs[0], *target.inputs[1:]], list(target.outputs), attrs)
    return node, {id(pad): pad, id(target): target}


def _fold_pad_rounding(index: _Index, pad: Node, target: Node, extra: list, own: list):
    """Our export's rounded-up average that counts its padding and whose last window PyTorch drops:
    a zero Pad of p on each side, then an average rounding down over extra end cells it does not
    count. That is the pool padding p on each side, counting it, rounding up (or down) as PyTorch
    does, where PyTorch's count of windows is ONNX's on both axes; otherwise no single setting."""
    from .pooling import pool_size
    a = target.attrs
    if any(own[:2]) or a.get("count_include_pad", 0) or a.get("ceil_mode", 0) or extra[:2] != extra[2:] \
            or any(d != 1 for d in a.get("dilations", [1, 1])):
        return None
    source, out = index.graph.shape(pad.inputs[0]), index.graph.shape(target.outputs[0])
    kernel, strides = list(a.get("kernel_shape", [])), list(a.get("strides", [1, 1]))
    if source is None or out is None or len(source) != 4 or len(out) != 4 or len(kernel) != 2:
        return None
    for ceil in (False, True):
        counts = [pool_size(n, k, st, p, ceil) for n, k, st, p in zip(source[2:], kernel, strides, extra[:2])]
        if counts == list(out[2:]):
            attrs = {**a, "pads": extra[:2] * 2, "count_include_pad": 1, "ceil_mode": int(ceil)}
            node = Node(target.name, target.op, [pad.inputs[0]], list(target.outputs), attrs)
            return node, {id(pad): pad, id(target): target}
    return None


def _per_channel(index: _Index, tensor: str, rank: int, channels: int):
    return channel_vector(index.graph.consts.get(tensor), rank, channels)


def _other(node: Node, tensor: str) -> str:
    """The input of a two-input node that is not ``tensor`` ("" when both are)."""
    others = [i for i in node.inputs if i != tensor]
    return others[0] if len(others) == 1 else ""


def _fold_scale(index: _Index, bn: Node):
    """Caffe's Scale after a BatchNorm (Mul and Add by per-channel constants): the batchnorm's own
    scale and shift."""
    consts = index.graph.consts
    if len(bn.inputs) != 5 or any(i not in consts for i in bn.inputs[1:]):
        return None
    channels = consts[bn.inputs[1]].size
    rank = len(index.graph.shapes.get(bn.inputs[0]) or ())
    if any(o for o in bn.outputs[1:]) or bn.attrs.get("training_mode", 0):
        return None  # a batchnorm in training mode: refused by its handler, never folded
    mul = index.only_reader(bn.outputs[0])
    if mul is None or mul.op != "Mul" or mul.domain or len(mul.inputs) != 2:
        return None
    s = _per_channel(index, _other(mul, bn.outputs[0]), rank, channels)
    if s is None:
        return None
    add = index.only_reader(mul.outputs[0])
    if add is None or add.op != "Add" or add.domain or len(add.inputs) != 2:
        return None  # a Mul alone is a layer scale (numbers equal either way; the design stays ours)
    if add.name and mul.name == f"{add.name}_scaled":
        return None  # our export's scale_shift layer, which imports back as itself
    shift = _per_channel(index, _other(add, mul.outputs[0]), rank, channels)
    if shift is None:
        return None
    found, out = {id(bn): bn, id(mul): mul, id(add): add}, add.outputs[0]
    scale, bias = f"{out}\0scale", f"{out}\0shift"
    consts[scale] = consts[bn.inputs[1]].astype(np.float32) * s
    consts[bias] = consts[bn.inputs[2]].astype(np.float32) * s + shift
    node = Node(bn.name, "BatchNormalization", [bn.inputs[0], scale, bias, *bn.inputs[3:]], [out], dict(bn.attrs))
    return node, found


def _axes(index: _Index, node: Node):
    """A reduction's or (un)squeeze's axes: the attribute, or (newer opsets) the constant input."""
    if "axes" in node.attrs:
        return [int(a) for a in node.attrs["axes"]]
    if len(node.inputs) > 1 and node.inputs[1] in index.graph.consts:
        return [int(a) for a in np.ravel(index.graph.consts[node.inputs[1]])]
    return None


def _fold_maxout(index: _Index, reduce: Node):
    """Our export's maxout: Reshape (N, C, H, W) to (N, C/k, k, H, W), ReduceMax over axis 2."""
    reshape = index.made_by(reduce.inputs[0], "Reshape")
    if reshape is None or reduce.attrs.get("keepdims", 1) or _axes(index, reduce) != [2]:
        return None
    x = reshape.inputs[0]
    grouped, source = index.graph.shape(reshape.outputs[0]), index.graph.shape(x)
    if (grouped is None or source is None or index.only_reader(reshape.outputs[0]) is not reduce
            or len(grouped) != len(source) + 1 or grouped[3:] != source[2:]
            or grouped[1] * grouped[2] != source[1]):
        return None
    node = Node(reduce.name, MAXOUT_OP, [x], [reduce.outputs[0]], {"pieces": int(grouped[2])})
    return node, {id(reshape): reshape, id(reduce): reduce}


def _fold_vector_lrn(index: _Index, squeeze: Node):
    """Our export's LRN of a vector: Unsqueeze to (N, C, 1, 1), LRN, Squeeze back."""
    lrn = index.made_by(squeeze.inputs[0], "LRN")
    unsqueeze = index.made_by(lrn.inputs[0], "Unsqueeze") if lrn is not None else None
    if unsqueeze is None or index.only_reader(lrn.outputs[0]) is not squeeze \
            or index.only_reader(unsqueeze.outputs[0]) is not lrn:
        return None
    x = unsqueeze.inputs[0]
    if len(index.graph.shape(x) or ()) != 2 or _axes(index, unsqueeze) != [2, 3] or _axes(index, squeeze) != [2, 3]:
        return None
    node = Node(lrn.name, "LRN", [x], [squeeze.outputs[0]], dict(lrn.attrs))
    return node, {id(unsqueeze): unsqueeze, id(lrn): lrn, id(squeeze): squeeze}


def _fold_add_chain(index: _Index, add: Node):
    """Our export's add of three or more inputs: a chain of two-input Adds named "<layer>_sum1",
    "<layer>_sum2"... ending in "<layer>"; one add layer again."""
    inputs, found, changed = list(add.inputs), {id(add): add}, True
    while changed:
        changed = False
        for k, tensor in enumerate(inputs):
            inner = index.made_by(tensor, "Add")
            if (inner is not None and add.name and inner.name.startswith(f"{add.name}_sum")
                    and id(index.only_reader(tensor)) in found):
                inputs[k:k + 1] = inner.inputs
                found[id(inner)] = inner
                changed = True
                break
    if len(found) == 1:
        return None
    return Node(add.name, "Sum", inputs, list(add.outputs), {}), found


_PATTERNS = (("Div", _fold_lrn), ("Where", _fold_sign), ("MatMul", _fold_matmul), ("Pad", _fold_pad),
             ("BatchNormalization", _fold_scale), ("ReduceMax", _fold_maxout), ("Squeeze", _fold_vector_lrn),
             ("Add", _fold_add_chain))


def fold_patterns(graph: Graph) -> None:
    """Replace each matched group of nodes by the one node it stands for, where the group's last
    node was."""
    for op, fold in _PATTERNS + PATTERNS:
        index = _Index(graph)
        replaced, gone = {}, set()
        for node in graph.nodes:
            if node.op != op or node.domain or id(node) in gone:
                continue
            match = fold(index, node)
            if match is None:
                continue
            new, found = match
            new.refs = [i for i in new.inputs if i]
            last = max(found.values(), key=lambda n: graph.nodes.index(n))
            replaced[id(last)] = new
            gone |= set(found)
        graph.nodes = [replaced.get(id(n), n) for n in graph.nodes if id(n) not in gone or id(n) in replaced]


def fold(graph: Graph) -> Graph:
    from .channels_last import fold_channels_last
    fold_constants(graph)
    graph.infer_again()
    fold_patterns(graph)
    fold_channels_last(graph)  # after the patterns: a GELU inside is one node by then
    return graph
