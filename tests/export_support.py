"""What the export tests share: designs that together hold every layer kind, and running an
exported module.

``EVERY_KIND`` has every kind but ``sign`` (``SIGN_NET``'s, whose straight-through gradient wants a
network of its own to train): the kinds with settings, merges and pooling written out, and every
kind that is one module and one node without settings (relu, sigmoid, tanh, ...) taken from the
catalogue, so a new one is exported, trained and imported back by every test that uses it.
``missing_kinds()`` names the kinds neither design holds (a test fails on them)."""
from __future__ import annotations

from designer.model import KINDS

# Kinds without settings that are one PyTorch module and one ONNX node: they keep the shape.
PLAIN = [t for t, kind in KINDS.items() if not kind.keys and not kind.is_merge and kind.torch_module and kind.onnx]

VOCAB_LAYERS = [  # the modern vocabulary's layers and keys (a segment of EVERY_KIND: 2×2×12 in, 2×2×6 out)
    {"type": "pad", "left": 1, "right": 0, "top": 0, "bottom": 2, "value": 0.25},
    {"type": "conv", "filters": 12, "kernel": 3, "groups": 12, "padding": 1, "id": "dw"},
    {"type": "global_pool", "mode": "avg"},
    {"type": "sigmoid", "id": "gate"},
    {"type": "mul", "inputs": ["dw", "gate"]},
    {"type": "channel_shuffle", "groups": 3},
    {"type": "channel_slice", "start": 2, "stop": 10},
    {"type": "conv", "filters": 6, "kernel": 2, "dilation": 2, "padding": 1},
    {"type": "pool", "mode": "avg", "size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"type": "pool", "mode": "max", "size": 2, "stride": 1, "padding": 1, "dilation": 2},
]

EVERY_KIND = {"format": "nn-designer", "version": 2, "name": "every kind", "layers": [
    {"type": "input", "width": 9, "height": 8, "depth": 3},
    {"type": "conv", "filters": 8, "kernel": [3, 2], "padding": 1},
    {"type": "batchnorm"},
    {"type": "layer_norm"}, {"type": "layer_scale", "init": 0.5}, {"type": "scale_shift"},
    {"type": "maxout", "pieces": 2},
    {"type": "pool", "mode": "avg", "size": 2, "padding": 1},
    {"type": "lrn", "size": 3},
    {"type": "elu"},
    {"type": "conv", "filters": 6, "kernel": 3, "stride": 2, "padding": "same", "bias": False},
    {"type": "leaky_relu", "alpha": 0.1},
    {"type": "pool", "mode": "l2", "size": 2, "stride": 1},
    {"type": "pool", "mode": "max", "size": 1, "id": "trunk"},
    {"type": "pool", "mode": "avg", "size": 3, "stride": 1, "padding": 1, "id": "side"},
    {"type": "add", "inputs": ["trunk", "side"], "id": "sum"},
    {"type": "concat", "inputs": ["sum", "trunk"]},
    *VOCAB_LAYERS,
    {"type": "global_pool", "mode": "max"},
    {"type": "flatten"},
    {"type": "dense", "units": 12},
    {"type": "batchnorm"},
    {"type": "lrn", "size": 3},
    {"type": "dropout", "rate": 0.5},
    {"type": "maxout", "pieces": 3},
    {"type": "dense", "units": 5},
    {"type": "relu6"}, {"type": "hardtanh", "min_val": -0.5, "max_val": 2.0}, {"type": "hardsigmoid"},
    {"type": "hardswish"}, {"type": "silu"}, {"type": "gelu"}, {"type": "gelu", "approximate": "tanh"},
    {"type": "log_softmax"}, {"type": "layer_norm", "eps": 1e-6}, {"type": "layer_scale"}, {"type": "scale_shift"},
    *({"type": t} for t in PLAIN),
    {"type": "dense", "units": 3, "id": "head"},
    {"type": "global_pool", "mode": "avg", "inputs": ["trunk"]},
    {"type": "flatten", "id": "pooled"},
    {"type": "concat", "inputs": ["head", "pooled"]},
    {"type": "dense", "units": 4, "bias": False},
    {"type": "softmax"}]}

SIGN_NET = {"format": "nn-designer", "version": 1, "name": "two perceptrons", "layers": [
    {"type": "input", "features": 4},
    {"type": "dense", "units": 6, "name": "hidden"},
    {"type": "sign"},
    {"type": "dense", "units": 3, "name": "scores"}]}


def missing_kinds() -> set:
    """The kinds neither EVERY_KIND nor SIGN_NET holds."""
    return set(KINDS) - {layer["type"] for design in (EVERY_KIND, SIGN_NET) for layer in design["layers"]}


def load_module(path):
    """The exported file, run as a module (its __main__ block does not run)."""
    namespace = {"__name__": "exported"}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace
