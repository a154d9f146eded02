"""Float64 central-difference gradient checks of the layers that join or end branches (add,
concat, global_pool) and of whole branched networks: one output feeding three layers, grouped
convolutions, a ceil-mode pool, residual shortcuts; relative error below 1e-6. Grouped convs and
ceil-mode pools are built here through the catalogue's rules (tests/test_engine_groups_ceil.py
checks them against PyTorch too)."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine import EngineNet
from designer.engine.layers import make_layer
from designer.model import KINDS
from branched_nets import INCEPTION, RESIDUAL, SHARED_RELU_INPUT, images, network
from engine_checks_support import TOL, build, check_layer, numeric, randomised, rel_error, spaced


def build_merge(type_, shapes, **cfg):
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    outcome = kind.rule(resolved, shapes)
    assert not outcome.errors, outcome.errors
    return make_layer(type_, resolved, shapes, outcome.shape, np.float64)


def check_merge(layer, xs, seed=0):
    """Every input's gradient against central differences of sum(out · r)."""
    rng = np.random.default_rng(seed)
    out, cache = layer.forward(xs, True)
    r = rng.normal(size=out.shape)
    dxs, grads = layer.backward(r, cache)
    assert grads == {} and len(dxs) == len(xs)
    loss = lambda: float((layer.forward(xs, True)[0] * r).sum())  # noqa: E731
    for k, x in enumerate(xs):
        assert dxs[k].shape == x.shape
        err = rel_error(dxs[k], numeric(loss, x))
        assert err < TOL, f"input {k}: relative error {err:.2e}"
    return out


def batch(rng, shape, n=3):
    return rng.normal(size=(n,) + shape)


@pytest.mark.parametrize("shapes", [[(5, 4, 3)] * 2, [(5, 4, 3)] * 3, [(7,)] * 2], ids=str)
def test_add(shapes):
    rng = np.random.default_rng(1)
    layer = build_merge("add", shapes)
    xs = [batch(rng, layer.in_shapes[k]) for k in range(len(shapes))]
    out = check_merge(layer, xs)
    np.testing.assert_allclose(out, sum(xs), rtol=1e-14)


def test_add_of_inputs_in_different_memory_layouts():
    """One input C-ordered, one a layer's batch-last output: the sum is the same."""
    rng = np.random.default_rng(2)
    layer = build_merge("add", [(5, 4, 3)] * 2)
    a, b = batch(rng, (3, 4, 5)), batch(rng, (3, 4, 5))
    b_last = np.moveaxis(np.ascontiguousarray(np.moveaxis(b, 0, -1)), -1, 0)
    out, _ = layer.forward([a, b_last])
    np.testing.assert_array_equal(out, a + b)


@pytest.mark.parametrize("shapes", [[(5, 4, 2), (5, 4, 1), (5, 4, 3)], [(3,), (5,)], [(2, 2, 4)] * 2],
                         ids=str)
def test_concat(shapes):
    rng = np.random.default_rng(3)
    layer = build_merge("concat", shapes)
    xs = [batch(rng, s) for s in layer.in_shapes]
    out = check_merge(layer, xs)
    np.testing.assert_array_equal(out, np.concatenate(xs, axis=1))


@pytest.mark.parametrize("mode", ["avg", "max"])
@pytest.mark.parametrize("shape", [(5, 4, 3), (1, 1, 2), (6, 1, 2)], ids=str)
def test_global_pool(mode, shape):
    rng = np.random.default_rng(4)
    layer = build_merge("global_pool", [shape], mode=mode)
    x = spaced(rng, (3,) + layer.in_shape)
    out, cache = layer.forward(x, True)
    want = x.mean(axis=(2, 3), keepdims=True) if mode == "avg" else x.max(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(out, want, rtol=1e-14)
    r = rng.normal(size=out.shape)
    dx, grads = layer.backward(r, cache)
    assert grads == {}
    err = rel_error(dx, numeric(lambda: float((layer.forward(x, True)[0] * r).sum()), x))
    assert err < TOL, f"relative error {err:.2e}"


def test_global_max_pool_gives_a_tie_to_the_first_maximum_like_torch():
    layer = build_merge("global_pool", [(2, 2, 1)], mode="max")
    out, cache = layer.forward(np.array([[[[1.0, 3.0], [3.0, 0.0]]]]))
    dx, _ = layer.backward(np.array([[[[2.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[0.0, 2.0], [0.0, 0.0]]]])


@pytest.mark.parametrize("cfg", [dict(filters=4, kernel=3, padding=1, groups=2),
                                 dict(filters=6, kernel=[3, 1], stride=2, groups=3),
                                 dict(filters=6, kernel=1, groups=6, bias=False)], ids=str)
def test_grouped_conv(cfg):
    rng = np.random.default_rng(5)
    layer = randomised(build("conv", (6, 5, 6), **cfg), rng)
    assert layer.params["weight"].shape[1] == 6 // cfg["groups"]
    check_layer(layer, rng.normal(size=(2, 6, 5, 6)))


@pytest.mark.parametrize("mode,cfg", [(m, c) for m in ("max", "avg", "l2") for c in (
    dict(size=3, stride=2), dict(size=2), dict(size=3, stride=2, padding=1))
    if not (m == "l2" and "padding" in c)], ids=str)
def test_ceil_pool(mode, cfg):
    """On 7×6 maps every case has a last window that hangs past the (padded) input."""
    rng = np.random.default_rng(6)
    layer = build("pool", (7, 6, 2), mode=mode, ceil=True, **cfg)
    floor = build("pool", (7, 6, 2), mode=mode, **cfg)
    assert layer.out_shape != floor.out_shape
    check_layer(layer, spaced(rng, (2, 2, 6, 7)))


# --------------------------------------------------------------------------- whole nets
@pytest.mark.parametrize("spec", [pytest.param(INCEPTION, marks=pytest.mark.slow),
                                  pytest.param(RESIDUAL, marks=pytest.mark.slow), SHARED_RELU_INPUT],
                         ids=lambda s: s["name"])
def test_branched_net_parameter_gradients(spec):
    """INCEPTION's "s" feeds three layers (two convs and a pool) whose outputs a concat joins;
    it has grouped convs and a ceil-mode pool. RESIDUAL adds identity and projection
    shortcuts. SHARED_RELU_INPUT has relus whose inputs other branches read."""
    net = EngineNet(network(spec), np.float64, seed=7)
    if spec is INCEPTION:
        assert [len(r) for r in _readers(net)][2] == 3
    x, y = images(net, n=3, seed=8)
    net.loss_and_backward(x, y)
    grads = {k: g.copy() for k, g in net.grads.items()}
    for key in net.param_keys:
        num = numeric(lambda: net.loss_and_backward(x, y)[0], net.params[key])
        err = rel_error(grads[key], num)
        assert err < TOL, f"{key}: relative error {err:.2e}"


def _readers(net):
    out = [[] for _ in net.layers]
    for i, srcs in enumerate(net.sources):
        for s in srcs:
            out[s].append(i)
    return out
