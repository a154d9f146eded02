"""Turn a folded ONNX graph into layers: one operator, one layer (or none, for those that only
pass data on), in the graph's order, reading the layers that made their inputs.

``OPERATORS`` (registry.py) is the importer's registry, keyed by ONNX op type: the classic
operators' handlers are ``Mapper`` methods registered with ``@maps`` that add the layer (or
layers, or none: an Identity) the node becomes (a kind that is one node without settings,
``LayerKind.onnx``, gets one from the catalogue); the modern CNNs' are in vocabulary.py.

``NOT_IMPORTABLE`` names the layer kinds whose ONNX export cannot be read back, with the reason
(tests/test_kind_tables.py checks that every other kind's export writes only registered operators).
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..model import KINDS
from . import OnnxImportError
from .folding import MAXOUT_OP, SIGN_OP, fold
from .pooling import pair, pool_layer
from .reading import Graph, Node, quoted
from .registry import NOT_IMPORTABLE, OPERATORS, Operator, _f, handler_of, maps, supported
from .vocabulary import LATER, constant_operand  # importing it registers the modern CNNs' operators

__all__ = ["NOT_IMPORTABLE", "OPERATORS", "Operator", "Mapper", "map_graph", "supported"]


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
        self.makers: dict = {}  # tensor -> the node that makes it
        for n in graph.nodes:
            for r in n.refs:
                self.readers.setdefault(r, []).append(n)
            self.makers.update((o, n) for o in n.outputs if o)
            self.check_window(n)

    # A window's sizes below 1 leave ONNX shape inference without an answer, and the first node to
    # ask for the shape was blamed (a Conv's zero stride was said of the Flatten after it).
    WINDOW_ATTRIBUTES = {"strides": "stride", "dilations": "dilation", "kernel_shape": "kernel size"}

    def check_window(self, node: Node) -> None:
        for key, what in self.WINDOW_ATTRIBUTES.items():
            values = node.attrs.get(key)
            if isinstance(values, (list, tuple)) and any(not isinstance(v, int) or v < 1 for v in values):
                self.fail(node, f"has {key} {list(values)}; a {what} is at least 1")

    # ------------------------------------------------------------------ helpers
    def fail(self, node: Node, message: str):
        raise OnnxImportError(f"{self.g.source}: {node.label()} {message}")

    def shape(self, node: Node, tensor: str) -> tuple:
        s = self.g.shape(tensor)
        if s is None:  # said of the node that makes the tensor, where the cause is
            maker = self.makers.get(tensor, node)
            self.fail(maker, f"makes {quoted(tensor)}, whose shape ONNX shape inference cannot tell")
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
        # in training mode a Dropout zeroes values at random: the designer's dropout layer is the
        # identity outside training, so that would be other numbers
        if self.g.opset < 7 and not n.attrs.get("is_test", 0):
            self.fail(n, f"drops values at random (is_test={n.attrs.get('is_test', 0)}: training mode), which "
                      "the designer's dropout does only while training; export the model in eval mode")
        if len(n.inputs) > 2 and n.inputs[2]:
            mode = self.const(n, 2, "training mode")
            if bool(np.ravel(mode)[0]):
                self.fail(n, "drops values at random (training mode: training_mode is true), which the designer's dropout does "
                          "only while training; export the model in eval mode")
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
        kernel = list(n.attrs.get("kernel_shape", w.shape[2:]))
        strides = list(n.attrs.get("strides", [1, 1]))
        dilations = [int(d) for d in n.attrs.get("dilations", [1, 1])]
        if len(dilations) != 2 or any(d < 1 for d in dilations):
            self.fail(n, f"has the dilations {dilations}; the designer's are two of 1 or more")
        pads = self.pads(n, [d * (k - 1) + 1 for k, d in zip(kernel, dilations)], strides)
        source = self.source(n)
        if pads[0] != pads[2] or pads[1] != pads[3]:  # TensorFlow's SAME: a pad layer of zeros first
            source = self.pad_layer(n, pads, 0.0, source, tensor=f"{n.outputs[0]}\0padded")
            pads = [0, 0, 0, 0]
        cfg = {"filters": int(w.shape[0]), "kernel": pair(kernel), "stride": pair(strides),
               "padding": pair(pads[:2]), "bias": b is not None}
        if dilations != [1, 1]:
            cfg["dilation"] = pair(dilations)
        groups = int(n.attrs.get("group", 1))
        depth = self.shape(n, n.inputs[0])[0]
        if groups < 1 or w.shape[1] * groups != depth or w.shape[0] % groups:
            self.fail(n, f"has weights of shape {list(w.shape)} in {groups} group(s) for an input of {depth} "
                      "channels, which do not fit")
        if groups != 1:
            cfg["groups"] = groups
        arrays = {"weight": w} if b is None else {"weight": w, "bias": b}
        self.emit(n, "conv", cfg, [source], arrays=arrays)

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
        dilations = [int(d) for d in n.attrs.get("dilations", [1, 1])]
        if len(kernel) != 2 or len(dilations) != 2:
            self.fail(n, f"pools over {kernel} with dilations {dilations}; the designer pools 2-D windows")
        strides = list(n.attrs.get("strides", [1, 1]))
        in_shape, out_shape = self.shape(n, n.inputs[0]), self.shape(n, n.outputs[0])
        span = [d * (k - 1) + 1 for k, d in zip(kernel, dilations)]
        layer = pool_layer(mode, kernel, strides, self.pads(n, span, strides), bool(n.attrs.get("ceil_mode", 0)),
                           bool(n.attrs.get("count_include_pad", 0)), in_shape[1:], out_shape[1:], dilations)
        if isinstance(layer, str):
            self.fail(n, layer)
        source = self.source(n)
        if layer[0] == "pad":
            _, sides, value, layer = layer
            source = self.pad_layer(n, sides, value, source, tensor=f"{n.outputs[0]}\0padded")
        self.emit(n, layer[0], layer[1], [source])

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
            target = [(full[k] if k < len(full) else -2) if v == 0 and not n.attrs.get("allowzero") else int(v)
                      for k, v in enumerate(np.ravel(self.g.consts[n.inputs[1]]))]  # -2: a 0 past the input's axes
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

    @maps("MatMul")
    def op_MatMul(self, n):  # one by a constant matrix that folding did not make a dense layer
        if all(i and i not in self.g.consts for i in n.inputs[:2]):
            self.fail(n, "multiplies two computed tensors (attention, as in a vision transformer), which the "
                      "designer does not have yet, so the model cannot be imported")
        self.fail(n, f"multiplies {list(self.shape(n, n.inputs[0]))} by a constant matrix along its last axis; the "
                  "designer's dense layer reads a vector (N, features)")

    def merge(self, n, type_: str):
        constant = next((i for i in n.inputs if i and i in self.g.consts), None)
        if constant is not None and type_ == "add" and len([i for i in n.inputs if i]) == 2:
            values = constant_operand(self, n, constant, "adds")
            ones = np.ones_like(values)
            self.emit(n, "scale_shift", {}, [self.source(n, n.inputs.index(self.other(n, constant)))],
                      arrays={"scale": ones, "shift": values})
            return
        if constant is not None:
            constant_operand(self, n, constant, "joins", refuse=True)
        self.broadcast_merge(n, type_)

    @staticmethod
    def other(n: Node, tensor: str) -> str:
        return next(i for i in n.inputs if i and i != tensor)

    def broadcast_merge(self, n: Node, type_: str) -> None:
        """An add, mul or concat of layers' outputs. ONNX broadcasts any axis of size 1; the designer's
        add takes one shape, its mul also a C×1×1 gate over a C×H×W input: anything else is refused
        (broadcast along another axis it would give other numbers)."""
        tensors = [i for i in n.inputs if i]
        out = self.shape(n, n.outputs[0])
        for t in tensors:
            s = self.shape(n, t)
            gate = type_ == "mul" and len(out) == 3 and s == (out[0], 1, 1)
            if type_ != "concat" and s != out and not gate:
                self.fail(n, f"broadcasts {list(s)} to {list(out)} per sample, which the designer's {type_} does not "
                          "(it takes inputs of one shape" + (", or a C×1×1 gate over a C×H×W input)" if type_ == "mul"
                                                             else ")"))
        sources = [self.source(n, k) for k in range(len(n.inputs)) if n.inputs[k]]
        if len(set(sources)) < len(sources):
            self.fail(n, f"reads the same tensor more than once, while the designer's {type_} reads each layer once")
        if len(sources) == 1:
            self.alias(n)
        else:
            self.emit(n, type_, {}, sources)

    def pad_layer(self, n: Node, sides: list, value: float, source: int, tensor: str = "") -> int:
        """A pad layer of [top, left, bottom, right] cells of ``value``: the node's output, or the
        intermediate ``tensor`` before the layer that the node also is (its shape worked out)."""
        top, left, bottom, right = (int(v) for v in sides)
        cfg = {"left": left, "right": right, "top": top, "bottom": bottom, "value": _f(value)}
        i = self.emit(n, "pad", cfg, [source], tensor=tensor)
        if tensor:
            c, h, w = self.shape(n, n.inputs[0])
            self.onnx_shapes[i] = (c, h + top + bottom, w + left + right)
        return i

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
    for node in graph.nodes:  # what the designer has no layer for yet is said first (a ViT's attention,
        if node.op in LATER or (node.op == "MatMul" and all(  # not the Reshape before it)
                i and i not in graph.consts for i in node.inputs[:2])):
            m.node(node)
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

