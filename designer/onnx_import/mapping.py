"""Turn a folded ONNX graph into layers: one operator, one layer (or none, for those that only
pass data on), in the graph's order, reading the layers that made their inputs.

``OPERATORS`` is the importer's registry, keyed by ONNX op type (as onnx's reference implementation
keeps its operators): each operator it reads, with its handler, a ``Mapper`` method registered with
``@maps`` that adds the layer (or layers, or none: an Identity) the node becomes (a kind that is one
node without settings, ``LayerKind.onnx``, gets one from the catalogue); or, without a
handler, an operator read only inside a pattern that folding turns into one node a handler reads
(``read_in_patterns``: the Greater and Where of our export's sign), refused when alone. The list
of imported operators that refusals print is derived from it (``supported()``).

``NOT_IMPORTABLE`` names the layer kinds whose ONNX export cannot be read back, with the reason
(tests/test_kind_tables.py checks that every other kind's export writes only registered operators).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..model.catalogue import KINDS
from . import OnnxImportError
from .folding import MAXOUT_OP, SIGN_OP, fold
from .pooling import pair, pool_layer
from .reading import Graph, Node, quoted


@dataclass(frozen=True)
class Operator:
    op: str  # the ONNX op type, of the default domain
    handler: Optional[Callable]  # handler(mapper, node); None: read only inside a folded pattern
    listed: str  # how the list of imported operators names it ("Reshape to (N, -1)"); "" leaves it out
    pattern: str = ""  # for one without a handler: the pattern it is read in


OPERATORS: dict[str, Operator] = {}

# layer type -> why its ONNX export does not import back (none today)
NOT_IMPORTABLE: dict[str, str] = {}


def _register(entry: Operator) -> None:
    if entry.op in OPERATORS:
        raise RuntimeError(f"the ONNX operator {entry.op} is registered twice")
    OPERATORS[entry.op] = entry


def maps(*ops: str, listed: Optional[str] = None):
    """Decorator: register the handler for the op types ``ops``. ``listed`` is how the refusals'
    list names it (the op type by default; "" for one only folding writes)."""
    def register(handler: Callable) -> Callable:
        for op in ops:
            _register(Operator(op, handler, op if listed is None else listed))
        return handler
    return register


def read_in_patterns(pattern: str, *ops: str, listed: bool = False) -> None:
    """Register ``ops`` as read only inside ``pattern`` (one that folding.py turns into a node a
    handler reads); ``listed`` names them in the refusals' list too (MatMul: a dense layer by itself)."""
    for op in ops:
        _register(Operator(op, None, op if listed else "", pattern))


# The operators read only inside folding's patterns (the others in them have handlers).
read_in_patterns("our export's sign, Where(x > 0, 1, -1)", "Greater", "Where")
read_in_patterns("a MatMul by a constant matrix, with the Add of a constant after it: a dense layer", "MatMul",
                 listed=True)
read_in_patterns("our export's LRN of a vector (Unsqueeze, LRN, Squeeze), or PyTorch's LocalResponseNorm",
                 "Unsqueeze", "Squeeze")
read_in_patterns("PyTorch's LocalResponseNorm, or Caffe's Scale after a BatchNormalization", "Mul")
read_in_patterns("PyTorch's LocalResponseNorm (Mul, Pad, AveragePool, Mul, Add, Pow, Div)", "Pow", "Div")


def handler_of(op: str) -> Optional[Callable]:
    entry = OPERATORS.get(op)
    return entry.handler if entry is not None else None


def supported() -> str:
    """The operators a refusal says the designer imports, alphabetically: "Add, …, Sum and Tanh"."""
    names = sorted({entry.listed for entry in OPERATORS.values() if entry.listed}, key=str.lower)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _f(value) -> float:
    """A float attribute (stored as float32 in the file) as the decimal it was written as."""
    return float(f"{float(value):.7g}")


class Mapper:
    def __init__(self, graph: Graph):
        self.g = graph
        self.layers: list = []  # (type, config) per layer
        self.sources: list = []  # layer indices each layer reads
        self.labels: list = []  # the node (or input) each layer came from, for names and ids
        self.onnx_shapes: list = []  # ONNX's shape of each layer's output, batch left out
        self.arrays: dict = {}
        self.made: dict = {}  # tensor -> layer index that holds it
        self.readers: dict = {}
        for n in graph.nodes:
            for r in n.refs:
                self.readers.setdefault(r, []).append(n)

    # ------------------------------------------------------------------ helpers
    def fail(self, node: Node, message: str):
        raise OnnxImportError(f"{self.g.source}: {node.label()} {message}")

    def shape(self, node: Node, tensor: str) -> tuple:
        s = self.g.shape(tensor)
        if s is None:
            self.fail(node, f"makes or reads {quoted(tensor)}, whose shape ONNX shape inference cannot tell")
        return tuple(s[1:])

    def source(self, node: Node, k: int = 0) -> int:
        tensor = node.inputs[k] if k < len(node.inputs) else ""
        if tensor not in self.made:
            what = "a constant" if tensor in self.g.consts else "no data"
            self.fail(node, f"reads {what} where the designer needs the output of a layer")
        return self.made[tensor]

    def const(self, node: Node, k: int, what: str, optional: bool = False):
        tensor = node.inputs[k] if k < len(node.inputs) else ""
        if not tensor and optional:
            return None
        if tensor not in self.g.consts:
            self.fail(node, f"takes its {what} from data computed at run time; the designer needs a constant")
        return self.g.consts[tensor]

    def unused_extra_outputs(self, node: Node) -> None:
        for o in node.outputs[1:]:
            if o and (self.readers.get(o) or o == self.g.output):
                self.fail(node, f"has its extra output {quoted(o)} read, which the designer cannot represent")

    def alias(self, node: Node, k: int = 0) -> None:
        self.made[node.outputs[0]] = self.source(node, k)

    def emit(self, node, type_: str, config: dict, sources: list, tensor: str = "", arrays=None) -> int:
        i = len(self.layers)
        self.layers.append((type_, config))
        self.sources.append(sources)
        self.labels.append(node)
        out = tensor or node.outputs[0]
        s = self.g.shape(out)
        self.onnx_shapes.append(tuple(s[1:]) if s is not None else None)
        for key, array in (arrays or {}).items():
            self.arrays[f"{i}.{key}"] = np.ascontiguousarray(array, dtype=np.float32)
        self.made[out] = i
        return i

    def dense_flattens(self, n: Node) -> bool:
        """Whether a Flatten is the one our ONNX export writes for a dense layer that reads a volume
        (named after that layer), which the dense layer does itself; any other stays a layer."""
        readers = self.readers.get(n.outputs[0], [])
        return (len(readers) == 1 and n.outputs[0] != self.g.output and readers[0].op == "Gemm"
                and bool(n.name) and n.name == f"{readers[0].name}_flatten")

    # ------------------------------------------------------------------ operators
    def input(self) -> None:
        s = self.g.shapes[self.g.input][1:]
        cfg = {"features": int(s[0])} if len(s) == 1 else {"width": int(s[2]), "height": int(s[1]),
                                                           "depth": int(s[0])}
        self.layers.append(("input", cfg))
        self.sources.append([])
        self.labels.append(None)
        self.onnx_shapes.append(tuple(s))
        self.made[self.g.input] = 0

    def node(self, n: Node) -> None:
        if n.domain:
            self.fail(n, f"is the operator {n.op} of the domain {quoted(n.domain)}, which the designer cannot "
                      f"represent; it imports the standard operators {supported()}")
        handler = handler_of(n.op)
        if handler is None:
            self.fail(n, f"is an operator the designer cannot represent; it imports {supported()}")
        handler(self, n)

    def pointwise(self, n: Node, type_: str, config: Optional[dict] = None) -> None:
        self.emit(n, type_, config or {}, [self.source(n)])

    @maps(SIGN_OP, listed="")
    def op_sign(self, n):  # folding's node for Where(x > 0, 1, -1): the designer's sign exactly
        self.pointwise(n, "sign")

    @maps("Sign", listed="")  # refused, so not in the list of what imports
    def op_Sign(self, n):
        self.fail(n, "is ONNX's Sign, which gives 0 for an input of 0 where the designer's sign gives -1, "
                  "so it cannot be imported faithfully")

    @maps("LeakyRelu")
    def op_LeakyRelu(self, n):
        self.pointwise(n, "leaky_relu", {"alpha": _f(n.attrs.get("alpha", 0.01))})

    @maps("Elu")
    def op_Elu(self, n):
        self.pointwise(n, "elu", {"alpha": _f(n.attrs.get("alpha", 1.0))})

    @maps("Identity")
    def op_Identity(self, n):
        self.alias(n)

    @maps("Dropout")
    def op_Dropout(self, n):
        self.unused_extra_outputs(n)
        rate = n.attrs.get("ratio", 0.5)
        if len(n.inputs) > 1 and n.inputs[1]:
            rate = float(np.ravel(self.const(n, 1, "ratio"))[0])
        self.emit(n, "dropout", {"rate": _f(rate)}, [self.source(n)])

    @maps("Conv")
    def op_Conv(self, n):
        w = self.const(n, 1, "weights")
        b = self.const(n, 2, "bias", optional=True)
        if w.ndim != 4:
            self.fail(n, f"is a {w.ndim - 2}-D convolution; the designer has 2-D ones")
        if any(d != 1 for d in n.attrs.get("dilations", [1, 1])):
            self.fail(n, f"is dilated ({n.attrs['dilations']}); the designer's convolutions are not")
        kernel = list(n.attrs.get("kernel_shape", w.shape[2:]))
        strides = list(n.attrs.get("strides", [1, 1]))
        pads = self.pads(n, kernel, strides)
        if pads[0] != pads[2] or pads[1] != pads[3]:
            self.fail(n, f"pads unevenly (top, left, bottom, right = {pads}); the designer pads a "
                      "convolution by the same amount on both sides")
        cfg = {"filters": int(w.shape[0]), "kernel": pair(kernel), "stride": pair(strides),
               "padding": pair(pads[:2]), "bias": b is not None}
        groups = int(n.attrs.get("group", 1))
        depth = self.shape(n, n.inputs[0])[0]
        if groups < 1 or w.shape[1] * groups != depth or w.shape[0] % groups:
            self.fail(n, f"has weights of shape {list(w.shape)} in {groups} group(s) for an input of {depth} "
                      "channels, which do not fit")
        if groups != 1:
            cfg["groups"] = groups
        arrays = {"weight": w} if b is None else {"weight": w, "bias": b}
        self.emit(n, "conv", cfg, [self.source(n)], arrays=arrays)

    def pads(self, n: Node, kernel: list, strides: list) -> list:
        """[top, left, bottom, right], ``auto_pad`` worked out from the input size."""
        auto = n.attrs.get("auto_pad", "NOTSET")
        if auto in ("NOTSET", ""):
            pads = list(n.attrs.get("pads", [0, 0, 0, 0]))
            if len(pads) != 4:
                self.fail(n, f"has {len(pads) // 2}-D padding; the designer's layers are 2-D")
            return pads
        if auto == "VALID":
            return [0, 0, 0, 0]
        size = self.shape(n, n.inputs[0])[1:]
        begin, end = [], []
        for length, k, s in zip(size, kernel, strides):
            total = max((-(-length // s) - 1) * s + k - length, 0)
            small = total // 2
            begin.append(small if auto == "SAME_UPPER" else total - small)
            end.append(total - begin[-1])
        return begin + end

    def pool(self, n: Node, mode: str):
        self.unused_extra_outputs(n)
        kernel = list(n.attrs.get("kernel_shape", []))
        if len(kernel) != 2 or any(d != 1 for d in n.attrs.get("dilations", [1, 1])):
            self.fail(n, f"pools over {kernel} with dilations {n.attrs.get('dilations', [1, 1])}; the designer "
                      "pools 2-D windows without dilation")
        strides = list(n.attrs.get("strides", [1, 1]))
        in_shape, out_shape = self.shape(n, n.inputs[0]), self.shape(n, n.outputs[0])
        layer = pool_layer(mode, kernel, strides, self.pads(n, kernel, strides), bool(n.attrs.get("ceil_mode", 0)),
                           bool(n.attrs.get("count_include_pad", 0)), in_shape[1:], out_shape[1:])
        if isinstance(layer, str):
            self.fail(n, layer)
        self.emit(n, layer[0], layer[1], [self.source(n)])

    @maps("MaxPool")
    def op_MaxPool(self, n):
        if n.attrs.get("storage_order", 0):
            self.fail(n, "stores its indices column-major, which only matters for an output the designer drops")
        self.pool(n, "max")

    @maps("AveragePool")
    def op_AveragePool(self, n):
        self.pool(n, "avg")

    @maps("LpPool")
    def op_LpPool(self, n):
        if n.attrs.get("p", 2) != 2:
            self.fail(n, f"is an L{n.attrs.get('p')} pool; the designer's is L2 (p = 2)")
        self.pool(n, "l2")

    @maps("GlobalAveragePool")
    def op_GlobalAveragePool(self, n):
        self.emit(n, "global_pool", {"mode": "avg"}, [self.source(n)])

    @maps("GlobalMaxPool")
    def op_GlobalMaxPool(self, n):
        self.emit(n, "global_pool", {"mode": "max"}, [self.source(n)])

    def reduce(self, n, mode):
        rank = len(self.shape(n, n.inputs[0])) + 1
        axes = n.attrs.get("axes")
        if axes is None and len(n.inputs) > 1 and n.inputs[1]:
            axes = np.ravel(self.const(n, 1, "axes"))
        if rank != 4 or axes is None or sorted(int(a) % rank for a in axes) != [2, 3]:
            self.fail(n, f"reduces over the axes {None if axes is None else [int(a) for a in axes]}; the designer "
                      "pools over the two spatial axes (2, 3) of an image")
        if n.attrs.get("keepdims", 1):
            self.emit(n, "global_pool", {"mode": mode}, [self.source(n)])
        else:
            i = self.emit(n, "global_pool", {"mode": mode}, [self.source(n)], tensor=f"{n.outputs[0]}\0pooled")
            self.onnx_shapes[i] = (*self.shape(n, n.outputs[0]), 1, 1)
            self.emit(n, "flatten", {}, [i])

    @maps("ReduceMean")
    def op_ReduceMean(self, n):
        self.reduce(n, "avg")

    @maps("ReduceMax")
    def op_ReduceMax(self, n):
        self.reduce(n, "max")

    @maps("Gemm")
    def op_Gemm(self, n):
        if n.attrs.get("transA", 0):
            self.fail(n, "transposes its input (transA), which the designer cannot represent")
        w = self.const(n, 1, "weights")
        c = self.const(n, 2, "bias", optional=True)
        if w.ndim != 2:
            self.fail(n, f"multiplies by a {w.ndim}-D array; a dense layer's weights are a matrix")
        w = w if n.attrs.get("transB", 0) else w.T
        if n.attrs.get("alpha", 1.0) != 1.0:
            w = w * np.float32(n.attrs["alpha"])
        units = w.shape[0]
        n_in = int(np.prod(self.shape(n, n.inputs[0])))
        if w.shape[1] != n_in:
            self.fail(n, f"multiplies {n_in} inputs by weights made for {w.shape[1]}, which do not fit")
        cfg, arrays = {"units": int(units), "bias": c is not None}, {"weight": w}
        if c is not None:
            if n.attrs.get("beta", 1.0) != 1.0:
                c = c * np.float32(n.attrs["beta"])
            if c.size not in (1, units) or (c.ndim == 2 and c.shape[0] != 1):
                self.fail(n, f"adds a bias of shape {list(c.shape)}; a dense layer's bias has {units} values")
            arrays["bias"] = np.broadcast_to(c.reshape(-1), (units,))
        self.emit(n, "dense", cfg, [self.source(n)], arrays=arrays)

    def flatten(self, n):
        x = self.shape(n, n.inputs[0])
        if len(x) == 1:
            self.alias(n)
        elif self.dense_flattens(n):
            self.alias(n)  # the dense layer flattens the volume itself, depth-major as ONNX does
        else:
            self.emit(n, "flatten", {}, [self.source(n)])

    @maps("Flatten")
    def op_Flatten(self, n):
        if n.attrs.get("axis", 1) != 1:
            self.fail(n, f"flattens from axis {n.attrs.get('axis')}; the designer flattens all but the batch (axis 1)")
        self.flatten(n)

    @maps("Reshape", listed="Reshape to (N, -1)")
    def op_Reshape(self, n):
        x = self.shape(n, n.inputs[0])
        if self.g.shape(n.outputs[0]) is None and n.inputs[1] in self.g.consts:
            # a target computed from Shape (folded since), which shape inference could not follow
            full = (1, *x)
            target = [full[k] if v == 0 and not n.attrs.get("allowzero") else int(v)
                      for k, v in enumerate(np.ravel(self.g.consts[n.inputs[1]]))]
            if target.count(-1) == 1:
                known = int(np.prod([v for v in target if v != -1]))
                target[target.index(-1)] = int(np.prod(full)) // max(known, 1)
            if int(np.prod(target)) == int(np.prod(full)) and all(v > 0 for v in target):
                self.g.shapes[n.outputs[0]] = tuple(target)
        out = self.shape(n, n.outputs[0])
        if len(out) != 1 or out[0] != int(np.prod(x)):
            self.fail(n, f"reshapes {list(x)} into {list(out)} per sample; the designer reshapes only to "
                      "(N, -1), a flatten")
        self.flatten(n)

    def merge(self, n, type_: str):
        dynamic = [i for i in n.inputs if i]
        if any(i in self.g.consts for i in dynamic):
            self.fail(n, "adds a constant; the designer adds constants only as the bias after a MatMul")
        sources = [self.source(n, k) for k in range(len(n.inputs)) if n.inputs[k]]
        if len(sources) == 1:
            self.alias(n)
        else:
            self.emit(n, type_, {}, sources)

    @maps("Add", "Sum")
    def op_Add(self, n):
        self.merge(n, "add")

    @maps("Concat")
    def op_Concat(self, n):
        rank = len(self.shape(n, n.outputs[0])) + 1
        if int(n.attrs.get("axis", 1)) % rank != 1:
            self.fail(n, f"joins along axis {n.attrs.get('axis')}; the designer joins channels (axis 1)")
        self.merge(n, "concat")

    # not a standard operator (the checker refuses it in a file): folding writes it for our export's maxout
    @maps(MAXOUT_OP, listed="")
    def op_Maxout(self, n):
        self.emit(n, "maxout", {"pieces": n.attrs["pieces"]}, [self.source(n)])

    @maps("LRN")
    def op_LRN(self, n):
        size = int(n.attrs["size"])
        if size % 2 == 0 and not n.attrs.get("torch_window"):
            self.fail(n, f"normalises over an even window of {size} channels, which ONNX centres differently "
                      "from the designer (PyTorch's LocalResponseNorm); odd sizes import")
        cfg = {"size": size, "alpha": _f(n.attrs.get("alpha", 1e-4)), "beta": _f(n.attrs.get("beta", 0.75)),
               "k": _f(n.attrs.get("bias", 1.0))}
        self.emit(n, "lrn", cfg, [self.source(n)])

    @maps("BatchNormalization")
    def op_BatchNormalization(self, n):
        self.training_batchnorm(n)
        names = ("weight", "bias", "running_mean", "running_var")
        arrays = {name: self.const(n, k + 1, name.replace("_", " ")) for k, name in enumerate(names)}
        cfg = {"eps": _f(n.attrs.get("epsilon", 1e-5)), "momentum": _f(1.0 - n.attrs.get("momentum", 0.9))}
        self.emit(n, "batchnorm", cfg, [self.source(n)], arrays=arrays)

    def training_batchnorm(self, n: Node) -> None:
        """Refuse a batchnorm exported in training mode: it normalises by each batch's own mean and
        variance (and would update the running ones), which the designer's batchnorm does only
        while training; imported as if in eval mode, its numbers would be wrong."""
        a, why = n.attrs, ""
        if a.get("training_mode", 0):
            why = "training_mode=1"
        elif self.g.opset < 7 and not a.get("is_test", 0):
            why = f"is_test={a.get('is_test', 0)}"
        elif self.g.opset < 9 and a.get("spatial", 1) == 0:
            self.fail(n, "normalises each position separately (spatial=0), which the designer's batchnorm "
                      "(per channel) cannot represent")
        elif any(o for o in n.outputs[1:]):
            why = f"{len([o for o in n.outputs if o]) - 1} extra outputs for the batch statistics"
        if why:
            self.fail(n, f"is a batchnorm exported in training mode ({why}): it normalises by each batch's own "
                      "statistics, so it cannot be imported as the designer's batchnorm; export the model in "
                      "eval mode (model.eval())")

    @maps("Softmax")
    def op_Softmax(self, n):
        x = self.shape(n, n.inputs[0])
        rank = len(x) + 1
        given = n.attrs.get("axis")
        axis = int(given if given is not None else (1 if self.g.opset < 13 else -1)) % rank
        if self.g.opset < 13 and not (axis == 1 and all(d == 1 for d in x[1:])):
            # before opset 13, Softmax flattens the axes from ``axis`` on into one: the designer's
            # softmax is that one only where the axes after the channels have size 1
            names = ("N", "C", "H", "W") if rank == 4 else ("N", "features") if rank == 2 else ("N", *x)
            over = "·".join(str(d) for d in names[axis:])
            self.fail(n, f"is an opset-{self.g.opset} Softmax with axis {axis}, which before opset 13 means one "
                      f"softmax over {over} flattened together ({int(np.prod((1, *x)[axis:]))} values of "
                      f"{list(x)} per sample), while the designer's softmax is over the channels at each position")
        if axis != 1:
            self.fail(n, f"takes the softmax over axis {axis} of {list(x)}; the designer's softmax is over the "
                      "channels or features (axis 1)")
        self.emit(n, "softmax", {}, [self.source(n)])

    @maps("Pad", listed="")  # a zero Pad is read before a Conv or a pool (folding.py)
    def op_Pad(self, n):
        from .folding import pads_of
        mode = n.attrs.get("mode", "constant")
        if mode != "constant":
            self.fail(n, f"pads in {mode} mode (repeating the values at the edges), while the designer's layers "
                      "pad with zeros")
        pads, value = pads_of(self.g, n)
        if pads is None:
            self.fail(n, "pads by amounts computed at run time; the designer needs them constant")
        if value != 0.0:
            self.fail(n, f"pads with the value {_f(value):g}, while the designer's layers pad with zeros")
        readers = self.readers.get(n.outputs[0], [])
        if any(r.op == "MaxPool" for r in readers):
            self.fail(n, "pads with zeros before a max pool, on data that can be negative: the zeros would win "
                      "there, while the designer's max pool leaves its padding out")
        self.fail(n, f"pads by {pads} (begins, then ends of each axis) where no Conv or pool reads it; the "
                  "designer pads only inside a convolution or a pool, by the same amount on both sides")


def _one_node(type_: str) -> Callable:
    def handler(mapper: Mapper, n: Node) -> None:
        mapper.pointwise(n, type_)
    return handler


# A kind without settings that is one ONNX node (``LayerKind.onnx``: Relu, Sigmoid, Tanh) imports
# back from that node, so such a kind needs nothing here.
for _type, _kind in KINDS.items():
    if _kind.onnx:
        maps(_kind.onnx)(_one_node(_type))


def _tidy(type_: str, cfg: dict) -> dict:
    """The settings that differ from the kind's defaults (the file stays short)."""
    defaults = KINDS[type_].defaults() if type_ in KINDS else {}
    return {k: v for k, v in cfg.items() if k not in defaults or defaults[k] != v}


def map_graph(graph: Graph):
    from .document import build
    fold(graph)
    m = Mapper(graph)
    for node in graph.nodes:  # an operator with no layer at all is named before any setting
        if not node.domain and handler_of(node.op) is None:
            m.node(node)
    m.input()
    for node in graph.nodes:
        m.node(node)
    if graph.output not in m.made:
        raise OnnxImportError(f"{graph.source}: its output {quoted(graph.output)} is not made by any layer")
    if m.made[graph.output] != len(m.layers) - 1:
        raise OnnxImportError(f"{graph.source}: its output is not its last layer")
    layers = [(t, _tidy(t, cfg)) for t, cfg in m.layers]
    return build(graph, m, layers)
