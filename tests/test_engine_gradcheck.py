"""Float64 central-difference gradient checks of every engine layer (input and parameter
gradients), both losses and a whole net; relative error below 1e-6. The sign layer is not
differentiable: its straight-through rule is checked instead."""
from __future__ import annotations

import numpy as np
import pytest

from designer.model import KINDS, Layer, Network
from designer.engine import EngineNet, cross_entropy, make_targets, mse
from designer.engine.layers import make_layer

H = 1e-6
TOL = 1e-6


def build(type_, in_shape, **cfg):
    """An engine layer (float64) for a model input shape (W, H, D) or (n,)."""
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    outcome = kind.rule(resolved, [in_shape])
    assert not outcome.errors, outcome.errors
    return make_layer(type_, resolved, in_shape, outcome.shape, np.float64)


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


@pytest.mark.parametrize("cfg", CONV_CASES, ids=str)
def test_conv(cfg):
    rng = np.random.default_rng(1)
    layer = randomised(build("conv", (6, 5, 2), **cfg), rng)
    check_layer(layer, rng.normal(size=(2, 2, 5, 6)))


POOL_CASES = [
    dict(size=2), dict(size=3, stride=2), dict(size=[2, 3], stride=[1, 2]),
    dict(size=3, stride=1, padding=1), dict(size=2, stride=3), dict(size=3, stride=2, padding=1),
]


@pytest.mark.parametrize("mode,cfg", [(m, c) for m in ("max", "avg", "l2") for c in POOL_CASES
                                      if not (m == "l2" and "padding" in c)], ids=str)
def test_pool(mode, cfg):
    rng = np.random.default_rng(2)
    layer = build("pool", (7, 6, 2), mode=mode, **cfg)
    check_layer(layer, spaced(rng, (2, 2, 6, 7)))


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
    ("softmax", {}), ("flatten", {}), ("dropout", {"rate": 0.4}),
    ("lrn", {"size": 3, "alpha": 0.5, "beta": 0.75, "k": 2.0}),
    ("lrn", {"size": 4, "alpha": 1.0, "beta": 0.6, "k": 1.0}),
    ("maxout", {"pieces": 2}), ("maxout", {"pieces": 3}),
    ("batchnorm", {"momentum": 0.1}),
], ids=lambda v: str(v))
@pytest.mark.parametrize("shape", [(3, 2, 6), (6,)], ids=["volume", "vector"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_pointwise(type_, cfg, shape, train):
    rng = np.random.default_rng(4)
    layer = build(type_, shape, **cfg)
    randomised(layer, rng)
    if type_ == "batchnorm":
        layer.buffers["running_mean"][...] = rng.normal(size=6)
        layer.buffers["running_var"][...] = rng.uniform(0.5, 2.0, size=6)
    x = spaced(rng, (4,) + layer.in_shape)
    check_layer(layer, x, train=train)


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
def _small_net(last):
    layers = [Layer.make("input", width=6, height=5, depth=2),
              Layer.make("conv", filters=4, kernel=3, padding=1), Layer.make("elu"),
              Layer.make("batchnorm"), Layer.make("pool", mode="max", size=2), Layer.make("maxout", pieces=2),
              Layer.make("lrn", size=3), Layer.make("dense", units=5), Layer.make("tanh"),
              Layer.make("dense", units=3)]
    if last:
        layers.append(Layer.make(last))
    return Network(layers)


@pytest.mark.parametrize("loss,last", [("cross_entropy", "softmax"), ("cross_entropy", None),
                                       ("mse", "sigmoid"), ("mse", "softmax")])
def test_whole_net_parameter_gradients(loss, last):
    net = EngineNet(_small_net(last), np.float64, seed=7)
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


def test_first_trainable_layer_computes_no_input_gradient():
    net = EngineNet(_small_net("softmax"), np.float64)
    assert not net.layers[1].need_dx and all(layer.need_dx for layer in net.layers[2:])
    out, cache = net.layers[1].forward(np.zeros((1, 2, 5, 6)), True)
    dx, grads = net.layers[1].backward(np.ones(out.shape), cache)
    assert dx is None and set(grads) == {"weight", "bias"}
