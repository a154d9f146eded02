"""The engine's checks, shared by the tests that run them through one path or another (the gradient
checks, the grouped and ceil-mode layers against PyTorch, the shape rules against the forward pass;
tests/test_engine_blocks.py and tests/test_engine_row_conv.py run them again through the split,
threaded and kernel-row paths): float64 central differences, relative error below ``TOL``."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine import EngineNet
from designer.engine.layers import make_layer
from designer.engine.layers.pool import ceil_size
from designer.model import KINDS, Layer, Network, array_shape


# --------------------------------------------------------------------------- gradient checks
H = 1e-6
TOL = 1e-6


def build(type_, in_shape, **cfg):
    """An engine layer (float64) for a model input shape (W, H, D) or (n,)."""
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    outcome = kind.rule(resolved, [in_shape])
    assert not outcome.errors, outcome.errors
    return make_layer(type_, resolved, [in_shape], outcome.shape, np.float64)


def rel_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    scale = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if scale == 0 else float(np.linalg.norm(a - b) / scale)


def numeric(f, a: np.ndarray) -> np.ndarray:
    """Central differences of the scalar f() with respect to every entry of ``a`` (in place)."""
    grad = np.zeros_like(a)
    flat, gflat = a.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + H
        up = f()
        flat[i] = old - H
        down = f()
        flat[i] = old
        gflat[i] = (up - down) / (2 * H)
    return grad


def spaced(rng, shape, gap=0.05):
    """Random values whose pairwise gaps exceed ``gap`` and that stay away from 0, so that
    max, relu and friends have no kink within the finite-difference step."""
    n = int(np.prod(shape))
    values = (np.arange(n) - n / 2 + 0.5) * gap
    return rng.permutation(values).reshape(shape)


def check_layer(layer, x, train=True, seed=0):
    rng = np.random.default_rng(seed)

    def run():
        layer.rng = np.random.default_rng(42)  # same dropout mask every time
        return layer.forward(x, train)

    out, cache = run()
    r = rng.normal(size=out.shape)
    dx, grads = layer.backward(r, cache)
    loss = lambda: float((run()[0] * r).sum())  # noqa: E731
    assert set(grads) == set(layer.params)
    err = rel_error(dx, numeric(loss, x))
    assert err < TOL, f"input gradient: relative error {err:.2e}"
    for name, p in layer.params.items():
        p[...] = rng.normal(size=p.shape)
        out, cache = run()
        _, grads = layer.backward(r, cache)
        err = rel_error(grads[name], numeric(loss, p))
        assert err < TOL, f"{name} gradient: relative error {err:.2e}"
    return out


def randomised(layer, rng):
    for p in layer.params.values():
        p[...] = rng.normal(size=p.shape)
    return layer


CONV_CASES = [
    dict(filters=2, kernel=3),
    dict(filters=3, kernel=[2, 3], stride=[1, 2], padding=[1, 0]),
    dict(filters=2, kernel=3, stride=2, padding=1),
    dict(filters=2, kernel=3, padding="same", bias=False),
    dict(filters=2, kernel=[3, 1], stride=[2, 1], padding="same"),
    dict(filters=1, kernel=1, stride=3),  # stride larger than the kernel: uncovered input
    dict(filters=2, kernel=2, stride=2),  # windows that do not overlap
]


def check_conv(cfg):
    rng = np.random.default_rng(1)
    layer = randomised(build("conv", (6, 5, 2), **cfg), rng)
    check_layer(layer, rng.normal(size=(2, 2, 5, 6)))


POOL_CASES = [
    dict(size=2), dict(size=3, stride=2), dict(size=[2, 3], stride=[1, 2]),
    dict(size=3, stride=1, padding=1), dict(size=2, stride=3), dict(size=3, stride=2, padding=1),
]


def check_pool(mode, cfg):
    rng = np.random.default_rng(2)
    layer = build("pool", (7, 6, 2), mode=mode, **cfg)
    check_layer(layer, spaced(rng, (2, 2, 6, 7)))


def check_pointwise(type_, cfg, shape, train):
    rng = np.random.default_rng(4)
    layer = build(type_, shape, **cfg)
    randomised(layer, rng)
    if type_ == "batchnorm":
        layer.buffers["running_mean"][...] = rng.normal(size=6)
        layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, size=6)
    if type_ == "scale_shift":  # constants away from 1 and 0
        for b in layer.buffers.values():
            b[...] = rng.normal(size=b.shape)
    x = spaced(rng, (4,) + layer.in_shape)
    check_layer(layer, x, train=train)


def small_net(last):
    layers = [Layer.make("input", width=6, height=5, depth=2),
              Layer.make("conv", filters=4, kernel=3, padding=1), Layer.make("elu"),
              Layer.make("batchnorm"), Layer.make("pool", mode="max", size=2), Layer.make("maxout", pieces=2),
              Layer.make("lrn", size=3), Layer.make("dense", units=5), Layer.make("tanh"),
              Layer.make("dense", units=3)]
    if last:
        layers.append(Layer.make(last))
    return Network(layers)


def check_whole_net(loss, last):
    net = EngineNet(small_net(last), np.float64, seed=7)
    rng = np.random.default_rng(8)
    x = rng.normal(size=(3, 2, 5, 6))
    y = np.array([0, 2, 1])
    net.loss_and_backward(x, y, loss)
    grads = {k: g.copy() for k, g in net.grads.items()}
    assert set(grads) == set(net.param_keys)
    for key in net.param_keys:
        num = numeric(lambda: net.loss_and_backward(x, y, loss)[0], net.params[key])
        err = rel_error(grads[key], num)
        assert err < TOL, f"{key}: relative error {err:.2e}"


# --------------------------------------------------------------------------- grouped convolutions, ceil-mode pools
def torch_and_functional():
    """torch and torch.nn.functional, or the test skips (CI may lack torch)."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F
    return torch, F


def pair(v):
    return tuple(v) if isinstance(v, (list, tuple)) else (v, v)


def conv_layer(in_shape, dtype=np.float64, **cfg):
    """A conv layer for a model input shape (W, H, D); the output shape computed here."""
    cfg = {"stride": 1, "padding": 0, "bias": True, "groups": 1, **cfg}
    (kh, kw), (sh, sw), (ph, pw) = pair(cfg["kernel"]), pair(cfg["stride"]), pair(cfg["padding"])
    w, h, _ = in_shape
    out = ((w + 2 * pw - kw) // sw + 1, (h + 2 * ph - kh) // sh + 1, cfg["filters"])
    return make_layer("conv", cfg, [in_shape], out, dtype)


def pool_layer(in_shape, dtype=np.float64, **cfg):
    cfg = {"padding": 0, "ceil": True, **cfg}
    cfg.setdefault("stride", cfg["size"])
    (kh, kw), (sh, sw), (ph, pw) = pair(cfg["size"]), pair(cfg["stride"]), pair(cfg["padding"])
    w, h, d = in_shape
    out = (ceil_size(w, kw, sw, pw, cfg["ceil"]), ceil_size(h, kh, sh, ph, cfg["ceil"]), d)
    return make_layer("pool", cfg, [in_shape], out, dtype)


GROUP_CASES = [
    dict(filters=4, kernel=3, groups=2),
    dict(filters=6, kernel=[2, 3], stride=[1, 2], padding=[1, 0], groups=3),
    dict(filters=4, kernel=3, padding=1, groups=2, bias=False),
    dict(filters=6, kernel=3, stride=2, padding=1, groups=6),  # depthwise
    dict(filters=6, kernel=1, groups=3),
]


def check_grouped_conv_gradients(cfg):
    rng = np.random.default_rng(3)
    layer = randomised(conv_layer((6, 5, 6), **cfg), rng)
    assert layer.params["weight"].shape[1] == 6 // cfg["groups"]
    check_layer(layer, rng.normal(size=(2, 6, 5, 6)))


def assert_conv_matches_torch(layer, x, rng, groups=1) -> None:
    """The layer's forward and backward (output, input, weight and bias gradients) equal
    torch.nn.functional.conv2d's, float64, to 1e-10."""
    torch, F = torch_and_functional()
    out, cache = layer.forward(x, True)
    dout = rng.normal(size=out.shape)
    dx, grads = layer.backward(dout, cache)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["weight"], requires_grad=True)
    tb = torch.tensor(layer.params["bias"], requires_grad=True) if "bias" in layer.params else None
    tout = F.conv2d(tx, tw, tb, tuple(layer.stride), tuple(layer.pad), 1, groups)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads["weight"], tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    if tb is not None:
        np.testing.assert_allclose(grads["bias"], tb.grad.numpy(), rtol=1e-10, atol=1e-10)


def check_grouped_conv_matches_torch(cfg):
    rng = np.random.default_rng(4)
    layer = randomised(conv_layer((7, 6, 6), **cfg), rng)
    assert_conv_matches_torch(layer, rng.normal(size=(3, 6, 6, 7)), rng, cfg["groups"])


# (size, stride, padding) on a 7×6 input: windows that hang past the padded input on one or
# both axes, a last window that would start in the right padding (dropped), and no overhang.
CEIL_CASES = [
    dict(size=2), dict(size=3, stride=2), dict(size=[2, 3], stride=[2, 2]),
    dict(size=3, stride=2, padding=1), dict(size=2, stride=2, padding=1), dict(size=3, stride=3),
    dict(size=4, stride=3, padding=2),
]


def torch_pool(mode, cfg, x):
    _, F = torch_and_functional()
    k, s, p = pair(cfg["size"]), pair(cfg.get("stride", cfg["size"])), pair(cfg.get("padding", 0))
    if mode == "max":
        return F.max_pool2d(x, k, s, p, ceil_mode=True)
    if mode == "avg":
        return F.avg_pool2d(x, k, s, p, ceil_mode=True)
    return F.lp_pool2d(x, 2, k, s, ceil_mode=True)


MODES = [(m, c) for m in ("max", "avg", "l2") for c in CEIL_CASES if not (m == "l2" and "padding" in c)]


def check_ceil_pool_gradients(mode, cfg):
    rng = np.random.default_rng(5)
    layer = pool_layer((7, 6, 2), mode=mode, **cfg)
    check_layer(layer, spaced(rng, (2, 2, 6, 7)))


def check_ceil_pool_matches_torch(mode, cfg):
    torch, _ = torch_and_functional()
    rng = np.random.default_rng(6)
    layer = pool_layer((7, 6, 3), mode=mode, **cfg)
    x = spaced(rng, (2, 3, 6, 7))
    if mode == "l2":
        x = np.abs(x) + 0.1
    out, cache = layer.forward(x, True)
    tx = torch.tensor(x, requires_grad=True)
    tout = torch_pool(mode, cfg, tx)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dx, _ = layer.backward(dout, cache)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


# --------------------------------------------------------------------------- shape rules against the forward pass
VOLUME, VECTOR = (9, 7, 4), (12,)

CASES = {
    "input": [({"width": 9, "height": 7, "depth": 4}, None), ({"features": 12}, None)],
    "conv": [({"filters": 3}, VOLUME), ({"filters": 2, "kernel": [2, 4], "stride": [2, 1]}, VOLUME),
             ({"filters": 5, "kernel": 3, "padding": "same"}, VOLUME),
             ({"filters": 2, "kernel": 4, "padding": "same", "stride": 2}, VOLUME),
             ({"filters": 1, "kernel": [3, 1], "padding": [1, 2], "stride": 3}, VOLUME),
             ({"filters": 6, "kernel": 5, "padding": 2}, (28, 28, 1)),
             ({"filters": 6, "kernel": 3, "groups": 2}, VOLUME), ({"filters": 4, "groups": 4}, VOLUME),
             ({"filters": 2, "kernel": 3, "dilation": 2, "padding": "same"}, VOLUME),
             ({"filters": 4, "kernel": 3, "dilation": [1, 2], "groups": 4, "stride": 2}, VOLUME)],
    "pool": [({"mode": m, **cfg}, VOLUME) for m in ("max", "avg", "l2")
             for cfg in ({}, {"size": 3, "stride": 2}, {"size": [2, 3], "stride": [1, 2]})]
            + [({"mode": m, "size": 3, "stride": 2, "padding": 1}, VOLUME) for m in ("max", "avg")]
            + [({"mode": "max", "size": 3, "stride": 2}, (55, 55, 2))]
            + [({"mode": m, "size": 3, "stride": 2, "ceil": True, **p}, VOLUME) for m in ("max", "avg")
               for p in ({}, {"padding": 1})] + [({"mode": "max", "size": 2, "ceil": True}, (55, 55, 2))]
            + [({"mode": "max", "size": 3, "dilation": 2, "padding": 1, "stride": 2}, VOLUME),
               ({"mode": "max", "size": 2, "dilation": [2, 1], "ceil": True}, VOLUME),
               ({"mode": "avg", "size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, VOLUME)],
    "pad": [({"left": 1, "right": 2, "top": 0, "bottom": 3}, VOLUME), ({"right": 1, "bottom": 1, "value": -1.5}, VOLUME)],
    "mul": [({}, [VOLUME, VOLUME]), ({}, [VOLUME, (1, 1, 4)]), ({}, [(1, 1, 4), VOLUME, VOLUME]), ({}, [VECTOR] * 2)],
    "channel_shuffle": [({"groups": 2}, VOLUME), ({"groups": 3}, VECTOR), ({"groups": 4}, VOLUME)],
    "channel_slice": [({"start": 1, "stop": 3}, VOLUME), ({"stop": 4}, VOLUME), ({"start": 5, "stop": 12}, VECTOR)],
    "global_pool": [({"mode": "avg"}, VOLUME), ({"mode": "max"}, (5, 3, 2))],
    # merges read a list of shapes
    "add": [({}, [VOLUME, VOLUME]), ({}, [VECTOR] * 3)],
    "concat": [({}, [VOLUME, (9, 7, 2), (9, 7, 1)]), ({}, [VECTOR, (3,)])],
    "dense": [({"units": 5}, VOLUME), ({"units": 3, "bias": False}, VECTOR)],
    "flatten": [({}, VOLUME), ({}, VECTOR)],
    "maxout": [({"pieces": 2}, VOLUME), ({"pieces": 3}, VECTOR), ({"pieces": 4}, VOLUME)],
    "lrn": [({}, VOLUME), ({"size": 2}, VECTOR)],
    "batchnorm": [({}, VOLUME), ({}, VECTOR)],
    "dropout": [({"rate": 0.5}, VOLUME), ({}, VECTOR)],
}
CASES["hardtanh"] = [({"min_val": -0.5, "max_val": 2.0}, VOLUME), ({}, VECTOR)]
CASES["gelu"] = [({"approximate": "tanh"}, VOLUME), ({}, VECTOR)]
CASES["log_softmax"] = [({}, VOLUME), ({}, VECTOR)]
for _t in ("layer_norm", "layer_scale", "scale_shift"):
    CASES[_t] = [({}, VOLUME), ({}, VECTOR)]
for _t in ["leaky_relu", "elu", "softmax"] + [t for t, k in KINDS.items() if k.family == "activation" and not k.keys]:
    CASES[_t] = [({}, VOLUME), ({}, VECTOR)]  # every activation without settings, new ones too


def check_rule_equals_forward(type_, cfg, in_shape, train):
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    shapes = in_shape if isinstance(in_shape, list) else [] if in_shape is None else [in_shape]
    outcome = kind.rule(resolved, shapes)
    assert not outcome.errors, outcome.errors
    layer = make_layer(type_, resolved, shapes, outcome.shape, np.float32)
    batch = 2
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(batch,) + array_shape(s)).astype(np.float32) for s in shapes or [outcome.shape]]
    out, _ = layer.forward(xs if kind.is_merge else xs[0], train)
    assert out.shape == (batch,) + array_shape(outcome.shape)
    assert out.dtype == np.float32
