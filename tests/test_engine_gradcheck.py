"""Float64 central-difference gradient checks of every engine layer (input and parameter
gradients), both losses and a whole net; relative error below 1e-6. The sign layer is not
differentiable: its straight-through rule is checked instead."""
from __future__ import annotations

import numpy as np
import pytest

from engine_checks_support import (CONV_CASES, POOL_CASES, TOL, build, check_conv, check_layer, check_pointwise,
                                   check_pool, check_whole_net, numeric, randomised, rel_error, small_net)

from designer.engine import EngineNet, cross_entropy, make_targets, mse
from designer.model import KINDS


@pytest.mark.parametrize("cfg", CONV_CASES, ids=str)
def test_conv(cfg):
    check_conv(cfg)


@pytest.mark.parametrize("mode,cfg", [(m, c) for m in ("max", "avg", "l2") for c in POOL_CASES
                                      if not (m == "l2" and "padding" in c)], ids=str)
def test_pool(mode, cfg):
    check_pool(mode, cfg)


def test_max_pool_ties_go_to_the_first_maximum_like_torch():
    layer = build("pool", (4, 2, 1), mode="max", size=2)
    x = np.array([[[[1.0, 1.0, 0.0, 3.0], [1.0, 0.5, 3.0, 3.0]]]])
    out, cache = layer.forward(x)
    np.testing.assert_array_equal(out, [[[[1.0, 3.0]]]])
    dx, _ = layer.backward(np.array([[[[5.0, 7.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[5.0, 0.0, 0.0, 7.0], [0.0, 0.0, 0.0, 0.0]]]])


@pytest.mark.parametrize("shape", [(5, 2, 2), (7,)])
@pytest.mark.parametrize("units,bias", [(3, True), (4, False)])
def test_dense(shape, units, bias):
    rng = np.random.default_rng(3)
    layer = randomised(build("dense", shape, units=units, bias=bias), rng)
    n_in = int(np.prod(shape))
    x = rng.normal(size=(3,) + layer.in_shape)
    out = check_layer(layer, x)
    # flattening is depth-major: the dense layer equals W @ x.reshape(N, -1)
    want = x.reshape(3, n_in) @ layer.params["weight"].T + layer.params.get("bias", 0)
    np.testing.assert_allclose(out, want, rtol=1e-12)


@pytest.mark.parametrize("type_,cfg", [
    (t, {}) for t, kind in KINDS.items() if kind.family == "activation" and not kind.keys and t != "sign"
] + [
    ("leaky_relu", {"alpha": 0.2}), ("elu", {"alpha": 0.7}),
    ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("gelu", {"approximate": "none"}), ("gelu", {"approximate": "tanh"}),
    ("softmax", {}), ("flatten", {}), ("dropout", {"rate": 0.4}),
    ("lrn", {"size": 3, "alpha": 0.5, "beta": 0.75, "k": 2.0}),
    ("lrn", {"size": 4, "alpha": 1.0, "beta": 0.6, "k": 1.0}),
    ("maxout", {"pieces": 2}), ("maxout", {"pieces": 3}),
    ("batchnorm", {"momentum": 0.1}),
    ("layer_norm", {}), ("layer_norm", {"eps": 0.5}), ("layer_scale", {"init": 0.3}), ("scale_shift", {}),
], ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(3, 2, 6), (6,)], ids=["volume", "vector"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_pointwise(type_, cfg, shape, train):
    check_pointwise(type_, cfg, shape, train)


def test_sign_straight_through():
    layer = build("sign", (5,))
    x = np.array([[-2.0, -0.0, 0.0, 1e-9, 3.0]])
    out, cache = layer.forward(x, True)
    np.testing.assert_array_equal(out, [[-1, -1, -1, 1, 1]])
    dout = np.array([[0.5, -1.5, 2.0, 4.0, -3.0]])
    dx, grads = layer.backward(dout, cache)
    np.testing.assert_array_equal(dx, dout)
    assert grads == {}


def test_dropout_is_inverted_and_identity_in_evaluation():
    layer = build("dropout", (1000,), rate=0.25)
    x = np.ones((20, 1000))
    out, _ = layer.forward(x, False)
    assert out is x
    out, mask = layer.forward(x, True)
    kept = out != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(out[kept], 1 / 0.75)


# --------------------------------------------------------------------------- losses
@pytest.mark.parametrize("targets", ["labels", "rows"])
def test_cross_entropy(targets):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(4, 3))
    y = np.array([0, 2, 1, 2]) if targets == "labels" else rng.dirichlet(np.ones(3), size=4)
    loss, grad, probs = cross_entropy(logits, y)
    np.testing.assert_allclose(probs.sum(axis=1), 1)
    err = rel_error(grad, numeric(lambda: cross_entropy(logits, y)[0], logits))
    assert err < TOL
    if targets == "labels":
        assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(4), y])))


def test_mse():
    rng = np.random.default_rng(6)
    out = rng.normal(size=(4, 3))
    t = rng.normal(size=(4, 3))
    loss, grad, _ = mse(out, t)
    assert loss == pytest.approx(0.5 * ((t - out) ** 2).sum() / 4)
    assert rel_error(grad, numeric(lambda: mse(out, t)[0], out)) < TOL


def test_make_targets():
    np.testing.assert_array_equal(make_targets([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(make_targets([2, 0], 3, "tanh"), [[-1, -1, 1], [1, -1, -1]])
    np.testing.assert_array_equal(make_targets([1, 0], 1), [[1], [0]])
    np.testing.assert_array_equal(make_targets([1, 0], 1, "sign"), [[1], [-1]])
    rows = np.array([[0.2, 0.8]])
    np.testing.assert_array_equal(make_targets(rows, 2, dtype=np.float64), rows)


# --------------------------------------------------------------------------- a whole net
@pytest.mark.parametrize("loss,last", [("cross_entropy", "softmax"), ("cross_entropy", None),
                                       ("mse", "sigmoid"), ("mse", "softmax")])
def test_whole_net_parameter_gradients(loss, last):
    check_whole_net(loss, last)


def test_first_trainable_layer_computes_no_input_gradient():
    net = EngineNet(small_net("softmax"), np.float64)
    assert not net.layers[1].need_dx and all(layer.need_dx for layer in net.layers[2:])
    out, cache = net.layers[1].forward(np.zeros((1, 2, 5, 6)), True)
    dx, grads = net.layers[1].backward(np.ones(out.shape), cache)
    assert dx is None and set(grads) == {"weight", "bias"}
