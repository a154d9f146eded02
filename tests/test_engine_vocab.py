"""The modern CNN vocabulary in the engine: mul (squeeze-and-excitation's broadcast of
a 1×1×D volume), pad (per side, constant), channel_shuffle, channel_slice, dilated convolutions
and max pools, average pools without the padding, and the depthwise convolution's own path.
Float64 central differences for every layer (relative error below 1e-6), outputs and gradients
equal to torch.nn.functional's, and the depthwise path against the grouped im2col path it replaces."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.layers import conv, depthwise, depthwise_bands, row_conv
from designer.model import array_shape
from engine_checks_support import build, check_layer, randomised, spaced, torch_and_functional
from test_engine_gradcheck_graph import build_merge, check_merge

MUL_SHAPES = [[(5, 4, 3), (1, 1, 3)], [(1, 1, 3), (5, 4, 3)], [(5, 4, 3)] * 2, [(1, 1, 3), (5, 4, 3), (5, 4, 3)],
              [(1, 1, 3), (1, 1, 3), (5, 4, 3)],
              [(6,), (6,)], [(1, 1, 3), (1, 1, 3)]]


@pytest.mark.parametrize("shapes", MUL_SHAPES, ids=str)
def test_mul_gradients_and_torch(shapes):
    torch, _ = torch_and_functional()
    rng = np.random.default_rng(0)
    layer = build_merge("mul", shapes)
    xs = [rng.normal(size=(3,) + array_shape(s)) for s in shapes]
    out = check_merge(layer, xs)
    want = xs[0]
    for x in xs[1:]:
        want = want * x  # NumPy's broadcast of (N, D, 1, 1) is PyTorch's and ONNX's
    np.testing.assert_allclose(out, want, rtol=1e-12)


def test_mul_of_a_vector_and_a_volume_is_refused_in_one_sentence():
    from designer.model import KINDS
    outcome = KINDS["mul"].rule({}, [(5, 4, 3), (3,)], ["#2", "#4"])
    assert outcome.shape is None and "#2 5×4×3, #4 3" in outcome.errors[0]
    assert KINDS["mul"].rule({}, [(5, 4, 3), (1, 1, 4)]).errors  # another depth
    assert KINDS["mul"].rule({}, [(5, 4, 3), (5, 1, 3)]).errors  # a row is not a channel vector


LAYER_CASES = [
    ("pad", dict(left=1, right=0, top=2, bottom=1), (5, 4, 3)),
    ("pad", dict(right=1, bottom=1, value=-0.5), (4, 4, 2)),
    ("channel_shuffle", dict(groups=2), (4, 3, 6)),
    ("channel_shuffle", dict(groups=3), (4, 3, 6)),
    ("channel_shuffle", dict(groups=3), (6,)),
    ("channel_slice", dict(start=0, stop=3), (4, 3, 6)),
    ("channel_slice", dict(start=3, stop=6), (4, 3, 6)),
    ("channel_slice", dict(start=2, stop=5), (7,)),
]


def _torch_of(type_, cfg, tx):
    torch, F = torch_and_functional()
    if type_ == "pad":
        return F.pad(tx, (cfg.get("left", 0), cfg.get("right", 0), cfg.get("top", 0), cfg.get("bottom", 0)),
                     value=cfg.get("value", 0.0))
    if type_ == "channel_shuffle":  # torchvision.models.shufflenetv2.channel_shuffle
        n, c = tx.shape[:2]
        g = cfg["groups"]
        return tx.view(n, g, c // g, *tx.shape[2:]).transpose(1, 2).contiguous().view(tx.shape)
    return tx[:, cfg["start"]:cfg["stop"]]


@pytest.mark.parametrize("type_,cfg,shape", LAYER_CASES, ids=str)
def test_channel_and_pad_layers(type_, cfg, shape):
    torch, _ = torch_and_functional()
    rng = np.random.default_rng(1)
    layer = build(type_, shape, **cfg)
    x = rng.normal(size=(3,) + array_shape(shape))
    out = check_layer(layer, x)
    tx = torch.tensor(x, requires_grad=True)
    tout = _torch_of(type_, cfg, tx)
    np.testing.assert_array_equal(out, tout.detach().numpy())
    dout = rng.normal(size=out.shape)
    dx, _ = layer.backward(dout, layer.forward(x, True)[1])
    tout.backward(torch.tensor(dout))
    np.testing.assert_array_equal(dx, tx.grad.numpy())


def test_a_slice_is_not_overwritten_by_a_relu_after_it():
    """The slice's output is a view of its input: it must say it keeps it, so that the net's
    in-place relu never writes into a branch another layer still reads."""
    assert build("channel_slice", (4, 3, 6), stop=3).keeps_output


# Convolutions (on a 7×8×C input): dilated ones by im2col and by tiles, depthwise ones by their
# own path (groups = C = filters, with stride, padding, dilation and no bias).
DILATED = [dict(filters=3, kernel=3, dilation=2, padding=2), dict(filters=2, kernel=[2, 3], dilation=[3, 1]),
           dict(filters=4, kernel=3, dilation=2, stride=2, padding=1, groups=2)]
DEPTHWISE = [dict(filters=6, kernel=3, groups=6, padding=1), dict(filters=6, kernel=3, groups=6, stride=2, padding=1),
             dict(filters=6, kernel=5, groups=6, padding=2, bias=False), dict(filters=6, kernel=[3, 2], groups=6),
             dict(filters=6, kernel=3, groups=6, dilation=2, padding=2),
             dict(filters=6, kernel=3, groups=6, stride=[2, 1], padding=1),
             dict(filters=6, kernel=3, groups=6, stride=3, dilation=2, padding=2),
             dict(filters=6, kernel=[5, 3], groups=6, stride=[3, 2], padding=[2, 0])]


def _conv(cfg, channels):
    rng = np.random.default_rng(2)
    return randomised(build("conv", (7, 8, channels), **cfg), rng), rng


def assert_equals_torch_conv(layer, x, rng):
    torch, F = torch_and_functional()
    out, cache = layer.forward(x, True)
    dout = rng.normal(size=out.shape)
    dx, grads = layer.backward(dout, cache)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.params["weight"], requires_grad=True)
    tb = torch.tensor(layer.params["bias"], requires_grad=True) if "bias" in layer.params else None
    tout = F.conv2d(tx, tw, tb, layer.stride, layer.pad, layer.dilation, layer.groups)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-10, atol=1e-10)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(grads["weight"], tw.grad.numpy(), rtol=1e-10, atol=1e-10)
    if tb is not None:
        np.testing.assert_allclose(grads["bias"], tb.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("tiled", [False, True], ids=["columns", "tiles"])
@pytest.mark.parametrize("cfg", DILATED, ids=str)
def test_dilated_conv(cfg, tiled, monkeypatch):
    if tiled:
        monkeypatch.setattr(conv, "TILE", 1)
    channels = 4
    layer, rng = _conv(cfg, channels)
    assert not layer.by_rows and not layer.depthwise
    x = rng.normal(size=(2, channels, 8, 7))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)


def test_a_dilated_conv_never_goes_by_rows(monkeypatch):
    monkeypatch.setattr(row_conv, "MIN_INNER", 0)
    assert build("conv", (7, 8, 4), filters=3, kernel=3, padding=1).by_rows
    assert not build("conv", (7, 8, 4), filters=3, kernel=3, padding=2, dilation=2).by_rows


def _depthwise_paths():
    for cfg in DEPTHWISE:
        strided = cfg.get("stride", 1) != 1
        for path in ["taps", "grouped im2col"] + ([] if strided else ["bands"]):
            yield pytest.param(cfg, path, id=f"{path}-{cfg}")


@pytest.mark.parametrize("cfg,path", _depthwise_paths())
def test_depthwise_conv(cfg, path, monkeypatch):
    """Stride-1 layers take the banded products unless switched off, then the taps; the grouped
    im2col path is the reference both replace."""
    monkeypatch.setattr(depthwise, "ENABLED", path != "grouped im2col")
    monkeypatch.setattr(depthwise_bands, "ENABLED", path == "bands")
    layer, rng = _conv(cfg, 6)
    assert layer.depthwise == (path != "grouped im2col")
    assert depthwise_bands.suits(layer) == (path == "bands")
    x = rng.normal(size=(2, 6, 8, 7))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)


@pytest.mark.parametrize("rows", [1, 3, 4])
@pytest.mark.parametrize("cfg", [DEPTHWISE[0], DEPTHWISE[2], DEPTHWISE[4], dict(filters=6, kernel=[2, 3], groups=6)],
                         ids=str)
def test_banded_depthwise_with_windows_of_any_height(cfg, rows, monkeypatch):
    """Windows of 1, 3 or 4 output rows (a shorter last window where the rows do not divide),
    on 8- to 5-row outputs."""
    monkeypatch.setattr(depthwise_bands, "BAND_ROWS", rows)
    layer, rng = _conv(cfg, 6)
    assert depthwise_bands.suits(layer)
    x = rng.normal(size=(2, 6, 8, 7))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)


@pytest.mark.parametrize("cfg", [DEPTHWISE[0], DEPTHWISE[1]], ids=["bands", "taps"])
def test_depthwise_path_in_blocks_on_threads(cfg, monkeypatch):
    """Cut into one-channel blocks run by helper threads, each path gives the same numbers."""
    from designer.engine import blas, blocks
    monkeypatch.setattr(blocks, "BLOCK", 1)
    monkeypatch.setattr(blocks, "MIN_SPLIT", 1)
    monkeypatch.setattr(blocks, "cores", lambda: 2)
    monkeypatch.setattr(blas, "usable_cores", lambda: 2)  # the bands ask for every core (also under taskset)
    layer, rng = _conv(cfg, 6)
    x = rng.normal(size=(2, 6, 8, 7))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)


def test_only_one_filter_per_channel_takes_the_depthwise_path():
    assert build("conv", (7, 8, 6), filters=6, groups=6).depthwise
    assert not build("conv", (7, 8, 6), filters=12, groups=6).depthwise  # a channel multiplier of 2
    assert not build("conv", (7, 8, 6), filters=6, groups=3).depthwise
    assert not build("conv", (7, 8, 1), filters=1).depthwise


POOLS = [("max", dict(size=3, stride=2, dilation=2, padding=1)), ("max", dict(size=2, dilation=[2, 1], ceil=True)),
         ("max", dict(size=2, stride=1, dilation=2)),
         ("avg", dict(size=3, stride=2, padding=1, count_include_pad=False)),
         ("avg", dict(size=3, stride=2, padding=1, count_include_pad=False, ceil=True)),
         ("avg", dict(size=2, stride=2, padding=1, count_include_pad=False)),
         ("avg", dict(size=3, stride=1, padding=1, count_include_pad=False))]


@pytest.mark.parametrize("mode,cfg", POOLS, ids=str)
def test_dilated_and_padding_excluding_pools(mode, cfg):
    torch, F = torch_and_functional()
    rng = np.random.default_rng(3)
    layer = build("pool", (7, 8, 2), mode=mode, **cfg)
    x = spaced(rng, (2, 2, 8, 7))
    check_layer(layer, x)
    out, cache = layer.forward(x, True)
    tx = torch.tensor(x, requires_grad=True)
    k, s, p = cfg["size"], cfg.get("stride", cfg["size"]), cfg.get("padding", 0)
    if mode == "max":
        tout = F.max_pool2d(tx, k, s, p, cfg.get("dilation", 1), ceil_mode=cfg.get("ceil", False))
    else:
        tout = F.avg_pool2d(tx, k, s, p, ceil_mode=cfg.get("ceil", False), count_include_pad=False)
    np.testing.assert_allclose(out, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    dout = rng.normal(size=out.shape)
    dx, _ = layer.backward(dout, cache)
    tout.backward(torch.tensor(dout))
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_pool_rules_refuse_what_pytorch_refuses():
    from designer.model import KINDS
    kind = KINDS["pool"]
    assert "only a max pool" in kind.rule(kind.resolve({"mode": "avg", "dilation": 2}), [(8, 8, 1)]).errors[0]
    assert kind.rule(kind.resolve({"mode": "max", "size": 2, "padding": 1, "dilation": 2}), [(8, 8, 1)]).errors == []
    assert kind.rule(kind.resolve({"mode": "max", "size": 2, "padding": 2, "dilation": 2}), [(8, 8, 1)]).errors
    # PyTorch limits the padding to half the kernel, not half its dilated span
    assert kind.rule(kind.resolve({"mode": "max", "size": 3, "padding": 2, "dilation": 2}), [(8, 8, 1)]).errors
    warned = kind.rule(kind.resolve({"mode": "max", "count_include_pad": False}), [(8, 8, 1)])
    assert "ignores it" in warned.warnings[0]


POINTWISE = [dict(filters=5, kernel=1), dict(filters=3, kernel=1, bias=False), dict(filters=4, kernel=[1, 1])]


@pytest.mark.parametrize("fast", [True, False], ids=["pointwise path", "im2col"])
@pytest.mark.parametrize("cfg", POINTWISE, ids=str)
def test_pointwise_conv(cfg, fast, monkeypatch):
    """A 1×1 convolution with stride 1 and no padding: one product on the input itself."""
    monkeypatch.setattr(conv, "POINTWISE", fast)
    layer, rng = _conv(cfg, 6)
    assert layer.pointwise == fast and not layer.by_rows
    x = rng.normal(size=(2, 6, 8, 7))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)


def test_which_convolutions_are_pointwise():
    assert build("conv", (7, 8, 6), filters=4, kernel=1).pointwise
    assert not build("conv", (7, 8, 6), filters=4, kernel=1, stride=2).pointwise
    assert not build("conv", (7, 8, 6), filters=4, kernel=1, padding=1).pointwise
    assert not build("conv", (7, 8, 6), filters=4, kernel=1, groups=2).pointwise
    assert not build("conv", (7, 8, 6), filters=4, kernel=3).pointwise


def test_depthwise_taps_that_see_only_padding():
    """On a map one row high, the top and bottom taps of a padded 3×3 kernel only ever see
    padding: their weight gradient is zero, and everything equals PyTorch (the padding is implied,
    never copied)."""
    rng = np.random.default_rng(7)
    layer = randomised(build("conv", (5, 1, 4), filters=4, kernel=3, groups=4, padding=1), rng)
    assert layer.depthwise
    x = rng.normal(size=(3, 4, 1, 5))
    check_layer(layer, x)
    assert_equals_torch_conv(layer, x, rng)
    out, cache = layer.forward(x, True)
    _, grads = layer.backward(np.ones_like(out), cache)
    assert not grads["weight"][:, 0, [0, 2]].any() and grads["weight"][:, 0, 1].all()
    assert cache[0].shape == (4, 1, 5, 3)  # the cache is the batch-last input itself, unpadded
