"""Evaluation-mode (forward-only) passes compute what training-mode passes compute, without
what only a backward pass reads (a max pool's indices of its windows' largest values)."""
from __future__ import annotations

import numpy as np
import pytest
import engine_checks_support as checks

MAX_CASES = checks.POOL_CASES + [dict(size=3, stride=2, padding=1, ceil=True), dict(size=2, dilation=2),
                                 dict(size=[2, 3], stride=[2, 1], ceil=True)]


@pytest.mark.parametrize("cfg", MAX_CASES, ids=str)
def test_an_evaluation_max_pool_equals_the_training_one_and_keeps_no_indices(cfg):
    layer = checks.build("pool", (7, 6, 3), mode="max", **cfg)
    layer.reuse_scratch = True  # as in a net, whose evaluation passes drop their caches
    x = np.random.default_rng(0).normal(size=(5, 3, 6, 7))
    x[0, 0] = -np.inf if "padding" in cfg else x[0, 0]  # a window of -inf only: still -inf, not the fill
    x[1, 1, 0, 0] = np.nan  # NaN propagates alike
    trained, (idx, _) = layer.forward(x, True)
    evaluated, (none, _) = layer.forward(x, False)
    assert idx is not None and none is None
    np.testing.assert_array_equal(evaluated, trained)


FOLDS = """{"format": "nn-designer", "version": 2, "name": "folds", "layers": [
  {"type": "input", "width": 9, "height": 8, "depth": 3},
  {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "id": "a"},
  {"type": "batchnorm"},
  {"type": "relu"},
  {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "groups": 6, "bias": false},
  {"type": "batchnorm", "id": "b"},
  {"type": "conv", "filters": 6, "kernel": 1, "bias": false, "id": "c"},
  {"type": "batchnorm", "id": "d"},
  {"type": "add", "inputs": ["b", "d"]},
  {"type": "conv", "filters": 4, "kernel": 3, "stride": 2, "id": "e"},
  {"type": "batchnorm", "id": "f"},
  {"type": "add", "inputs": ["e", "f"]},
  {"type": "flatten"},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def trained_net(seed=0):
    """The FOLDS design after a few training steps: running statistics and weights away from
    their starting values."""
    from designer.engine import SGD, EngineNet
    from designer.model import loads
    net = EngineNet(loads(FOLDS), np.float64, seed=seed)
    rng = np.random.default_rng(seed)
    opt = SGD(net.params, lr=0.05, momentum=0.9)
    for _ in range(3):
        net.loss_and_backward(rng.normal(size=(6, 3, 8, 9)) * 2 + 1, rng.integers(0, 3, 6))
        opt.step(net.grads)
    return net, rng.normal(size=(5, 3, 8, 9))


def test_evaluation_folds_each_batchnorm_that_only_reads_a_conv_read_by_nothing_else():
    net, _ = trained_net()
    folds = {net.layers[s.layer].type + str(s.layer) for s in net.plan().steps if s.folds}
    # conv 1 → bn 2, depthwise conv 4 → bn 5, 1×1 conv 6 → bn 7; not conv 9 (the add reads it too)
    assert folds == {"conv1", "conv4", "conv6"}
    assert not any(s.folds for s in net.plan(1).steps)  # a feature map of the conv itself


@pytest.mark.parametrize("upto", [None, 2, 5, 8])
def test_folded_evaluation_equals_the_layer_by_layer_one(monkeypatch, upto):
    from designer.engine import plan as plan_module
    net, x = trained_net()
    folded = net.forward(x, upto=upto)
    monkeypatch.setattr(plan_module, "FOLD", False)
    net._plans.clear()
    assert not any(s.folds for s in net.plan(upto).steps)
    np.testing.assert_allclose(folded, net.forward(x, upto=upto), rtol=1e-10, atol=1e-12)
    before = {k: a.copy() for k, a in net.arrays.items()}
    net.forward(x)
    assert all(np.array_equal(before[k], a) for k, a in net.arrays.items())  # nothing written


def test_training_passes_never_fold():
    net, x = trained_net()
    y = np.arange(5) % 3
    loss, _ = net.loss_and_backward(x, y)
    assert np.isfinite(loss)
    train_out = net.run(net.check_input(x), True, net.plan())
    eval_out = net.run(net.check_input(x), False, net.plan())
    assert not np.allclose(train_out, eval_out)  # batch statistics, not the running ones
