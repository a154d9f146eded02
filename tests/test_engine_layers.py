"""Engine layers, net, losses, initialisation and SGD on values worked out by hand: the course's
MLP example, a convolution, LRN, batchnorm statistics, the SGD formula, seeds and weights."""
from __future__ import annotations

import numpy as np
import pytest

from designer.errors import UserError
from designer.model import Layer, Network, WeightsError, load_model, load_weights, template_weights
from designer.engine import SGD, EngineError, EngineNet, LossError, make_targets
from designer.engine.layers import make_layer


def test_course_mlp_example_one_step():
    network = load_model("mlp-example")
    net = EngineNet(network, np.float64)
    net.load_state_dict(load_weights(template_weights("mlp-example"), network))
    w_h, w_o = net.params["1.weight"].copy(), net.params["3.weight"].copy()
    x, t = np.array([[10.0, 30.0, 20.0]]), np.array([[1.0, 0.0]])
    hidden = net.forward(x, upto=2)[0]
    np.testing.assert_allclose(hidden, [0.9991, 0.0067], atol=5e-5)
    loss, out = net.loss_and_backward(x, t, "mse")
    np.testing.assert_allclose(out[0], [0.7502, 0.9571], atol=5e-5)
    delta_o = (t[0] - out[0]) * out[0] * (1 - out[0])
    np.testing.assert_allclose(delta_o, [0.0468, -0.0393], atol=5e-5)
    delta_h = hidden * (1 - hidden) * (w_o.T @ delta_o)
    assert loss == pytest.approx(0.5 * ((t - out) ** 2).sum())
    SGD(net.params, lr=0.1).step(net.grads)
    # Δw = η δ o: e.g. H1→O1 gets 0.1 × 0.0468 × 0.9991 = 0.00468
    np.testing.assert_allclose(net.params["3.weight"], w_o + 0.1 * np.outer(delta_o, hidden), rtol=1e-12)
    np.testing.assert_allclose(net.params["1.weight"], w_h + 0.1 * np.outer(delta_h, x[0]), rtol=1e-12)
    assert net.params["3.weight"][0, 0] - w_o[0, 0] == pytest.approx(0.00468, abs=1e-5)


def test_perceptron_mse_step_is_the_perceptron_rule():
    net = EngineNet(load_model("perceptron"), np.float64, seed=1)
    w, b = net.params["1.weight"].copy(), net.params["1.bias"].copy()
    x = np.array([[0.5, -2.0]])
    o = net.forward(x)[0, 0]
    target = -o  # a misclassified sample
    net.loss_and_backward(x, np.array([[target]]), "mse")
    SGD(net.params, lr=0.1).step(net.grads)
    np.testing.assert_allclose(net.params["1.weight"], w + 0.1 * (target - o) * x)
    np.testing.assert_allclose(net.params["1.bias"], b + 0.1 * (target - o))


def _layer(type_, in_shape, **cfg):
    from designer.model import KINDS
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    return make_layer(type_, resolved, in_shape, kind.rule(resolved, [in_shape]).shape, np.float64)


def test_conv_by_hand():
    layer = _layer("conv", (3, 3, 1), filters=1, kernel=2, padding=1, stride=2)
    layer.params["weight"][...] = [[[[1.0, 2.0], [3.0, 4.0]]]]
    layer.params["bias"][...] = 0.5
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    out, _ = layer.forward(x)
    # padded input rows: 0 0 0 0 0 / 0 0 1 2 0 / 0 3 4 5 0 / 0 6 7 8 0 / 0 0 0 0 0
    np.testing.assert_allclose(out, [[[[0 * 4 + 0.5, 1 * 3 + 2 * 4 + 0.5],
                                       [3 * 2 + 6 * 4 + 0.5, 4 * 1 + 5 * 2 + 7 * 3 + 8 * 4 + 0.5]]]])


def test_lrn_formula():
    layer = _layer("lrn", (1, 1, 4), size=3, alpha=0.3, beta=0.75, k=2.0)
    a = np.array([1.0, 2.0, 3.0, 4.0])
    out, _ = layer.forward(a.reshape(1, 4, 1, 1))
    sums = [1 + 4, 1 + 4 + 9, 4 + 9 + 16, 9 + 16]  # channels c−1 … c+1, zero outside
    want = a / (2.0 + 0.3 / 3 * np.array(sums)) ** 0.75
    np.testing.assert_allclose(out.reshape(4), want)


def test_batchnorm_running_statistics_like_pytorch():
    layer = _layer("batchnorm", (2,), momentum=0.25)
    x = np.array([[1.0, 10.0], [3.0, 10.0], [8.0, 13.0]])
    out, _ = layer.forward(x, True)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(layer.buffers["running_mean"], 0.25 * x.mean(axis=0))
    np.testing.assert_allclose(layer.buffers["running_var"], 0.75 + 0.25 * x.var(axis=0, ddof=1))
    ev, _ = layer.forward(x, False)
    rm, rv = layer.buffers["running_mean"], layer.buffers["running_var"]
    np.testing.assert_allclose(ev, (x - rm) / np.sqrt(rv + 1e-5))


def test_maxout_and_softmax():
    out, _ = _layer("maxout", (4,), pieces=2).forward(np.array([[1.0, 5.0, -2.0, -3.0]]))
    np.testing.assert_array_equal(out, [[5.0, -2.0]])
    out, _ = _layer("softmax", (3,)).forward(np.array([[1000.0, 1000.0, 0.0]]))
    np.testing.assert_allclose(out, [[0.5, 0.5, 0.0]], atol=1e-300)


def test_sgd_course_form_momentum_and_weight_decay():
    w = np.array([1.0, -2.0])
    opt = SGD({"w": w}, lr=0.1, momentum=0.5, weight_decay=0.01)
    g1, g2 = np.array([0.2, 0.4]), np.array([-0.1, 0.3])
    w0 = w.copy()
    opt.step({"w": g1})
    d1 = -0.1 * (g1 + 0.01 * w0)
    np.testing.assert_allclose(w, w0 + d1)
    opt.lr = 0.05  # the rate may change between steps
    w1 = w.copy()
    opt.step({"w": g2})
    d2 = -0.05 * (g2 + 0.01 * w1) + 0.5 * d1
    np.testing.assert_allclose(w, w1 + d2)
    state = opt.state_dict()
    np.testing.assert_allclose(state["w"], d2)
    other = SGD({"w": w.copy()}, lr=0.05, momentum=0.5)
    other.load_state_dict(state)
    np.testing.assert_allclose(other.velocity["w"], d2)
    with pytest.raises(UserError):
        other.load_state_dict({"x": d2})


@pytest.mark.parametrize("how", ["default", "he", "xavier"])
def test_initialisation_deterministic_and_scaled(how):
    network = load_model("lenet5")
    a = EngineNet(network, seed=3, init=how).state_dict()
    b = EngineNet(network, seed=3, init=how).state_dict()
    c = EngineNet(network, seed=4, init=how).state_dict()
    d64 = EngineNet(network, np.float64, seed=3, init=how).state_dict()
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
        np.testing.assert_array_equal(a[key], d64[key].astype(np.float32))
        assert a[key].dtype == np.float32 and d64[key].dtype == np.float64
    assert not np.array_equal(a["4.weight"], c["4.weight"])
    w = a["7.weight"]  # dense 400 -> 120
    fan_in, fan_out = 400, 120
    if how == "default":
        bound = 1 / np.sqrt(fan_in)
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
        assert np.abs(a["7.bias"]).max() <= bound and np.any(a["7.bias"] != 0)
    elif how == "he":
        assert w.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.05)
        assert not np.any(a["7.bias"])
    else:
        bound = np.sqrt(6 / (fan_in + fan_out))
        assert np.abs(w).max() <= bound and w.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)


def test_state_dict_round_trip_and_checks():
    network = load_model("lenet5")
    net, other = EngineNet(network, seed=1), EngineNet(network, seed=2)
    state = net.state_dict()
    assert list(state) == ["1.weight", "1.bias", "4.weight", "4.bias", "7.weight", "7.bias",
                           "9.weight", "9.bias", "11.weight", "11.bias"]
    other.load_state_dict({k: v.astype(np.float64) for k, v in state.items()})
    x = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)
    np.testing.assert_array_equal(other.forward(x), net.forward(x))
    assert other.params["1.weight"].dtype == np.float32
    bad = dict(state)
    bad["1.weight"] = np.zeros((6, 1, 3, 3), np.float32)
    with pytest.raises(WeightsError, match="1.weight"):
        other.load_state_dict(bad)


def test_float32_stays_float32_through_every_layer():
    layers = [Layer.make("input", width=8, height=8, depth=2), Layer.make("conv", filters=4, padding=1),
              Layer.make("batchnorm"), Layer.make("leaky_relu"), Layer.make("lrn"),
              Layer.make("pool", mode="l2"), Layer.make("elu"), Layer.make("maxout"),
              Layer.make("pool", mode="avg"), Layer.make("dropout"), Layer.make("flatten"),
              Layer.make("dense", units=6), Layer.make("sigmoid"), Layer.make("tanh"),
              Layer.make("dense", units=3), Layer.make("softmax")]
    net = EngineNet(Network(layers))
    x = np.random.default_rng(0).random((4, 2, 8, 8), dtype=np.float32)
    h = x
    for layer in net.layers:
        h, _ = layer.forward(h, True)
        assert h.dtype == np.float32, layer.type
    for loss in ("cross_entropy", "mse"):
        value, out = net.loss_and_backward(x, np.array([0, 1, 2, 1]), loss)
        assert np.isfinite(value) and out.dtype == np.float32
        assert all(g.dtype == np.float32 for g in net.grads.values())


def test_bad_networks_and_batches_are_refused_with_one_sentence():
    broken = Network([Layer.make("input", width=4, height=4), Layer.make("conv", filters=2, kernel=7)])
    with pytest.raises(EngineError, match=r"layer 1 \(conv\)"):
        EngineNet(broken)
    net = EngineNet(load_model("lenet5"))
    with pytest.raises(EngineError, match="28×28×1"):
        net.forward(np.zeros((2, 1, 32, 32)))
    assert net.forward(np.zeros((2, 28, 28))).shape == (2, 10)  # depth 1 may be left out
    with pytest.raises(LossError, match="label 10"):
        net.loss_and_backward(np.zeros((2, 1, 28, 28)), np.array([1, 10]), "cross_entropy")
    with pytest.raises(LossError, match="unknown loss"):
        net.loss_and_backward(np.zeros((2, 1, 28, 28)), np.array([1, 2]), "hinge")
    with pytest.raises(LossError):
        make_targets(np.array([0, 2]), 1)
    volume_out = Network([Layer.make("input", width=4, height=4), Layer.make("conv", filters=3)])
    with pytest.raises(LossError, match="2×2×3 volume"):
        EngineNet(volume_out).loss_and_backward(np.zeros((2, 1, 4, 4)), np.array([0, 1]), "cross_entropy")
    value, _ = EngineNet(volume_out).loss_and_backward(np.zeros((2, 1, 4, 4)), np.zeros((2, 12)), "mse")
    assert np.isfinite(value)


def test_an_empty_batch_gives_an_empty_output():
    assert EngineNet(load_model("lenet5")).predict(np.zeros((0, 1, 28, 28))).shape == (0, 10)


def test_predict_in_chunks_equals_forward():
    net = EngineNet(load_model("lenet5"), seed=5)
    x = np.random.default_rng(1).random((70, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(net.predict(x, batch_size=32), net.forward(x), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(net.predict(x).sum(axis=1), 1, rtol=1e-5)


def test_dropout_is_reproducible_by_seed():
    layers = [Layer.make("input", features=50), Layer.make("dense", units=40), Layer.make("dropout"),
              Layer.make("dense", units=2)]
    x = np.ones((4, 50), np.float32)
    runs = []
    for _ in range(2):
        net = EngineNet(Network(layers), seed=9)
        runs.append([net.forward(x, train=True) for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])


def test_relu_before_max_pool_runs_after_it_with_the_same_results():
    layers = [Layer.make("input", width=8, height=8, depth=2), Layer.make("conv", filters=4, padding=1),
              Layer.make("relu"), Layer.make("pool", mode="max", size=3, stride=2),
              Layer.make("conv", filters=4, kernel=1), Layer.make("relu"), Layer.make("pool"),
              Layer.make("dense", units=3), Layer.make("softmax")]
    net = EngineNet(Network(layers), np.float64, seed=2)
    assert net.order == [0, 1, 3, 2, 4, 6, 5, 7, 8]
    x = np.random.default_rng(3).normal(size=(5, 2, 8, 8))
    y = np.array([0, 1, 2, 1, 0])
    # the layers one by one, as designed
    h, caches = x, []
    for layer in net.layers[:-1]:
        h, cache = layer.forward(h, True)
        caches.append(cache)
    from designer.engine import cross_entropy
    loss, dh, _ = cross_entropy(h, y)
    want = {}
    for i in range(len(caches) - 1, 0, -1):
        dh, grads = net.layers[i].backward(dh, caches[i])
        want.update({f"{i}.{k}": g for k, g in grads.items()})
    got, _ = net.loss_and_backward(x, y, "cross_entropy")
    assert got == pytest.approx(loss, rel=1e-12)
    for key, g in want.items():
        np.testing.assert_allclose(net.grads[key], g, rtol=1e-12, atol=1e-15, err_msg=key)
    x_before = x.copy()
    np.testing.assert_array_equal(net.forward(x, upto=2), np.maximum(net.forward(x, upto=1), 0))
    np.testing.assert_array_equal(x, x_before)  # the caller's batch is never overwritten
    assert not any(getattr(layer, "inplace", False) for layer in net.layers)


def test_forward_upto_every_layer_equals_the_layers_run_one_by_one():
    """forward(upto=i) runs the fused order (a relu after its max pool) up to layer i; every
    prefix gives exactly the designed order's values, and the caller's batch is left alone."""
    net = EngineNet(load_model("lenet5"))
    x = np.random.default_rng(3).random((5, 1, 28, 28), dtype=np.float32)
    x_before = x.copy()
    h = x
    for i, layer in enumerate(net.layers):
        h = layer.forward(h.copy(), False)[0]
        np.testing.assert_array_equal(net.forward(x, upto=i), h, err_msg=f"upto={i}")
    np.testing.assert_array_equal(x, x_before)
