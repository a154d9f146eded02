"""Write a network as an ONNX model (opset 17), with its weights as initializers.

The ``onnx`` package is an optional dependency (the ``export`` extra); without it, exporting
raises an ExportError that says so. The graph computes what the network computes in evaluation
mode: dropout is a Dropout node (the identity at inference; kept so that an import gives the
design back), batchnorm uses its running statistics, a final softmax is kept. Nodes and
initializers are named after the layers (``conv1``, ``conv1.weight``, as in the PyTorch
export), so Netron shows the design's names. The
input is named ``input`` with a free batch dimension (channels first), the output ``output``.
"""
from __future__ import annotations

import numpy as np

from ..model import array_shape, dilation_of, pads_of, window_of
from ..interrupts import deferred
from .common import ExportError, checked_report, reads_volume, registrar
from .pytorch import attribute_names

OPSET = 17  # what the export writes (docs/cli.md); onnx_model also writes 13 to 20 (OPSETS)
OPSETS = range(13, 21)


def _require_onnx():
    try:
        with deferred():   # a signal inside onnx's initialisation could crash the process
            import onnx  # noqa: F401
            from onnx import helper, numpy_helper, TensorProto
    except ImportError:
        raise ExportError("exporting to ONNX needs the onnx package, which is not installed; "
                          "install the export extra: pip install 'nn-designer[export]'") from None
    return onnx, helper, numpy_helper, TensorProto


class _Graph:
    def __init__(self, helper, numpy_helper, dtype, opset: int = OPSET):
        self.helper, self.numpy_helper, self.dtype, self.opset = helper, numpy_helper, dtype, opset
        self.nodes, self.inits = [], []

    def const(self, name: str, array) -> str:
        self.inits.append(self.numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name: str, array) -> str:
        return self.const(name, np.asarray(array, dtype=self.dtype))

    def node(self, op: str, inputs: list, name: str, **attrs) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [name], name=name, **attrs))
        return name


def _pads(p: tuple) -> list:
    return [p[0], p[1], p[0], p[1]]  # top, left, bottom, right


# One entry per kind, as the onnx reference implementation keeps one per operator: (the graph,
# the layer's resolved settings, its LayerInfo, the tensors it reads, the weight arrays, its
# name) -> the tensor holding its output. A kind without settings that is one node says so on the
# kind (``onnx``) instead. Adding a kind: one entry here (tests/test_kind_tables.py names a kind
# that has none).
NODES: dict = {}
_nodes_of = registrar(NODES)


def _weights(g: _Graph, name: str, arrays: dict, info, keys) -> list:
    return [g.weight(f"{name}.{key}", arrays[f"{info.index}.{key}"]) for key in keys]


@_nodes_of("input")
def _input(g, cfg, info, xs, arrays, name) -> str:
    return "input"


@_nodes_of("dropout")
def _dropout(g, cfg, info, xs, arrays, name) -> str:  # identity at inference; kept so that an import gives the layer back
    return g.node("Dropout", [xs[0], g.const(f"{name}_ratio", np.array(cfg["rate"], g.dtype))], name)


@_nodes_of("add")
def _add(g, cfg, info, xs, arrays, name) -> str:  # ONNX's Add takes two inputs: a chain of them for more
    total = xs[0]
    for j, other in enumerate(xs[1:], 1):
        total = g.node("Add", [total, other], name if j == len(xs) - 1 else f"{name}_sum{j}")
    return total


@_nodes_of("concat")
def _concat(g, cfg, info, xs, arrays, name) -> str:
    return g.node("Concat", list(xs), name, axis=1)


@_nodes_of("mul")
def _mul(g, cfg, info, xs, arrays, name) -> str:  # (N, D, 1, 1) broadcasts over H×W, as in PyTorch
    total = xs[0]
    for j, other in enumerate(xs[1:], 1):
        total = g.node("Mul", [total, other], name if j == len(xs) - 1 else f"{name}_product{j}")
    return total


@_nodes_of("pad")
def _pad(g, cfg, info, xs, arrays, name) -> str:
    left, right, top, bottom = pads_of(cfg)  # ONNX's pads: the starts of every axis, then the ends
    pads = g.const(f"{name}_pads", np.array([0, 0, top, left, 0, 0, bottom, right], np.int64))
    value = g.weight(f"{name}_value", np.array(cfg.get("value", 0.0)))
    return g.node("Pad", [xs[0], pads, value], name, mode="constant")


@_nodes_of("channel_shuffle")
def _channel_shuffle(g, cfg, info, xs, arrays, name) -> str:
    shape = array_shape(info.input)  # (C, H, W) or (n,)
    groups = int(cfg["groups"])
    grouped = [0, groups, shape[0] // groups, *shape[1:]]
    perm = [0, 2, 1, *range(3, len(grouped))]
    r = g.node("Reshape", [xs[0], g.const(f"{name}_grouped_shape", np.array(grouped, np.int64))],
               f"{name}_grouped")
    t = g.node("Transpose", [r], f"{name}_transposed", perm=perm)
    return g.node("Reshape", [t, g.const(f"{name}_shape", np.array([0, *shape], np.int64))], name)


@_nodes_of("channel_slice")
def _channel_slice(g, cfg, info, xs, arrays, name) -> str:
    starts = g.const(f"{name}_starts", np.array([cfg["start"]], np.int64))
    ends = g.const(f"{name}_ends", np.array([cfg["stop"]], np.int64))
    axes = g.const(f"{name}_axes", np.array([1], np.int64))
    return g.node("Slice", [xs[0], starts, ends, axes], name)


@_nodes_of("global_pool")
def _global_pool(g, cfg, info, xs, arrays, name) -> str:
    return g.node("GlobalMaxPool" if cfg["mode"] == "max" else "GlobalAveragePool", [xs[0]], name)


@_nodes_of("conv")
def _conv(g, cfg, info, xs, arrays, name) -> str:
    k, s, p = window_of("conv", cfg)
    ins = [xs[0]] + _weights(g, name, arrays, info, ("weight", "bias") if cfg["bias"] else ("weight",))
    return g.node("Conv", ins, name, kernel_shape=list(k), strides=list(s),
                  pads=_pads(p), dilations=list(dilation_of(cfg)), group=int(cfg.get("groups", 1)))


@_nodes_of("pool")
def _pool(g, cfg, info, xs, arrays, name) -> str:
    k, s, p = window_of("pool", cfg)
    ceil = int(bool(cfg.get("ceil")))
    extra = _dropped_window(cfg, info, k, s, p) if ceil else None
    count = int(bool(cfg.get("count_include_pad", True)))
    if extra is not None:  # rounded up, but PyTorch drops a last window starting in the padding
        return _pool_without_last(g, cfg, xs, name, k, s, p, extra, count)
    if cfg["mode"] == "max":
        return g.node("MaxPool", [xs[0]], name, kernel_shape=list(k), strides=list(s), pads=_pads(p),
                      dilations=list(dilation_of(cfg)), ceil_mode=ceil)
    if cfg["mode"] == "avg":
        return g.node("AveragePool", [xs[0]], name, kernel_shape=list(k), strides=list(s),
                      pads=_pads(p), count_include_pad=count, ceil_mode=ceil)
    return g.node("LpPool", [xs[0]], name, kernel_shape=list(k), strides=list(s), p=2)


def _dropped_window(cfg, info, k, s, p):
    """ONNX's ceil_mode keeps a last window that starts in the end padding, which PyTorch (and the
    designer) drop: where that happens, the padding (rows, columns) to add at the end so that
    rounding down gives PyTorch's count; else None."""
    from ..model import out_size, spanned
    sizes = array_shape(info.input)[1:]
    extra, dropped = [], False
    for n, kk, ss, pp in zip(sizes, spanned(k, dilation_of(cfg)), s, p):
        torch_count = out_size(n, kk, ss, pp, True)
        dropped |= torch_count < -(-(n + 2 * pp - kk) // ss) + 1
        extra.append(max((torch_count - 1) * ss + kk - (n + 2 * pp), 0))  # 0: rounding down already gives it
    return extra if dropped else None


def _pool_without_last(g, cfg, xs, name, k, s, p, extra, count) -> str:
    """The rounded-up pool as one that rounds down over ``extra`` more cells at the end, which
    count in no average: a max ignores them; an average that counts its padding gets that
    padding from a Pad node (zeros it counts as values) and leaves the extra cells out."""
    ends = [p[0] + extra[0], p[1] + extra[1]]
    if cfg["mode"] == "max":
        return g.node("MaxPool", [xs[0]], name, kernel_shape=list(k), strides=list(s), pads=[*p, *ends],
                      dilations=list(dilation_of(cfg)), ceil_mode=0)
    x = xs[0]
    if count and any(p):
        pads = g.const(f"{name}_pads", np.array([0, 0, p[0], p[1], 0, 0, p[0], p[1]], np.int64))
        x = g.node("Pad", [x, pads], f"{name}_pad", mode="constant")
        p, ends = (0, 0), list(extra)
    return g.node("AveragePool", [x], name, kernel_shape=list(k), strides=list(s), pads=[*p, *ends],
                  count_include_pad=0, ceil_mode=0)


@_nodes_of("flatten")
def _flatten(g, cfg, info, xs, arrays, name) -> str:
    return g.node("Flatten", [xs[0]], f"{name}_flatten", axis=1) if reads_volume(info) else xs[0]


@_nodes_of("dense")
def _dense(g, cfg, info, xs, arrays, name) -> str:
    x = _flatten(g, cfg, info, xs, arrays, name)
    ins = [x] + _weights(g, name, arrays, info, ("weight", "bias") if cfg["bias"] else ("weight",))
    return g.node("Gemm", ins, name, transB=1)


@_nodes_of("softmax")
def _softmax(g, cfg, info, xs, arrays, name) -> str:
    return g.node("Softmax", [xs[0]], name, axis=1)


@_nodes_of("log_softmax")
def _log_softmax(g, cfg, info, xs, arrays, name) -> str:
    return g.node("LogSoftmax", [xs[0]], name, axis=1)


@_nodes_of("leaky_relu")
def _leaky_relu(g, cfg, info, xs, arrays, name) -> str:
    return g.node("LeakyRelu", [xs[0]], name, alpha=float(cfg["alpha"]))


@_nodes_of("elu")
def _elu(g, cfg, info, xs, arrays, name) -> str:
    return g.node("Elu", [xs[0]], name, alpha=float(cfg["alpha"]))


@_nodes_of("sign")
def _sign(g, cfg, info, xs, arrays, name) -> str:  # +1 if x > 0 else -1 (ONNX's Sign gives 0 at 0)
    zero = g.weight(f"{name}_zero", 0.0)
    pos = g.node("Greater", [xs[0], zero], f"{name}_positive")
    return g.node("Where", [pos, g.weight(f"{name}_plus", 1.0), g.weight(f"{name}_minus", -1.0)], name)


def _clip(g, x, lo: float, hi: float, name: str) -> str:
    """Clip with constant bounds: since opset 11 they are inputs, not attributes."""
    return g.node("Clip", [x, g.weight(f"{name}_min", lo), g.weight(f"{name}_max", hi)], name)


@_nodes_of("relu6")
def _relu6(g, cfg, info, xs, arrays, name) -> str:
    return _clip(g, xs[0], 0.0, 6.0, name)


@_nodes_of("hardtanh")
def _hardtanh(g, cfg, info, xs, arrays, name) -> str:
    return _clip(g, xs[0], float(cfg["min_val"]), float(cfg["max_val"]), name)


@_nodes_of("hardsigmoid")
def _hardsigmoid(g, cfg, info, xs, arrays, name) -> str:
    # PyTorch's relu6(x + 3)/6; ONNX's HardSigmoid defaults to alpha 0.2 (Keras's), so both are given
    return g.node("HardSigmoid", [xs[0]], name, alpha=1.0 / 6, beta=0.5)


@_nodes_of("hardswish")
def _hardswish(g, cfg, info, xs, arrays, name) -> str:
    if g.opset >= 14:  # HardSwish is an operator from opset 14 on
        return g.node("HardSwish", [xs[0]], name)
    gate = g.node("HardSigmoid", [xs[0]], f"{name}_gate", alpha=1.0 / 6, beta=0.5)
    return g.node("Mul", [xs[0], gate], name)


@_nodes_of("silu")
def _silu(g, cfg, info, xs, arrays, name) -> str:  # x·σ(x): ONNX has no Swish operator
    return g.node("Mul", [xs[0], g.node("Sigmoid", [xs[0]], f"{name}_sigmoid")], name)


@_nodes_of("gelu")
def _gelu(g, cfg, info, xs, arrays, name) -> str:
    """ONNX's Gelu is an operator of opset 20 only: before it, its formula in nodes (as PyTorch's
    exporter writes it): x·(1 + erf(x/√2))/2, or x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2."""
    x = xs[0]
    if g.opset >= 20:
        return g.node("Gelu", [x], name, approximate=cfg["approximate"])
    if cfg["approximate"] == "tanh":
        cube = g.node("Mul", [g.node("Mul", [x, x], f"{name}_square"), x], f"{name}_cube")
        inner = g.node("Add", [x, g.node("Mul", [cube, g.weight(f"{name}_kappa", 0.044715)], f"{name}_kx3")],
                       f"{name}_inner")
        scaled = g.node("Mul", [inner, g.weight(f"{name}_beta", np.sqrt(2 / np.pi))], f"{name}_scaled")
        gate = g.node("Tanh", [scaled], f"{name}_tanh")
    else:
        scaled = g.node("Div", [x, g.weight(f"{name}_sqrt2", np.sqrt(2.0))], f"{name}_scaled")
        gate = g.node("Erf", [scaled], f"{name}_erf")
    one_plus = g.node("Add", [gate, g.weight(f"{name}_one", 1.0)], f"{name}_one_plus")
    half_x = g.node("Mul", [x, g.weight(f"{name}_half", 0.5)], f"{name}_half_x")
    return g.node("Mul", [half_x, one_plus], name)


@_nodes_of("maxout")
def _maxout(g, cfg, info, xs, arrays, name) -> str:
    k = cfg["pieces"]
    shape = array_shape(info.input)
    grouped = [0, shape[0] // k, k, *shape[1:]]
    r = g.node("Reshape", [xs[0], g.const(f"{name}_shape", np.array(grouped, np.int64))], f"{name}_grouped")
    if g.opset >= 18:  # the axes became an input
        return g.node("ReduceMax", [r, g.const(f"{name}_axes", np.array([2], np.int64))], name, keepdims=0)
    return g.node("ReduceMax", [r], name, axes=[2], keepdims=0)


@_nodes_of("lrn")
def _lrn(g, cfg, info, xs, arrays, name) -> str:
    size = int(cfg["size"])
    if size % 2 == 0:  # ONNX's LRN takes odd sizes only (and would centre an even one elsewhere)
        return _lrn_even(g, cfg, info, xs, name)
    lrn = dict(size=size, alpha=float(cfg["alpha"]), beta=float(cfg["beta"]), bias=float(cfg["k"]))
    if reads_volume(info):
        return g.node("LRN", [xs[0]], name, **lrn)
    axes = g.const(f"{name}_axes", np.array([2, 3], np.int64))  # LRN wants (N, C, H, W)
    x = g.node("LRN", [g.node("Unsqueeze", [xs[0], axes], f"{name}_unsqueeze")], f"{name}_lrn_3d", **lrn)
    return g.node("Squeeze", [x, axes], name)


def _lrn_even(g, cfg, info, xs, name) -> str:
    """PyTorch's LocalResponseNorm written out as its own ONNX export writes it: the squares
    padded by size // 2 channels in front and (size - 1) // 2 behind, averaged over windows of
    ``size`` channels (a 3-D AveragePool over a (N, 1, C, H, W) view), then
    x / (k + alpha * average) ** beta. The importer folds it back into one LRN layer."""
    size = int(cfg["size"])
    axes = g.const(f"{name}_axes", np.array([1] if reads_volume(info) else [1, 3, 4], np.int64))
    square = g.node("Mul", [xs[0], xs[0]], f"{name}_square")
    view = g.node("Unsqueeze", [square, axes], f"{name}_view")
    pads = g.const(f"{name}_pads", np.array([0, 0, size // 2, 0, 0, 0, 0, (size - 1) // 2, 0, 0], np.int64))
    padded = g.node("Pad", [view, pads], f"{name}_pad")
    mean = g.node("AveragePool", [padded], f"{name}_window", kernel_shape=[size, 1, 1], strides=[1, 1, 1],
                  count_include_pad=1)
    mean = g.node("Squeeze", [mean, axes], f"{name}_mean")
    scaled = g.node("Mul", [mean, g.weight(f"{name}_alpha", cfg["alpha"])], f"{name}_scaled")
    base = g.node("Add", [scaled, g.weight(f"{name}_k", cfg["k"])], f"{name}_base")
    return g.node("Div", [xs[0], g.node("Pow", [base, g.weight(f"{name}_beta", cfg["beta"])], f"{name}_pow")], name)


@_nodes_of("batchnorm")
def _batchnorm(g, cfg, info, xs, arrays, name) -> str:
    ins = [xs[0]] + _weights(g, name, arrays, info, ("weight", "bias", "running_mean", "running_var"))
    return g.node("BatchNormalization", ins, name, epsilon=float(cfg["eps"]),
                  momentum=1.0 - float(cfg["momentum"]))


def _per_channel(g: _Graph, name: str, array, info) -> str:
    """A per-channel constant shaped to broadcast over (N, C, H, W): (C, 1, 1); a vector's (n,).
    ONNX broadcasts from the last axis, so a (C,) constant would scale W."""
    a = np.asarray(array)
    return g.weight(name, a.reshape(-1, 1, 1) if reads_volume(info) else a)


@_nodes_of("layer_norm")
def _layer_norm(g, cfg, info, xs, arrays, name) -> str:
    """LayerNormalization (opset 17) over the last axis: a volume's channels moved there and back,
    as torchvision's LayerNorm2d exports."""
    if g.opset < 17:
        raise ExportError(f"layer {info.index} (layer_norm) needs ONNX's LayerNormalization, an operator "
                          f"from opset 17 on; this export writes opset {g.opset}")
    weights = _weights(g, name, arrays, info, ("weight", "bias"))
    if not reads_volume(info):
        return g.node("LayerNormalization", [xs[0], *weights], name, axis=-1, epsilon=float(cfg["eps"]))
    last = g.node("Transpose", [xs[0]], f"{name}_channels_last", perm=[0, 2, 3, 1])
    normed = g.node("LayerNormalization", [last, *weights], f"{name}_norm", axis=-1, epsilon=float(cfg["eps"]))
    return g.node("Transpose", [normed], name, perm=[0, 3, 1, 2])


@_nodes_of("layer_scale")
def _layer_scale(g, cfg, info, xs, arrays, name) -> str:
    return g.node("Mul", [xs[0], _per_channel(g, f"{name}.weight", arrays[f"{info.index}.weight"], info)], name)


@_nodes_of("scale_shift")
def _scale_shift(g, cfg, info, xs, arrays, name) -> str:
    scaled = g.node("Mul", [xs[0], _per_channel(g, f"{name}.scale", arrays[f"{info.index}.scale"], info)],
                    f"{name}_scaled")
    return g.node("Add", [scaled, _per_channel(g, f"{name}.shift", arrays[f"{info.index}.shift"], info)], name)


def _layer(g: _Graph, layer, info, xs: list, arrays: dict, name: str) -> str:
    """Add the nodes of one layer (named after it, as in the PyTorch export) reading the tensors
    ``xs``; returns the name of the layer's output."""
    make = NODES.get(layer.type)
    if make is not None:
        return make(g, layer.resolved(), info, xs, arrays, name)
    if layer.kind.onnx:  # a kind without settings that is one node (Relu)
        return g.node(layer.kind.onnx, [xs[0]], name)
    raise ExportError(f"layer {info.index} ({layer.type}) has no ONNX equivalent in the exporter")


def onnx_model(network, arrays: dict, dtype=np.float32, opset: int = OPSET):
    """The ``onnx.ModelProto`` of ``network`` with the given weight arrays (weights-file keys),
    written for ``opset`` (one of OPSETS: hard-swish is its own operator from 14 on, GELU from 20;
    layer_norm needs 17)."""
    onnx, helper, numpy_helper, TensorProto = _require_onnx()
    if opset not in OPSETS:
        raise ExportError(f"the ONNX export writes opsets {OPSETS[0]} to {OPSETS[-1]}, not {opset}")
    report = checked_report(network)
    g = _Graph(helper, numpy_helper, np.dtype(dtype), opset)
    names = [f"{n}_layer" if n in ("input", "output") else n for n in attribute_names(network)]
    outs = []  # the tensor holding each layer's output
    for layer, info, name in zip(network.layers, report.layers, names):
        outs.append(_layer(g, layer, info, [outs[s] for s in info.sources], arrays, name))
    g.node("Identity", [outs[-1]], "output")
    elem = TensorProto.DOUBLE if np.dtype(dtype) == np.float64 else TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes, network.name or "network",
        [helper.make_tensor_value_info("input", elem, ["N", *array_shape(report.input)])],
        [helper.make_tensor_value_info("output", elem, ["N", *array_shape(report.output)])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="nn-designer")
    model.ir_version = min(model.ir_version, 8 if opset <= 18 else 9)  # readable by older runtimes
    onnx.checker.check_model(model)
    # Every tensor's shape recorded in the file (Netron shows them on the edges); strict, so a
    # graph whose shapes do not work out fails here rather than in a runtime.
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def write_onnx(network, arrays: dict, out) -> None:
    from ..atomic import write_bytes_atomic
    write_bytes_atomic(out, onnx_model(network, arrays).SerializeToString())
