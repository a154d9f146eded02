"""The stride-1 convolution by kernel rows (designer/engine/layers/row_conv.py).

A convolution takes this path only when its products are long enough (C·KW ≥ MIN_INNER), which
the small layers of the gradient checks are not; here the threshold is zero, so that the same
float64 gradient checks, shape-rule tests and PyTorch equality tests run through it, plus cases
of its own: every padding from 0 to kernel − 1, rectangular kernels, no bias."""
from __future__ import annotations

import numpy as np
import pytest
import engine_checks_support as checks

from designer.engine import EngineNet, blocks
from designer.engine.layers import row_conv, winograd
from designer.model import load_model

ROW_CASES = [
    dict(filters=2, kernel=3),
    dict(filters=3, kernel=3, padding=1),
    dict(filters=2, kernel=3, padding=2),  # padding = kernel − 1: the input gradient pads 0
    dict(filters=2, kernel=[3, 2], padding=[2, 1], bias=False),
    dict(filters=2, kernel=5, padding=2),
    dict(filters=2, kernel=[2, 4], padding=[0, 3]),
    dict(filters=3, kernel=[3, 1], padding=[1, 0]),  # one kernel column: the row columns are the input
]


@pytest.fixture
def by_rows(monkeypatch):
    monkeypatch.setattr(row_conv, "MIN_INNER", 0)
    monkeypatch.setattr(row_conv, "MIN_COLUMNS", 0)
    monkeypatch.setattr(winograd, "ENABLED", False)  # the 3×3 ones would go by Winograd


def conv_layer(cfg):
    return checks.randomised(checks.build("conv", (6, 5, 2), **cfg), np.random.default_rng(1))


@pytest.mark.parametrize("cfg", ROW_CASES + checks.CONV_CASES, ids=str)
def test_gradients_by_rows(by_rows, cfg):
    layer = conv_layer(cfg)
    stride1 = cfg.get("stride", 1) in (1, [1, 1])
    assert layer.by_rows == stride1  # every stride-1 case here takes the path
    checks.check_conv(cfg)


@pytest.mark.parametrize("cfg", ROW_CASES[:3], ids=str)
def test_gradients_by_rows_in_blocks(by_rows, monkeypatch, cfg):
    monkeypatch.setattr(blocks, "BLOCK", 5)
    monkeypatch.setattr(blocks, "MIN_SPLIT", 0)
    checks.check_conv(cfg)


@pytest.mark.parametrize("cfg,in_shape", checks.CASES["conv"], ids=str)
def test_rule_equals_forward_by_rows(by_rows, cfg, in_shape):
    checks.check_rule_equals_forward("conv", cfg, in_shape, True)


@pytest.mark.parametrize("stack_below", [0, 1000], ids=["products", "stacked"])
@pytest.mark.parametrize("cfg", ROW_CASES, ids=str)
def test_equals_torch_by_rows(by_rows, monkeypatch, cfg, stack_below):
    monkeypatch.setattr(row_conv, "STACK_BELOW", stack_below)
    monkeypatch.setattr(row_conv, "STACK_UP_TO", 0)
    layer = conv_layer(cfg)
    assert layer.by_rows
    rng = np.random.default_rng(5)
    checks.assert_conv_matches_torch(layer, rng.normal(size=(3, 2, 5, 6)), rng)


def test_whole_net_by_rows(by_rows):
    checks.check_whole_net("cross_entropy", "softmax")


def test_which_convolutions_go_by_rows(monkeypatch):
    """Without Winograd (which takes the 3×3 ones first: tests/test_engine_winograd.py):
    ResNet-20's 3×3 stride-1 convolutions of 16–64 channels; not its first (3
    channels: short products), its stride-2 ones or its 1×1 projections."""
    monkeypatch.setattr(winograd, "ENABLED", False)
    net = EngineNet(load_model("resnet20"))
    convs = [layer for layer in net.layers if layer.type == "conv"]
    first, rest = convs[0], convs[1:]
    assert not first.by_rows
    for layer in rest:
        assert layer.by_rows == (tuple(layer.stride) == (1, 1) and layer.kernel == (3, 3)), layer.cfg
    assert sum(layer.by_rows for layer in rest) == 16


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_a_call_with_few_output_columns_goes_by_im2col(monkeypatch, train):
    """Kernel rows only when a call has MIN_COLUMNS output columns (positions × samples) or more:
    the same layer takes im2col for a small batch and kernel rows for a large one, with the
    same results, and its backward pass follows the way its forward pass went."""
    monkeypatch.setattr(winograd, "ENABLED", False)
    monkeypatch.setattr(row_conv, "MIN_INNER", 0)
    monkeypatch.setattr(row_conv, "MIN_COLUMNS", 60)  # 30 positions: 2 samples or more
    layer = conv_layer(dict(filters=3, kernel=3, padding=1))
    assert layer.by_rows
    rng = np.random.default_rng(4)
    for n, way in ((1, None), (2, "rows"), (3, "rows")):
        x = rng.normal(size=(n, 2, 5, 6))
        out, cache = layer.forward(x, train)
        assert cache[2] == way
        monkeypatch.setattr(row_conv, "MIN_COLUMNS", 10 ** 9)
        want, plain_cache = layer.forward(x, train)
        assert plain_cache[2] is None
        np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)
        d = rng.normal(size=out.shape)
        dx_plain, g_plain = layer.backward(d, plain_cache)
        monkeypatch.setattr(row_conv, "MIN_COLUMNS", 60)
        _, cache = layer.forward(x, train)
        dx, grads = layer.backward(d, cache)
        np.testing.assert_allclose(dx, dx_plain, rtol=1e-12, atol=1e-12)
        for name in grads:
            np.testing.assert_allclose(grads[name], g_plain[name], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("min_rows,stacked", [(1000, False), (3, True)], ids=["products", "stacked"])
def test_wider_filters_stack_on_tall_maps(by_rows, monkeypatch, min_rows, stacked):
    """Up to STACK_UP_TO filters the products stack when the output has STACK_MIN_ROWS rows: both
    ways equal PyTorch."""
    monkeypatch.setattr(row_conv, "STACK_BELOW", 0)
    monkeypatch.setattr(row_conv, "STACK_UP_TO", 8)
    monkeypatch.setattr(row_conv, "STACK_MIN_ROWS", min_rows)
    layer = conv_layer(dict(filters=3, kernel=3, padding=1, bias=False))
    names = []
    spare = layer.spare
    layer.spare = lambda name, shape: names.append(name) or spare(name, shape)
    rng = np.random.default_rng(6)
    checks.assert_conv_matches_torch(layer, rng.normal(size=(2, 2, 5, 6)), rng)
    assert ("stacked" in names) == stacked
