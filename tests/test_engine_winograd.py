"""3×3 stride-1 convolutions by Winograd's F(2×2, 3×3) (designer/engine/layers/winograd.py).

By default only convolutions of ``MIN_CHANNELS`` input channels or more take the path, which the
small layers of the gradient checks do not have; here the threshold is zero, so that the same
float64 gradient checks, shape-rule tests and PyTorch equality tests run through it, plus cases
of its own: paddings 0–2, odd and even maps (a last tile half outside the output), no bias, and
chunks of one tile row spread over threads."""
from __future__ import annotations

import numpy as np
import pytest
import engine_checks_support as checks

from designer.engine import EngineNet, blocks
from designer.engine.layers import row_conv, winograd
from designer.model import load_model

CASES = [  # (config, model input shape (W, H, D))
    (dict(filters=3, kernel=3, padding=1), (6, 5, 2)),   # odd output rows
    (dict(filters=2, kernel=3), (7, 6, 2)),              # odd output columns, no padding
    (dict(filters=2, kernel=3, padding=2), (5, 5, 3)),   # padding = 2: the input gradient pads 0
    (dict(filters=4, kernel=3, padding=1, bias=False), (4, 4, 3)),
    (dict(filters=2, kernel=3, padding=[0, 1]), (3, 4, 2)),  # one tile row
    (dict(filters=2, kernel=3, padding="same"), (8, 7, 5)),
]


@pytest.fixture
def by_winograd(monkeypatch):
    monkeypatch.setattr(winograd, "ENABLED", True)
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 0)
    monkeypatch.setattr(winograd, "FORWARD_ONLY", True)  # evaluation-mode passes too


@pytest.fixture
def tiny_chunks(monkeypatch):
    """Chunks of one tile row and channel blocks of one channel, run on two threads."""
    monkeypatch.setattr(blocks, "BLOCK", 5)
    monkeypatch.setattr(blocks, "MIN_SPLIT", 0)
    monkeypatch.setattr(blocks, "_threads", 2)


def layer_for(cfg, shape, dtype=np.float64):
    layer = checks.build("conv", shape, **cfg) if dtype == np.float64 else None
    if layer is None:
        from designer.engine.layers import make_layer
        from designer.model import KINDS
        kind = KINDS["conv"]
        resolved = kind.resolve(kind.check(cfg))
        layer = make_layer("conv", resolved, [shape], kind.rule(resolved, [shape]).shape, dtype)
    return checks.randomised(layer, np.random.default_rng(1))


@pytest.mark.parametrize("cfg,shape", CASES, ids=str)
def test_gradients_by_winograd(by_winograd, cfg, shape):
    layer = layer_for(cfg, shape)
    assert layer.winograd and not layer.by_rows
    w, h, d = shape
    checks.check_layer(layer, np.random.default_rng(2).normal(size=(2, d, h, w)))


@pytest.mark.parametrize("own_threads", [True, False], ids=["own threads", "blas threads"])
@pytest.mark.parametrize("cfg,shape", CASES[:3], ids=str)
def test_gradients_by_winograd_in_chunks_and_threads(by_winograd, tiny_chunks, monkeypatch, own_threads, cfg, shape):
    monkeypatch.setattr(winograd, "OWN_THREADS", own_threads)
    layer = layer_for(cfg, shape)
    assert layer.winograd
    w, h, d = shape
    checks.check_layer(layer, np.random.default_rng(2).normal(size=(3, d, h, w)))


@pytest.mark.parametrize("cfg", checks.CONV_CASES, ids=str)
def test_the_shared_conv_gradient_checks_by_winograd(by_winograd, cfg):
    checks.check_conv(cfg)  # the 3×3 stride-1 ones go by Winograd, the others as before


@pytest.mark.parametrize("cfg,in_shape", checks.CASES["conv"], ids=str)
def test_rule_equals_forward_by_winograd(by_winograd, cfg, in_shape):
    checks.check_rule_equals_forward("conv", cfg, in_shape, True)


@pytest.mark.parametrize("chunks", [False, True], ids=["whole", "chunks"])
@pytest.mark.parametrize("cfg,shape", CASES, ids=str)
def test_equals_torch_by_winograd(by_winograd, request, chunks, cfg, shape):
    if chunks:
        request.getfixturevalue("tiny_chunks")
    layer = layer_for(cfg, shape)
    assert layer.winograd
    w, h, d = shape
    rng = np.random.default_rng(5)
    checks.assert_conv_matches_torch(layer, rng.normal(size=(3, d, h, w)), rng)


@pytest.mark.parametrize("size,channels,filters", [(32, 16, 16), (15, 32, 24), (8, 64, 64), (16, 128, 64)])
def test_float32_on_suite_shapes_near_torch(monkeypatch, size, channels, filters):
    monkeypatch.setattr(winograd, "ENABLED", True)
    """Default settings, float32, the suite's sizes: output and gradients within float32 rounding
    of PyTorch's (the transforms add a few roundings of their own)."""
    torch, F = checks.torch_and_functional()
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 16)
    layer = layer_for(dict(filters=filters, kernel=3, padding=1), (size, size, channels), np.float32)
    assert layer.winograd
    rng = np.random.default_rng(6)
    x = rng.normal(size=(8, channels, size, size)).astype(np.float32)
    out, cache = layer.forward(x, True)
    dout = rng.normal(size=out.shape).astype(np.float32)
    dx, grads = layer.backward(dout, cache)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["weight"], requires_grad=True)
    tb = torch.tensor(layer.params["bias"], requires_grad=True)
    tout = F.conv2d(tx, tw, tb, 1, 1)
    tout.backward(torch.tensor(dout))
    for ours, theirs in ((out, tout), (dx, tx.grad), (grads["weight"], tw.grad), (grads["bias"], tb.grad)):
        theirs = theirs.detach().numpy()
        scale = np.abs(theirs).max()
        assert np.abs(ours - theirs).max() <= 2e-5 * scale


def test_forward_only_keeps_no_transformed_input(by_winograd):
    """A forward pass in evaluation mode puts V in the shared scratch, not the layer's own
    buffers: a forward-only run holds nothing for a backward pass."""
    layer = layer_for(*CASES[0])
    layer.reuse_scratch = True
    layer.forward(np.ones((2, 2, 5, 6)), False)
    assert "winograd" not in layer._scratch_memory
    layer.forward(np.ones((2, 2, 5, 6)), True)
    assert "winograd" in layer._scratch_memory


def test_whole_net_by_winograd(by_winograd):
    checks.check_whole_net("cross_entropy", "softmax")


def test_which_convolutions_go_by_winograd(monkeypatch):
    """By default: the 3×3 stride-1 convolutions of MIN_CHANNELS input channels or more (ResNet-20's
    64-channel ones; its 16- and 32-channel ones go by kernel rows, its first by im2col, the
    stride-2 ones and the 1×1 projections not this way), when the switch is on (it is off by
    default: measured no faster on two cores)."""
    assert not any(getattr(layer, "winograd", False) for layer in EngineNet(load_model("resnet20")).layers)
    monkeypatch.setattr(winograd, "ENABLED", True)
    net = EngineNet(load_model("resnet20"))
    convs = [layer for layer in net.layers if layer.type == "conv"]
    assert not convs[0].winograd
    for layer in convs[1:]:
        three = tuple(layer.stride) == (1, 1) and layer.kernel == (3, 3)
        assert layer.winograd == (three and layer.in_shape[0] >= winograd.MIN_CHANNELS), layer.cfg
        assert layer.by_rows == three  # evaluation-mode passes (and the narrower ones) by kernel rows
    assert sum(layer.winograd for layer in convs) == 5


@pytest.mark.parametrize("forward_only", [False, True])
def test_evaluation_passes_take_the_path_forward_only_says(monkeypatch, forward_only):
    monkeypatch.setattr(winograd, "ENABLED", True)
    """Training passes go by Winograd; evaluation-mode ones only with FORWARD_ONLY (else by
    kernel rows, measured faster for forward passes alone); both equal im2col's result."""
    monkeypatch.setattr(winograd, "FORWARD_ONLY", forward_only)
    layer = layer_for(dict(filters=16, kernel=3, padding=1), (8, 8, 64))
    assert layer.winograd and layer.by_rows
    x = np.random.default_rng(3).normal(size=(2, 64, 8, 8))
    out, cache = layer.forward(x, False)
    assert (cache[2] == "winograd") == forward_only
    _, cache = layer.forward(x, True)
    assert cache[2] == "winograd"
    monkeypatch.setattr(winograd, "ENABLED", False)
    monkeypatch.setattr(row_conv, "MIN_INNER", 10 ** 9)
    plain = layer_for(dict(filters=16, kernel=3, padding=1), (8, 8, 64))
    assert not plain.winograd and not plain.by_rows
    np.testing.assert_allclose(out, plain.forward(x, False)[0], rtol=1e-10, atol=1e-10)


def test_the_switch_turns_it_off(monkeypatch):
    monkeypatch.setattr(winograd, "ENABLED", False)
    monkeypatch.setattr(row_conv, "MIN_INNER", 0)
    layer = layer_for(dict(filters=16, kernel=3, padding=1), (8, 8, 16))
    assert not layer.winograd and layer.by_rows
