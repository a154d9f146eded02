"""Grouped convolutions and ceil-mode pooling in the engine: float64 gradient checks, and
forward outputs and gradients equal to PyTorch's Conv2d(groups=g) and MaxPool2d / AvgPool2d /
LPPool2d(ceil_mode=True). The layers are built directly from resolved settings and explicit
shapes, independent of the catalogue's shape rules."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.layers import make_layer
from designer.engine.layers.pool import ceil_size
from test_engine_gradcheck import check_layer, randomised, spaced


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


@pytest.mark.parametrize("cfg", GROUP_CASES, ids=str)
def test_grouped_conv_gradients(cfg):
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


@pytest.mark.parametrize("cfg", GROUP_CASES, ids=str)
def test_grouped_conv_matches_torch(cfg):
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


@pytest.mark.parametrize("mode,cfg", MODES, ids=str)
def test_ceil_pool_gradients(mode, cfg):
    rng = np.random.default_rng(5)
    layer = pool_layer((7, 6, 2), mode=mode, **cfg)
    check_layer(layer, spaced(rng, (2, 2, 6, 7)))


@pytest.mark.parametrize("mode,cfg", MODES, ids=str)
def test_ceil_pool_matches_torch(mode, cfg):
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


@pytest.mark.parametrize("size,k,s,p", [(7, 2, 2, 0), (6, 3, 2, 1), (5, 2, 2, 1), (7, 4, 3, 2), (8, 2, 2, 0)])
def test_ceil_size_matches_torch(size, k, s, p):
    torch, F = torch_and_functional()
    x = torch.zeros(1, 1, size, size)
    assert ceil_size(size, k, s, p, True) == F.max_pool2d(x, k, s, p, ceil_mode=True).shape[-1]
    assert ceil_size(size, k, s, p, False) == F.max_pool2d(x, k, s, p).shape[-1]


def test_ceil_off_is_the_floor_rule():
    layer = pool_layer((7, 6, 1), mode="avg", size=2, ceil=False)
    out, _ = layer.forward(np.ones((1, 1, 6, 7)), False)
    assert out.shape == (1, 1, 3, 3)
