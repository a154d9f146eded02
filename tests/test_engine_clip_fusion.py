"""A training pass runs a clipping activation (relu, relu6, hardtanh) inside the batchnorm before
it where nothing else reads the batchnorm's output (designer/engine/plan.py's clips): the same
numbers as the two passes, to the bit, the gradient's boundaries included."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine import SGD, EngineNet
from designer.engine import plan as plan_module
from designer.model import loads

CLIPS = """{"format": "nn-designer", "version": 2, "name": "clips", "layers": [
  {"type": "input", "width": 9, "height": 8, "depth": 3},
  {"type": "conv", "filters": 6, "kernel": 3, "padding": 1},
  {"type": "batchnorm"},
  {"type": "relu6"},
  {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "groups": 6, "bias": false},
  {"type": "batchnorm"},
  {"type": "hardtanh", "min_val": -0.5, "max_val": 0.7},
  {"type": "conv", "filters": 6, "kernel": 1, "bias": false},
  {"type": "batchnorm", "id": "d"},
  {"type": "relu", "id": "r"},
  {"type": "add", "inputs": ["d", "r"]},
  {"type": "batchnorm"},
  {"type": "relu"},
  {"type": "flatten"},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def net_at_the_bounds():
    net = EngineNet(loads(CLIPS), np.float64, seed=0)
    # channels whose batchnorm output is exactly a bound: no gradient passes there
    net.params["2.weight"][0] = 0.0
    net.params["2.bias"][0] = 0.0      # relu6's low bound, 0
    net.params["5.weight"][1] = 0.0
    net.params["5.bias"][1] = 0.7      # hardtanh's high bound
    return net


def test_each_batchnorm_read_only_by_a_clipping_activation_clips():
    net = net_at_the_bounds()
    steps = net.plan().steps
    assert {s.layer for s in steps if s.clips} == {2, 5, 11}
    assert {s.layer for s in steps if s.clipped} == {3, 6, 12}  # not 9: the add reads 8 too
    assert not any(s.clips for s in net.plan(2).steps)  # a feature map of the batchnorm itself


def train(clip: bool, monkeypatch) -> tuple:
    monkeypatch.setattr(plan_module, "CLIP", clip)
    net = net_at_the_bounds()
    opt = SGD(net.params, lr=0.05, momentum=0.9)
    rng = np.random.default_rng(1)
    history = []
    for _ in range(3):
        loss, out = net.loss_and_backward(rng.normal(size=(6, 3, 8, 9)) * 2 + 1, rng.integers(0, 3, 6))
        history.append((loss, out.copy(), {k: g.copy() for k, g in net.grads.items()}))
        opt.step(net.grads)
    return history, {k: a.copy() for k, a in net.arrays.items()}, net


def test_a_clipped_training_step_equals_the_two_passes_to_the_bit(monkeypatch):
    fused, fused_arrays, net = train(True, monkeypatch)
    assert any(s.clips for s in net.plan(len(net.layers) - 2).steps)
    apart, apart_arrays, _ = train(False, monkeypatch)
    for (loss, out, grads), (loss2, out2, grads2) in zip(fused, apart):
        assert loss == loss2
        assert np.array_equal(out, out2)
        assert grads.keys() == grads2.keys()
        assert all(np.array_equal(grads[k], grads2[k]) for k in grads)
    assert all(np.array_equal(fused_arrays[k], apart_arrays[k]) for k in fused_arrays)  # running stats too
    # the channel held at relu6's bound passed no gradient to its batchnorm's weight or bias
    assert fused[0][2]["2.bias"][0] == 0.0 and fused[0][2]["2.weight"][0] == 0.0


@pytest.mark.parametrize("upto", [3, 6, 12])
def test_evaluation_and_feature_maps_are_unchanged(upto):
    net = net_at_the_bounds()
    x = np.random.default_rng(2).normal(size=(4, 3, 8, 9))
    net.loss_and_backward(x, np.arange(4) % 3)
    plan_module.CLIP = False
    try:
        net._plans.clear()
        apart = net.forward(x, upto=upto)
    finally:
        plan_module.CLIP = True
    net._plans.clear()
    np.testing.assert_array_equal(net.forward(x, upto=upto), apart)
