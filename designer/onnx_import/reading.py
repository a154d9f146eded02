"""Read an ONNX file into a checked, topologically ordered graph of plain Python nodes.

Everything a damaged or hostile file can do wrong is caught here with one sentence: a truncated
or non-protobuf file, a model without a graph, a tensor produced twice or read before it exists,
a cycle, a declared dimension or tensor too large to be real, tensor data that does not match its
declared size. Only the nodes the graph's output depends on are kept.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..atomic import regular_input
from . import OnnxImportError, require_onnx


def quoted(name) -> str:
    """A node's or tensor's name from the file, quoted whole for a one-line message (newlines
    escaped): a cut name ("…/features.0.2/HardSw…") does not say which node it is."""
    return json.dumps(str(name), ensure_ascii=False)

# A tensor or dimension beyond these is not a real network (the input key's own limit for a
# dimension; 2^28 elements = 1 GiB of float32 for one array, 2^31 for all the constants).
MAX_DIM = 100_000
MAX_ELEMENTS = 1 << 28
MAX_TOTAL = 1 << 31
MAX_NODES = 200_000
# Graph names exporters give every model; the design is named after the file instead.
GENERIC_NAMES = ("", "main_graph", "torch_jit", "torch-jit-export", "tf2onnx", "graph")


@dataclass
class Node:
    name: str
    op: str
    inputs: list  # tensor names; "" is an omitted optional input
    outputs: list
    attrs: dict
    domain: str = ""
    refs: list = field(default_factory=list)  # every tensor read, subgraphs' outer names included
    proto: Any = None

    def label(self) -> str:
        """How a sentence names the node: its name, else the tensor it makes."""
        if self.name:
            return f"node {quoted(self.name)} ({self.op})"
        return f"the {self.op} node making {quoted(self.outputs[0] if self.outputs else '?')}"


@dataclass
class Graph:
    name: str
    nodes: list  # Node, topological, only those the output depends on
    consts: dict  # tensor name -> np.ndarray (initializers; folding adds more)
    input: str  # the one real graph input
    output: str
    shapes: dict  # tensor name -> tuple of dims (int, or None when unknown), batch included
    opset: int
    source: str = ""  # the file, for sentences
    skeleton: Any = None  # the ModelProto without its large weights, for shape inference again

    def infer_again(self) -> None:
        """Shape inference once more, with the constants folding computed as initializers: the
        shapes that depend on computed values (a Reshape's target, a Pad's amounts) become known
        without ONNX's data propagation, which can allocate without bound on a hostile file."""
        if self.skeleton is None or all(self.shape(o) is not None for n in self.nodes for o in n.outputs if o):
            return
        onnx = require_onnx()
        g = self.skeleton.graph
        known = {t.name for t in g.initializer} | {v.name for v in g.input}
        for name, array in self.consts.items():
            if name not in known:
                _add_constant(onnx, g, name, array)
        del g.node[:]
        g.node.extend(n.proto for n in self.nodes if n.proto is not None)
        for name, shape in _infer_shapes(onnx, self.skeleton, self.input, self.source).items():
            if self.shape(name) is None:
                self.shapes[name] = shape
        _check_shapes(self.shapes, self.source)

    def shape(self, name: str) -> tuple | None:
        s = self.shapes.get(name)
        return None if s is None or any(d is None for d in s) else s


def _fail(path, message: str):
    raise OnnxImportError(f"{path}: {message}")


def _parse(path: Path):
    onnx = require_onnx()
    from google.protobuf.message import DecodeError
    regular_input(path, OnnxImportError, "an ONNX model")  # a FIFO would block, /dev/zero never end
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(path, "no such file")
    except IsADirectoryError:
        _fail(path, "is a folder, not an ONNX model")
    except OSError as e:
        _fail(path, f"cannot be read ({e.strerror or e})")
    if not data:
        _fail(path, "is empty, not an ONNX model")
    try:
        model = onnx.load_model_from_string(data)
    except (DecodeError, RuntimeError, ValueError, TypeError) as e:
        _fail(path, f"is not an ONNX model: it is damaged, truncated or not a protobuf ({str(e)[:80]})")
    if model.ir_version <= 0 or not model.graph.node or not model.graph.output:
        _fail(path, "is not an ONNX model (it holds no graph with nodes and an output)")
    if not _all_text(model.graph):
        _fail(path, "is damaged: a name in it is not text (not UTF-8)")
    try:
        if any(t.data_location == onnx.TensorProto.EXTERNAL for t in model.graph.initializer):
            onnx.load_external_data_for_model(model, str(path.parent))
    except Exception as e:  # noqa: BLE001 — missing or unsafe external files: the loader's types vary
        _fail(path, f"keeps weights in external files that cannot be read ({_first_line(e)})")
    return onnx, model


def _all_text(graph) -> bool:
    """Whether every name in the graph decoded as text (protobuf hands invalid UTF-8 over as bytes)."""
    names = [graph.name]
    for v in list(graph.input) + list(graph.output) + list(graph.value_info) + list(graph.initializer):
        names.append(v.name)
    for n in graph.node:
        names += [n.name, n.op_type, n.domain, *n.input, *n.output, *(a.name for a in n.attribute)]
        for a in n.attribute:
            if a.HasField("g") and not _all_text(a.g):
                return False
            if any(not _all_text(g) for g in a.graphs):
                return False
    return all(isinstance(name, str) for name in names)


def _first_line(e: Exception) -> str:
    """An exception's text on one line, cut short."""
    text = " ".join(str(e).split())
    return (text or type(e).__name__)[:160]


def _check(onnx, model, path) -> None:
    """onnx's checker, on the model without its large weights (they are checked when read, and
    the checker and shape inference would copy every byte of them)."""
    try:
        onnx.checker.check_model(model)
    except Exception as e:  # noqa: BLE001 — the checker's own exception types vary between onnx versions
        _fail(path, f"is not a valid ONNX model ({_first_line(e)})")


SMALL = 4096  # constants up to this size stay values for shape inference; larger ones, shapes


def _strip_weights(onnx, model, consts: dict) -> None:
    """Replace the large initializers by graph inputs of the same type and shape: what the
    checker and shape inference need of them."""
    g = model.graph
    light = [t for t in g.initializer if consts[t.name].size <= SMALL]
    heavy = [t for t in g.initializer if consts[t.name].size > SMALL]
    if not heavy:
        return
    declared = {v.name for v in g.input}
    for t in heavy:
        if t.name not in declared:
            g.input.append(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)))
    del g.initializer[:]
    g.initializer.extend(light)


def _add_constant(onnx, g, name: str, array: np.ndarray) -> None:
    """A computed constant in the skeleton: its value when small, else its type and shape."""
    if array.size <= SMALL:
        g.initializer.append(onnx.numpy_helper.from_array(array, name))
    else:
        elem = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
        g.input.append(onnx.helper.make_tensor_value_info(name, elem, list(array.shape)))


def _dims(t) -> list:
    return [int(d) for d in t.dims]


def _count(dims) -> int:
    n = 1
    for d in dims:
        n *= max(int(d), 0)
    return n


def tensor_array(onnx, t, where: str, path) -> np.ndarray:
    """A TensorProto as an array, after checking its declared size against its data."""
    dims = _dims(t)
    if any(d < 0 for d in dims) or _count(dims) > MAX_ELEMENTS:
        _fail(path, f"{where} declares the shape {dims}, too large to be a real tensor")
    try:
        array = onnx.numpy_helper.to_array(t)
    except Exception as e:  # noqa: BLE001 — mismatched data and shape, unknown types: all one sentence
        _fail(path, f"{where} holds data that does not match its declared shape {dims} ({str(e)[:80]})")
    if array.shape != tuple(dims):
        _fail(path, f"{where} holds {array.size} values, not the {_count(dims)} its shape {dims} declares")
    return array


def _attrs(onnx, proto, path) -> dict:
    out = {}
    for a in proto.attribute:
        if a.type == onnx.AttributeProto.TENSOR:
            out[a.name] = tensor_array(onnx, a.t, f"the attribute {a.name} of node {quoted(proto.name)}", path)
        elif a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            out[a.name] = a  # kept opaque; only its outer-scope names matter (see _outer_names)
        else:
            value = onnx.helper.get_attribute_value(a)
            out[a.name] = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return out


def _outer_names(graph) -> set:
    """Names a subgraph reads from the scope around it."""
    made = {i.name for i in graph.input} | {t.name for t in graph.initializer}
    read = set()
    for n in graph.node:
        for a in n.attribute:
            for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
                read |= _outer_names(g)
        read |= {i for i in n.input if i}
        made |= set(n.output)
    return read - made


def _node(onnx, proto, path) -> Node:
    refs = [i for i in proto.input if i]
    for a in proto.attribute:
        for g in ([a.g] if a.HasField("g") else []) + list(a.graphs):
            refs += sorted(_outer_names(g))
    return Node(proto.name, proto.op_type, list(proto.input), list(proto.output),
                _attrs(onnx, proto, path), proto.domain if proto.domain != "ai.onnx" else "", refs, proto)


def _value_shape(value) -> tuple | None:
    t = value.type.tensor_type
    if not value.type.HasField("tensor_type") or not t.HasField("shape"):
        return None
    return tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)


def _topological(nodes: list, available: set, path) -> list:
    """Nodes ordered so that each comes after the producers of what it reads; a cycle, a tensor
    made twice or read but never made is a sentence."""
    producer = {}
    for i, n in enumerate(nodes):
        for o in n.outputs:
            if not o:
                continue
            if o in producer or o in available:
                _fail(path, f"the tensor {quoted(o)} is made twice (by {n.label()} and another), so the graph is damaged")
            producer[o] = i
    waiting, readers = [], [[] for _ in nodes]
    for i, n in enumerate(nodes):
        deps = set()
        for r in n.refs:
            if r in producer:
                deps.add(producer[r])
            elif r not in available:
                _fail(path, f"{n.label()} reads {quoted(r)}, which no node, input or initializer makes")
        waiting.append(len(deps))
        for d in deps:
            readers[d].append(i)
    ready = [i for i, w in enumerate(waiting) if w == 0]
    order = []
    while ready:
        i = ready.pop()
        order.append(i)
        for j in readers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                ready.append(j)
    if len(order) < len(nodes):
        stuck = next(n for i, n in enumerate(nodes) if waiting[i] > 0)
        _fail(path, f"the graph has a cycle through {stuck.label()}, so it is not a network")
    # ONNX requires the file's order to be topological; keep it when it is (names stay in order)
    if all(producer.get(r, -1) < i for i, n in enumerate(nodes) for r in n.refs):
        return list(nodes)
    return [nodes[i] for i in order]


def _needed(nodes: list, output: str) -> list:
    """The nodes the output depends on, in order."""
    producer = {o: n for n in nodes for o in n.outputs if o}
    keep, todo = set(), [output]
    while todo:
        t = todo.pop()
        n = producer.get(t)
        if n is None or id(n) in keep:
            continue
        keep.add(id(n))
        todo.extend(n.refs)
    return [n for n in nodes if id(n) in keep]


def _infer_shapes(onnx, model, real_input: str, path) -> dict:
    """Every tensor's shape by ONNX shape inference, with a free batch dimension set to 1."""
    for value in model.graph.input:
        if value.name == real_input:
            dims = value.type.tensor_type.shape.dim
            if dims and not dims[0].HasField("dim_value"):
                dims[0].dim_value = 1
    try:
        inferred = onnx.shape_inference.infer_shapes(model)  # data_prop can allocate without bound
    except Exception as e:  # noqa: BLE001 — inference errors have several types
        _fail(path, f"the shapes of its tensors do not work out ({_first_line(e)})")
    shapes = {}
    g = inferred.graph
    for value in list(g.input) + list(g.value_info) + list(g.output):
        s = _value_shape(value)
        if s is not None:
            shapes[value.name] = s
    return shapes


def read_graph(path) -> Graph:
    path = Path(path)
    onnx, model = _parse(path)
    g = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    if opset < 1:
        _fail(path, "does not say which ONNX operator set it uses")
    if len(g.node) > MAX_NODES:
        _fail(path, f"has {len(g.node):,} nodes, more than a network this program can show")
    consts, total = {}, 0
    for t in g.initializer:
        consts[t.name] = tensor_array(onnx, t, f"the initializer {quoted(t.name)}", path)
        total += consts[t.name].size
        if total > MAX_TOTAL:
            _fail(path, "holds more weights than fit in memory")
    real = [v for v in g.input if v.name not in consts]  # old models list initializers as inputs
    if len(real) != 1:
        names = ", ".join(quoted(v.name) for v in real[:4])
        _fail(path, f"has {len(real)} inputs ({names}); the designer takes networks with one input"
              if real else "has no input that is not a constant")
    if len(g.output) != 1:
        _fail(path, f"has {len(g.output)} outputs; the designer takes networks with one output")
    input_name, output_name = real[0].name, g.output[0].name
    in_shape = _value_shape(real[0])
    if in_shape is None or len(in_shape) not in (2, 4) or any(d is None for d in in_shape[1:]):
        _fail(path, f"its input {quoted(input_name)} has the shape {list(in_shape or [])}; the designer "
              "takes a fixed (N, C, H, W) image or (N, features) vector")
    if any(d <= 0 or d > MAX_DIM for d in in_shape[1:]) or _count(in_shape[1:]) > MAX_ELEMENTS:
        _fail(path, f"its input {quoted(input_name)} declares the shape {list(in_shape)}, too large for a "
              f"network (each size at most {MAX_DIM:,})")
    nodes = [_node(onnx, n, path) for n in g.node]
    nodes = _topological(nodes, set(consts) | {input_name}, path)  # before the checker: plainer sentences
    _strip_weights(onnx, model, consts)
    _check(onnx, model, path)
    nodes = _needed(nodes, output_name)
    shapes = _infer_shapes(onnx, model, input_name, path)
    shapes.update((name, array.shape) for name, array in consts.items())
    shapes[input_name] = (1, *in_shape[1:])
    _check_shapes(shapes, path)
    name = path.stem if g.name in GENERIC_NAMES else g.name
    return Graph(name, nodes, consts, input_name, output_name, shapes, opset, str(path), model)


def _check_shapes(shapes: dict, path) -> None:
    for name, s in shapes.items():
        if any(d is not None and d < 0 for d in s):
            _fail(path, f"the tensor {quoted(name)} would have the impossible shape {list(s)}")
        if any(d is not None and d > MAX_ELEMENTS for d in s):
            _fail(path, f"the tensor {quoted(name)} would have the shape {list(s)}, too large to be real")
