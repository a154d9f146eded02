"""Randomly generated branched networks against PyTorch (float64): residual blocks with identity
and projection shortcuts, inception-style concats, grouped convs, ceil-mode pools and global
pooling. Their shapes and parameter counts equal PyTorch's, and after three full-batch SGD steps
with momentum and weight decay their weights equal the torch twin's (1e-4)."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.engine import SGD, EngineNet  # noqa: E402
from designer.model import loads  # noqa: E402
from torch_support import torch_loss, torch_module, torch_tensor, torch_twin  # noqa: E402


def _pick(rng, options):
    return options[rng.integers(len(options))]


class Builder:
    """Layers of a version 2 file, appended in order; ``add`` returns the new layer's index."""

    def __init__(self):
        self.layers = []
        self.depth = 0

    def add(self, layer: dict, reads=None) -> int:
        if reads is not None:
            layer["inputs"] = list(reads)
        self.layers.append(layer)
        return len(self.layers) - 1

    def conv(self, filters, reads=None, **cfg):
        return self.add({"type": "conv", "filters": filters, **cfg}, reads)


def _norm_act(b: Builder, rng, bn: bool):
    if bn:
        b.add({"type": "batchnorm", "momentum": float(rng.uniform(0.05, 0.5))})
    return b.add({"type": _pick(rng, ["relu", "relu", "tanh", "leaky_relu"])})


def _residual(b: Builder, rng, src: int, depth: int) -> tuple:
    stride = _pick(rng, [1, 1, 2])
    filters = depth if rng.random() < 0.5 else 2 * int(rng.integers(1, 4))
    bn = bool(rng.random() < 0.6)
    b.conv(filters, [src], kernel=3, padding=1, stride=stride, bias=not bn)
    _norm_act(b, rng, bn)
    main = b.conv(filters, kernel=3, padding=1, bias=not bn)
    if bn:
        main = b.add({"type": "batchnorm"})
    if stride == 1 and filters == depth and rng.random() < 0.8:
        shortcut = src
    else:  # a 1×1 projection
        shortcut = b.conv(filters, [src], kernel=1, stride=stride, bias=not bn)
        if bn:
            shortcut = b.add({"type": "batchnorm"})
    b.add({"type": "add"}, [main, shortcut])
    return b.add({"type": "relu"}), filters


def _inception(b: Builder, rng, src: int, depth: int) -> tuple:
    ends, total = [], 0
    for _ in range(int(rng.integers(2, 4))):
        kind = _pick(rng, ["1x1", "3x3", "pool"])
        f = 2 * int(rng.integers(1, 3))
        if kind == "1x1":
            end = b.conv(f, [src], kernel=1)
        elif kind == "3x3":
            mid = 2 * int(rng.integers(1, 3))
            b.conv(mid, [src], kernel=1)
            b.add({"type": "relu"})
            groups = _pick(rng, [1, 2]) if f % 2 == 0 else 1
            end = b.conv(f, kernel=3, padding=1, groups=groups)
        else:
            b.add({"type": "pool", "mode": "max", "size": 3, "stride": 1, "padding": 1}, [src])
            end = b.conv(f, kernel=1)
        ends.append(end)
        total += f
    b.add({"type": "concat"}, ends)
    return b.add({"type": "relu"}), total


def _grouped(b: Builder, rng, src: int, depth: int) -> tuple:
    groups = _pick(rng, [g for g in (2, 3, depth) if depth % g == 0] or [1])
    filters = groups * int(rng.integers(1, 3))
    b.conv(filters, [src], kernel=_pick(rng, [1, 3]), padding=_pick(rng, [0, 1]), groups=groups)
    return b.add({"type": "elu"}), filters


def _ceil_pool(b: Builder, rng, src: int, depth: int) -> tuple:
    mode = _pick(rng, ["max", "avg"])
    return b.add({"type": "pool", "mode": mode, "size": _pick(rng, [2, 3]), "stride": 2,
                  "padding": _pick(rng, [0, 1]), "ceil": True}, [src]), depth


def _squeeze_excite(b: Builder, rng, src: int, depth: int) -> tuple:
    """A depthwise conv (dilated or not) and a squeeze-and-excitation: the new mul of a 1×1×D gate."""
    dilation = _pick(rng, [1, 2])
    dw = b.conv(depth, [src], kernel=3, padding=dilation, dilation=dilation, groups=depth, bias=False)
    b.add({"type": "global_pool", "mode": "avg"})
    b.conv(max(1, depth // 2), kernel=1)
    b.add({"type": "relu"})
    b.conv(depth, kernel=1)
    gate = b.add({"type": "sigmoid"})
    return b.add({"type": "mul"}, _pick(rng, [[dw, gate], [gate, dw]])), depth


def _shuffle_split(b: Builder, rng, src: int, depth: int) -> tuple:
    """ShuffleNetV2's unit: split by channel_slice, one half through a conv, concat, channel_shuffle."""
    if depth % 2:
        src, depth = b.conv(2 * depth, [src], kernel=1), 2 * depth
    half = depth // 2
    keep = b.add({"type": "channel_slice", "start": 0, "stop": half}, [src])
    b.add({"type": "channel_slice", "start": half, "stop": depth}, [src])
    b.conv(half, kernel=3, padding=1)
    branch = b.add({"type": "elu"})
    b.add({"type": "concat"}, [keep, branch])
    return b.add({"type": "channel_shuffle", "groups": _pick(rng, [2, half] if half > 1 else [2])}), depth


def _pad_pool(b: Builder, rng, src: int, depth: int) -> tuple:
    """TensorFlow's asymmetric padding, an average pool without its padding, a dilated max pool."""
    sides = {side: int(rng.integers(0, 3)) for side in ("left", "right", "top", "bottom")}
    b.add({"type": "pad", **sides, "value": _pick(rng, [0.0, 0.5])}, [src])
    b.add({"type": "pool", "mode": "avg", "size": 3, "stride": _pick(rng, [1, 2]), "padding": 1,
           "count_include_pad": False})
    return b.add({"type": "pool", "mode": "max", "size": 2, "stride": 1, "padding": 1, "dilation": 2}), depth


BLOCKS = [_residual, _inception, _grouped, _ceil_pool, _squeeze_excite, _shuffle_split, _pad_pool]


def _draw(rng) -> list:
    b = Builder()
    w, h, d = int(rng.integers(6, 10)), int(rng.integers(6, 10)), int(rng.integers(1, 4))
    b.add({"type": "input", "width": w, "height": h, "depth": d})
    depth = 2 * int(rng.integers(1, 4))
    b.conv(depth, kernel=3, padding=1)
    src = b.add({"type": "relu"})
    for _ in range(int(rng.integers(1, 4))):
        src, depth = _pick(rng, BLOCKS)(b, rng, src, depth)
    if rng.random() < 0.6:
        b.add({"type": "global_pool", "mode": _pick(rng, ["avg", "max"])})
    b.add({"type": "dense", "units": int(rng.integers(2, 5))})
    if rng.random() < 0.4:
        b.add({"type": "softmax"})
    return b.layers


def random_branched(rng, tries: int = 200):
    for _ in range(tries):
        network = loads(json.dumps({"format": "nn-designer", "version": 2, "layers": _draw(rng)}))
        report = network.report()
        if not report.problems and any(len(i.sources) > 1 for i in report.layers):
            return network
    raise AssertionError("no valid random branched network drawn")


SEEDS = range(16)


def test_the_generator_covers_every_feature():
    seen = set()
    for seed in SEEDS:
        network = random_branched(np.random.default_rng(seed))
        for layer, info in zip(network.layers, network.report().layers):
            cfg = layer.resolved()
            seen.add(layer.type)
            if layer.type == "conv" and cfg["groups"] > 1:
                seen.add("groups")
            if layer.type == "pool" and cfg["ceil"]:
                seen.add("ceil")
            if layer.type == "conv" and cfg["groups"] == cfg["filters"] == info.inputs[0][2] > 1:
                seen.add("depthwise")
            if layer.type in ("conv", "pool") and cfg.get("dilation", 1) != 1:
                seen.add("dilation")
            if layer.type == "pool" and not cfg["count_include_pad"]:
                seen.add("count_include_pad")
            if layer.type == "add" and all(network.layers[s].type != "batchnorm" and
                                           network.layers[s].type != "conv" for s in info.sources[1:]):
                seen.add("identity shortcut")
            if layer.type == "add" and any(network.layers[s].type in ("conv", "batchnorm") for s in info.sources[1:]):
                seen.add("projection shortcut")
    assert {"add", "concat", "global_pool", "groups", "ceil", "identity shortcut",
            "projection shortcut", "batchnorm", "mul", "pad", "channel_slice", "channel_shuffle", "depthwise",
            "dilation", "count_include_pad"} <= seen


@pytest.mark.parametrize("seed", SEEDS)
def test_random_branched_shapes_and_parameter_counts_match_torch(seed):
    network = random_branched(np.random.default_rng(seed))
    report = network.report()
    net = EngineNet(network, np.float64)
    outs = []
    for layer, info in zip(network.layers, report.layers):
        module = torch_module(layer, info.input).double()
        ins = [outs[s] for s in info.sources] or [torch.zeros((2,) + net.input_shape, dtype=torch.float64)]
        outs.append(module(*ins))
        want = info.output
        got = tuple(outs[-1].shape[1:])
        assert got == ((want[2], want[1], want[0]) if len(want) == 3 else want), (layer.type, got, want)
        assert sum(p.numel() for p in module.parameters()) == info.param_count, layer.type


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.slow
def test_random_branched_training_matches_torch(seed):
    rng = np.random.default_rng(100 + seed)
    network = random_branched(rng)
    net = EngineNet(network, np.float64, seed=seed)
    model = torch_twin(net).train()
    x = rng.normal(size=(6,) + net.input_shape)
    y = rng.integers(0, net.n_outputs, size=6)
    lr, momentum, decay = 0.05, 0.9, 1e-3
    opt = SGD(net.params, lr=lr, momentum=momentum, weight_decay=decay)
    topt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=decay)
    for step in range(3):
        value, _ = net.loss_and_backward(x, y, "cross_entropy")
        topt.zero_grad()
        want = torch_loss(model, x, y, "cross_entropy", network, net.n_outputs)
        want.backward()
        assert value == pytest.approx(want.item(), rel=1e-9, abs=1e-12)
        if step == 0:
            for key in net.param_keys:
                np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                           rtol=1e-7, atol=1e-10, err_msg=key)
        opt.step(net.grads)
        topt.step()
    for key in net.param_keys:
        np.testing.assert_allclose(net.params[key], torch_tensor(model, key).detach().numpy(),
                                   rtol=1e-4, atol=1e-4, err_msg=key)
    for key, array in net.state_dict().items():
        if key.endswith(("running_mean", "running_var")):
            np.testing.assert_allclose(array, torch_tensor(model, key).numpy(), rtol=1e-9, atol=1e-12)
