"""The PyTorch twin of a network, shared by the tests that compare the engine and the model with
PyTorch: each layer kind's PyTorch module (``torch_module``), a network's modules run over its graph
(``TorchGraph``) with the engine net's weights (``torch_twin``), and the loss as the engine computes it."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from designer.engine import EngineNet, make_targets  # noqa: E402
from designer.model import Layer  # noqa: E402
from designer.model.keys import as_pair  # noqa: E402
from designer.model.kinds_spatial import dilation_of, pads_of, window_of  # noqa: E402


# --------------------------------------------------------------------------- torch equivalents
class Sign(nn.Module):
    """+1 / −1 with the straight-through gradient."""

    def forward(self, x):
        s = torch.where(x > 0, 1.0, -1.0).to(x.dtype)
        return x + (s - x).detach()


class Maxout(nn.Module):
    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        return x.unflatten(1, (-1, self.pieces)).max(dim=2).values


class Add(nn.Module):
    def forward(self, *xs):
        return sum(xs[1:], xs[0])


class Mul(nn.Module):
    def forward(self, *xs):
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class ChannelShuffle(nn.Module):
    """torchvision's channel_shuffle (view as (g, C/g), transpose, flatten)."""

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        return x.unflatten(1, (self.groups, -1)).transpose(1, 2).flatten(1, 2)


class ChannelSlice(nn.Module):
    def __init__(self, start, stop):
        super().__init__()
        self.start, self.stop = start, stop

    def forward(self, x):
        return x[:, self.start:self.stop]


class Concat(nn.Module):
    def forward(self, *xs):
        return torch.cat(xs, dim=1)


class OnVectors(nn.Module):
    """Runs a channel module (LocalResponseNorm) on (N, n) by adding a length-1 axis."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.unsqueeze(-1)).squeeze(-1) if x.dim() == 2 else self.module(x)


def torch_module(layer: Layer, in_shape: tuple) -> nn.Module:
    """The PyTorch module equivalent to one model layer with input shape (W, H, D) or (n,)."""
    cfg = layer.resolved()
    t = layer.type
    volume = in_shape is not None and len(in_shape) == 3
    if t == "input":
        return nn.Identity()
    if layer.kind.torch_module:  # the exporter's own expression, e.g. "nn.ReLU()"
        return eval(layer.kind.torch_module, {"nn": nn})
    if t == "conv":
        k, s, p = window_of("conv", cfg)
        return nn.Conv2d(in_shape[2], cfg["filters"], k, s, p, dilation=dilation_of(cfg), bias=cfg["bias"],
                         groups=cfg.get("groups", 1))
    if t == "pool":
        k = as_pair(cfg["size"])
        s = as_pair(cfg["stride"]) if "stride" in cfg else k
        p = as_pair(cfg.get("padding", 0))
        ceil = cfg.get("ceil", False)
        if cfg["mode"] == "max":
            return nn.MaxPool2d(k, s, p, dilation=dilation_of(cfg), ceil_mode=ceil)
        if cfg["mode"] == "avg":
            return nn.AvgPool2d(k, s, p, ceil_mode=ceil, count_include_pad=cfg.get("count_include_pad", True))
        return nn.LPPool2d(2, k, s, ceil_mode=ceil)
    if t == "global_pool":
        return nn.AdaptiveAvgPool2d(1) if cfg["mode"] == "avg" else nn.AdaptiveMaxPool2d(1)
    if t == "add":
        return Add()
    if t == "mul":
        return Mul()
    if t == "pad":
        return nn.ConstantPad2d(pads_of(cfg), cfg["value"])
    if t == "channel_shuffle":
        return ChannelShuffle(cfg["groups"])
    if t == "channel_slice":
        return ChannelSlice(cfg["start"], cfg["stop"])
    if t == "concat":
        return Concat()
    if t == "dense":
        n_in = int(np.prod(in_shape))
        linear = nn.Linear(n_in, cfg["units"], bias=cfg["bias"])
        return nn.Sequential(nn.Flatten(), linear) if volume else linear
    if t == "flatten":
        return nn.Flatten()
    if t == "relu":
        return nn.ReLU()
    if t == "leaky_relu":
        return nn.LeakyReLU(cfg["alpha"])
    if t == "elu":
        return nn.ELU(cfg["alpha"])
    if t == "hardtanh":
        return nn.Hardtanh(cfg["min_val"], cfg["max_val"])
    if t == "gelu":
        return nn.GELU(approximate=cfg["approximate"])
    if t == "sigmoid":
        return nn.Sigmoid()
    if t == "tanh":
        return nn.Tanh()
    if t == "sign":
        return Sign()
    if t == "maxout":
        return Maxout(cfg["pieces"])
    if t == "dropout":
        return nn.Dropout(cfg["rate"])
    if t == "lrn":
        return OnVectors(nn.LocalResponseNorm(cfg["size"], cfg["alpha"], cfg["beta"], cfg["k"]))
    if t == "batchnorm":
        d = in_shape[2] if volume else in_shape[0]
        bn = nn.BatchNorm2d if volume else nn.BatchNorm1d
        return bn(d, eps=cfg["eps"], momentum=cfg["momentum"])
    if t == "softmax":
        return nn.Softmax(dim=1)
    if t in ("layer_norm", "layer_scale", "scale_shift"):  # the export's own modules
        from designer.export.pytorch import _HELPERS, MODULES
        from designer.model.inference import LayerInfo
        expr, _, helpers = MODULES[t](cfg, LayerInfo(0, t, in_shape, in_shape))
        namespace = {"nn": nn, "torch": torch}
        for h in helpers:
            exec(_HELPERS[h], namespace)
        return eval(expr, namespace)
    raise AssertionError(f"no torch module for {t}")


def main_linear(module):
    if isinstance(module, nn.Sequential):
        return module[1]
    if isinstance(module, OnVectors):
        return module.module
    return module


class TorchGraph(nn.Module):
    """The torch modules of a network's layers run as its graph: layer i reads the outputs of
    ``sources[i]`` (the batch for the input layer); ``upto=i`` returns layer i's output."""

    def __init__(self, modules: list, sources: list):
        super().__init__()
        self.layers = nn.ModuleList(modules)
        self.sources = sources

    def __getitem__(self, i):
        return self.layers[i]

    def forward(self, x, upto=None):
        upto = len(self.layers) - 1 if upto is None else upto
        outs = []
        for i in range(upto + 1):
            outs.append(self.layers[i](*[outs[s] for s in self.sources[i]] or [x]))
        return outs[upto]


def torch_tensor(model: TorchGraph, key: str):
    """The torch tensor behind a weights-file key "{i}.{name}"."""
    i, name = key.split(".")
    return getattr(main_linear(model[int(i)]), name)


def torch_twin(net: EngineNet) -> TorchGraph:
    """The network in torch (a TorchGraph) with the engine net's weights (and running statistics)."""
    report = net.network.report()
    mods = [torch_module(layer, info.input).double()
            for layer, info in zip(net.network.layers, report.layers)]
    state = net.state_dict()
    for i, m in enumerate(mods):
        target = main_linear(m)
        for name in ("weight", "bias", "running_mean", "running_var", "scale", "shift"):
            key = f"{i}.{name}"
            if key in state:
                getattr(target, name).data = torch.from_numpy(state[key].astype(np.float64))
    return TorchGraph(mods, [info.sources for info in report.layers])


def torch_loss(model, x, y, loss, network, n_out):
    fold = loss == "cross_entropy" and network.layers[-1].type == "softmax"
    out = model(torch.from_numpy(x), upto=len(network.layers) - 2 if fold else None)
    if loss == "cross_entropy":
        return nn.functional.cross_entropy(out.flatten(1), torch.from_numpy(y))
    t = torch.from_numpy(make_targets(y, n_out, network.layers[-1].type, np.float64))
    return 0.5 * ((out.flatten(1) - t) ** 2).sum() / len(x)
