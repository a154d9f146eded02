"""Write a network as an ONNX model (opset 17), with its weights as initializers.

The ``onnx`` package is an optional dependency (the ``export`` extra); without it, exporting
raises an ExportError that says so. The graph computes what the network computes in evaluation
mode: dropout is left out, batchnorm uses its running statistics, a final softmax is kept. Nodes and
initializers are named after the layers (``conv1``, ``conv1.weight``, as in the PyTorch
export), so Netron shows the design's names. The
input is named ``input`` with a free batch dimension (channels first), the output ``output``.
"""
from __future__ import annotations

import numpy as np

from ..model.kinds_spatial import window_of
from . import ExportError, channels_first, checked_report
from .pytorch import attribute_names

OPSET = 17


def _require_onnx():
    try:
        import onnx  # noqa: F401
        from onnx import helper, numpy_helper, TensorProto
    except ImportError:
        raise ExportError("exporting to ONNX needs the onnx package, which is not installed; "
                          "install the export extra: pip install 'nn-designer[export]'") from None
    return onnx, helper, numpy_helper, TensorProto


class _Graph:
    def __init__(self, helper, numpy_helper, dtype):
        self.helper, self.numpy_helper, self.dtype = helper, numpy_helper, dtype
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


def _layer(g: _Graph, layer, info, x: str, arrays: dict, name: str) -> str:
    """Add the nodes of one layer (named after it, as in the PyTorch export) reading ``x``;
    returns the name of the layer's output."""
    cfg = layer.resolved()
    t, i = layer.type, info.index
    vol = info.input is not None and len(info.input) == 3
    if t in ("input", "dropout"):
        return x
    if t == "conv":
        k, s, p = window_of(t, cfg)
        ins = [x, g.weight(f"{name}.weight", arrays[f"{i}.weight"])]
        if cfg["bias"]:
            ins.append(g.weight(f"{name}.bias", arrays[f"{i}.bias"]))
        return g.node("Conv", ins, name, kernel_shape=list(k), strides=list(s),
                      pads=_pads(p))
    if t == "pool":
        k, s, p = window_of(t, cfg)
        if cfg["mode"] == "max":
            return g.node("MaxPool", [x], name, kernel_shape=list(k), strides=list(s), pads=_pads(p))
        if cfg["mode"] == "avg":
            return g.node("AveragePool", [x], name, kernel_shape=list(k), strides=list(s),
                          pads=_pads(p), count_include_pad=1)
        return g.node("LpPool", [x], name, kernel_shape=list(k), strides=list(s), p=2)
    if t in ("dense", "flatten"):
        if vol:
            x = g.node("Flatten", [x], f"{name}_flatten", axis=1)
        if t == "flatten":
            return x
        ins = [x, g.weight(f"{name}.weight", arrays[f"{i}.weight"])]
        if cfg["bias"]:
            ins.append(g.weight(f"{name}.bias", arrays[f"{i}.bias"]))
        return g.node("Gemm", ins, name, transB=1)
    if layer.kind.onnx:  # a kind without settings that is one node (Relu)
        return g.node(layer.kind.onnx, [x], name)
    if t == "softmax":
        return g.node("Softmax", [x], name, axis=1)
    if t == "leaky_relu":
        return g.node("LeakyRelu", [x], name, alpha=float(cfg["alpha"]))
    if t == "elu":
        return g.node("Elu", [x], name, alpha=float(cfg["alpha"]))
    if t == "sign":  # +1 if x > 0 else -1 (ONNX's Sign gives 0 at 0)
        zero = g.weight(f"{name}_zero", 0.0)
        pos = g.node("Greater", [x, zero], f"{name}_positive")
        return g.node("Where", [pos, g.weight(f"{name}_plus", 1.0), g.weight(f"{name}_minus", -1.0)], name)
    if t == "maxout":
        k = cfg["pieces"]
        shape = channels_first(info.input)
        grouped = [0, shape[0] // k, k, *shape[1:]]
        r = g.node("Reshape", [x, g.const(f"{name}_shape", np.array(grouped, np.int64))], f"{name}_grouped")
        return g.node("ReduceMax", [r], name, axes=[2], keepdims=0)
    if t == "lrn":
        lrn = dict(size=int(cfg["size"]), alpha=float(cfg["alpha"]), beta=float(cfg["beta"]),
                   bias=float(cfg["k"]))
        if vol:
            return g.node("LRN", [x], name, **lrn)
        axes = g.const(f"{name}_axes", np.array([2, 3], np.int64))  # LRN wants (N, C, H, W)
        x = g.node("LRN", [g.node("Unsqueeze", [x, axes], f"{name}_unsqueeze")], f"{name}_lrn_3d", **lrn)
        return g.node("Squeeze", [x, axes], name)
    if t == "batchnorm":
        ins = [x] + [g.weight(f"{name}.{n}", arrays[f"{i}.{n}"])
                     for n in ("weight", "bias", "running_mean", "running_var")]
        return g.node("BatchNormalization", ins, name, epsilon=float(cfg["eps"]),
                      momentum=1.0 - float(cfg["momentum"]))
    raise ExportError(f"layer {i} ({t}) has no ONNX equivalent in the exporter")


def onnx_model(network, arrays: dict, dtype=np.float32):
    """The ``onnx.ModelProto`` of ``network`` with the given weight arrays (weights-file keys)."""
    onnx, helper, numpy_helper, TensorProto = _require_onnx()
    report = checked_report(network)
    g = _Graph(helper, numpy_helper, np.dtype(dtype))
    x = "input"
    names = [f"{n}_layer" if n in ("input", "output") else n for n in attribute_names(network)]
    for layer, info, name in zip(network.layers, report.layers, names):
        x = _layer(g, layer, info, x, arrays, name)
    x = g.node("Identity", [x], "output")
    elem = TensorProto.DOUBLE if np.dtype(dtype) == np.float64 else TensorProto.FLOAT
    graph = helper.make_graph(
        g.nodes, network.name or "network",
        [helper.make_tensor_value_info("input", elem, ["N", *channels_first(report.input)])],
        [helper.make_tensor_value_info("output", elem, ["N", *channels_first(report.output)])],
        initializer=g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="nn-designer")
    model.ir_version = min(model.ir_version, 8)  # readable by older runtimes
    onnx.checker.check_model(model)
    # Every tensor's shape recorded in the file (Netron shows them on the edges); strict, so a
    # graph whose shapes do not work out fails here rather than in a runtime.
    return onnx.shape_inference.infer_shapes(model, strict_mode=True)


def write_onnx(network, arrays: dict, out) -> None:
    from ..atomic import write_bytes_atomic
    write_bytes_atomic(out, onnx_model(network, arrays).SerializeToString())
