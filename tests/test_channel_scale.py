"""layer_norm (nn.LayerNorm of a vector, torchvision's LayerNorm2d of a volume), layer_scale
(ConvNeXt's γ) and scale_shift (constants per channel): PyTorch's values and gradients,
a training step, the exports in onnxruntime on a shape where broadcasting along W would also be
valid (W = C), the arrays they declare and where they start."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine import EngineNet
from designer.model import from_json
from engine_checks_support import build

# W = C = 4: a per-channel constant written as (C,) would broadcast along W without an error.
SQUARE = {"type": "input", "width": 4, "height": 3, "depth": 4}


def _design(*layers, first=SQUARE):
    return from_json({"format": "nn-designer", "version": 2, "layers": [first, *layers]})


def _random_arrays(net, rng):
    for a in net.arrays.values():
        a[...] = rng.uniform(0.5, 1.5, a.shape) * rng.choice([-1, 1], a.shape)
    return net.state_dict()


@pytest.mark.parametrize("shape", [(4, 3, 4), (7,)], ids=["volume", "vector"])
@pytest.mark.parametrize("eps", [1e-5, 0.25])
def test_layer_norm_equals_torch_values_and_gradients(shape, eps):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    layer = build("layer_norm", shape, eps=eps)
    d = shape[-1]
    w, b = rng.normal(size=d), rng.normal(size=d)
    layer.params["weight"][...], layer.params["bias"][...] = w, b
    x = rng.normal(size=(3,) + layer.in_shape) * 3 + 1
    x[0] = 2.0  # a position whose channels are all equal: variance 0, only eps keeps it finite
    out, cache = layer.forward(x.copy(), True)
    dout = rng.normal(size=out.shape)
    dx, grads = layer.backward(dout, cache)
    tx = torch.tensor(x, requires_grad=True)
    tw, tb = torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)
    moved = tx.permute(0, 2, 3, 1) if len(shape) == 3 else tx
    ty = torch.nn.functional.layer_norm(moved, (d,), tw, tb, eps)
    ty = ty.permute(0, 3, 1, 2) if len(shape) == 3 else ty
    ty.backward(torch.from_numpy(dout))
    np.testing.assert_allclose(out, ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dx, tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grads["weight"], tw.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grads["bias"], tb.grad.numpy(), rtol=1e-12, atol=1e-12)
    evaluated, _ = layer.forward(x.copy(), False)
    np.testing.assert_array_equal(evaluated, out)  # no running statistics: the same in evaluation


def test_layer_scale_starts_at_its_init_and_counts_one_parameter_per_channel():
    network = _design({"type": "layer_scale", "init": 0.25}, {"type": "flatten"},
                      {"type": "layer_scale"})
    report = network.report()
    assert [info.param_count for info in report.layers[1:]] == [4, 0, 48]
    net = EngineNet(network, init="he")
    np.testing.assert_array_equal(net.arrays["1.weight"], np.full(4, 0.25, np.float32))
    np.testing.assert_array_equal(net.arrays["3.weight"], np.full(48, 1e-6, np.float32))


def test_scale_shift_holds_constants_that_no_step_changes():
    network = _design({"type": "scale_shift"}, {"type": "dense", "units": 3})
    report = network.report()
    assert report.layers[1].param_count == 0 and report.layers[1].buffer_count == 8
    from designer.model import expected_arrays
    assert expected_arrays(network)["1.scale"] == (4,) and expected_arrays(network)["1.shift"] == (4,)
    net = EngineNet(network, np.float64)
    np.testing.assert_array_equal(net.arrays["1.scale"], np.ones(4))   # the identity until loaded
    np.testing.assert_array_equal(net.arrays["1.shift"], np.zeros(4))
    rng = np.random.default_rng(1)
    scale, shift = rng.normal(size=4), rng.normal(size=4)
    net.arrays["1.scale"][...], net.arrays["1.shift"][...] = scale, shift
    x = rng.normal(size=(2, 4, 3, 4))
    np.testing.assert_allclose(net.forward(x, upto=1), x * scale[:, None, None] + shift[:, None, None])
    assert "1.scale" not in net.params and "1.shift" not in net.params
    from designer.engine import SGD
    net.loss_and_backward(x, np.array([0, 2]))
    SGD(net.params, lr=0.5).step(net.grads)
    np.testing.assert_array_equal(net.arrays["1.scale"], scale)


CASES = [
    [{"type": "layer_norm"}],
    [{"type": "layer_norm", "eps": 1e-6}, {"type": "layer_scale", "init": 0.5}],
    [{"type": "scale_shift"}, {"type": "relu"}, {"type": "layer_scale"}],
]


@pytest.mark.parametrize("layers", CASES, ids=str)
def test_a_training_step_equals_torch(layers):
    from step_parity_support import check_one_step
    conv = {"type": "conv", "filters": 4, "kernel": 3, "padding": 1}
    tail = [{"type": "dense", "units": 5}, *layers, {"type": "dense", "units": 3}, {"type": "softmax"}]
    check_one_step([SQUARE, conv, *layers, *tail], randomise=("weight", "bias", "scale", "shift"))


@pytest.mark.parametrize("layers", CASES, ids=str)
def test_the_exports_equal_the_engine_in_onnxruntime_and_pytorch(layers, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    from designer.export.onnx import onnx_model
    from step_parity_support import exported_twin
    rng = np.random.default_rng(2)
    for first, tail in ((SQUARE, []), ({"type": "input", "features": 6}, [])):
        network = _design(*layers, *tail, first=first)
        net = EngineNet(network, np.float32)
        arrays = _random_arrays(net, rng)
        x = rng.normal(size=(3, *net.input_shape)).astype(np.float32)
        session = ort.InferenceSession(onnx_model(network, arrays).SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        want = net.forward(x)
        np.testing.assert_allclose(session.run(None, {"input": x})[0], want, rtol=1e-5, atol=1e-5)
        model, _ = exported_twin(network, arrays)
        with torch.no_grad():
            got = model.eval()(torch.from_numpy(x.astype(np.float64))).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_explain_writes_out_their_numbers():
    from designer.learn.shape import explain
    network = _design({"type": "layer_norm", "eps": 1e-6}, {"type": "layer_scale"}, {"type": "scale_shift"},
                      {"type": "hardtanh", "min_val": 0, "max_val": 2}, {"type": "flatten"},
                      {"type": "layer_norm"}, first={"type": "input", "width": 7, "height": 5, "depth": 96})
    text = [explain(network, i, where="terminal").text for i in range(1, 7)]
    assert ("normalises the 96 channels at each of the 7·5 = 35 positions (mean 0, variance 1, eps 1e-06), "
            "then learns a scale γ and a shift β per channel: params = 2·96 = 192.") in text[0]
    assert "starting at 1e-06: params = 96, one per channel." in text[1]
    assert "constants per channel from the weights file: 2·96 = 192 stored values, 0 parameters" in text[2]
    assert "Hardtanh computes x clipped to [0, 2], as nn.Hardtanh;" in text[3]
    assert "normalises the 3360 features" in text[5] and "params = 2·3360 = 6,720." in text[5]
