"""relu6, hardtanh, hardsigmoid, hardswish, silu and gelu: the engine equals PyTorch
value by value and gradient by gradient on inputs that reach every edge (zeros, the bounds
themselves, ±3, large magnitudes), in float64 and float32; erf equals the C library's; a training
step equals PyTorch's; the rule refuses empty bounds; the exports load in onnxruntime and agree."""
from __future__ import annotations

import math

import numpy as np
import pytest

from designer.engine.layers.erf import erf
from designer.model import KINDS, Layer, Network, from_json
from engine_checks_support import build

CASES = [("relu6", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.25}),
         ("hardtanh", {"min_val": 1.0, "max_val": 4.0}), ("hardsigmoid", {}), ("hardswish", {}),
         ("silu", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"})]
# Every kink and bound of the kinds above, and values far out on both sides.
EDGES = np.array([0.0, -0.0, 6.0, 5.999, 6.001, -3.0, 3.0, -2.999, 3.001, -1.0, 1.0, -0.5, 2.25, 4.0,
                  1e-8, -1e-8, 0.46875, -0.46875, 4.0001, -5.9, 30.0, -30.0, 1e4, -1e4])


def _torch_module(type_, cfg):
    torch = pytest.importorskip("torch")
    nn = torch.nn
    if type_ == "hardtanh":
        return nn.Hardtanh(cfg.get("min_val", -1.0), cfg.get("max_val", 1.0))
    if type_ == "gelu":
        return nn.GELU(approximate=cfg.get("approximate", "none"))
    return eval(KINDS[type_].torch_module, {"nn": nn})


def _both(type_, cfg, x, dtype):
    torch = pytest.importorskip("torch")
    layer = build(type_, (x.shape[1],), **cfg)
    layer.dtype = np.dtype(dtype)
    out, cache = layer.forward(x.astype(dtype).copy(), True)
    dout = np.linspace(-2, 3, x.size).reshape(x.shape).astype(dtype)
    dx, grads = layer.backward(dout.copy(), cache)
    tx = torch.tensor(x.astype(dtype), requires_grad=True)
    ty = _torch_module(type_, cfg)(tx)
    ty.backward(torch.from_numpy(dout))
    return (np.asarray(out), np.asarray(dx)), (ty.detach().numpy(), tx.grad.numpy()), grads


@pytest.mark.parametrize("type_,cfg", CASES, ids=str)
def test_values_and_gradients_equal_torch_at_every_edge(type_, cfg):
    rng = np.random.default_rng(1)
    x = np.concatenate([EDGES, rng.normal(size=40) * 4]).reshape(2, -1)
    (out, dx), (want, want_dx), grads = _both(type_, cfg, x, np.float64)
    assert grads == {}
    np.testing.assert_allclose(out, want, rtol=1e-14, atol=1e-15)
    # (hardsigmoid's gradient is 1/6 rounded to float32 in float64 too, as PyTorch's kernel has it)
    np.testing.assert_allclose(dx, want_dx, rtol=1e-13, atol=1e-15)
    (out, dx), (want, want_dx), _ = _both(type_, cfg, x, np.float32)
    assert out.dtype == np.float32 and dx.dtype == np.float32
    np.testing.assert_allclose(out, want, rtol=2e-6, atol=2e-6)
    np.testing.assert_allclose(dx, want_dx, rtol=2e-6, atol=2e-6)


def test_erf_equals_the_c_librarys_in_float64_and_float32():
    x = np.concatenate([np.linspace(-8, 8, 40001), EDGES, [np.inf, -np.inf]])
    want = np.array([math.erf(v) for v in x])
    got = erf(x)
    assert got.dtype == np.float64
    assert np.max(np.abs(got - want) / np.maximum(np.abs(want), 1e-300)) < 2e-15
    got32 = erf(x.astype(np.float32))
    assert got32.dtype == np.float32 and np.max(np.abs(got32 - want)) < 5e-7
    assert np.isnan(erf(np.array([np.nan, 1.0])))[0]


def test_relu6_clips_at_six_and_passes_no_gradient_at_its_bounds():
    layer = build("relu6", (5,))
    out, cache = layer.forward(np.array([[-1.0, 0.0, 3.0, 6.0, 7.0]]))
    np.testing.assert_array_equal(out, [[0, 0, 3, 6, 6]])
    dx, _ = layer.backward(np.ones((1, 5)), cache)
    np.testing.assert_array_equal(dx, [[0, 0, 1, 0, 0]])  # PyTorch's: strictly inside (0, 6)


@pytest.mark.parametrize("lo,hi", [(1.0, 1.0), (2.0, -2.0), (0.5, 0.25)])
def test_hardtanh_refuses_bounds_that_leave_nothing_between(lo, hi):
    network = Network([Layer.make("input", features=3), Layer.make("hardtanh", min_val=lo, max_val=hi)])
    errors = network.report().layers[1].errors
    assert errors == [f"hardtanh max_val {hi:g} must be greater than min_val {lo:g}"]


@pytest.mark.parametrize("type_,cfg", CASES, ids=str)
def test_a_training_step_equals_torch(type_, cfg):
    from step_parity_support import check_one_step
    check_one_step([{"type": "input", "width": 5, "height": 4, "depth": 2},
                    {"type": "conv", "filters": 3, "kernel": 3, "padding": 1},
                    {"type": type_, **cfg},
                    {"type": "dense", "units": 4},
                    {"type": type_, **cfg},
                    {"type": "dense", "units": 3},
                    {"type": "softmax"}])


@pytest.mark.parametrize("type_,cfg", CASES, ids=str)
def test_the_exports_load_in_onnxruntime_and_equal_the_engine(type_, cfg, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from designer.engine import EngineNet
    from designer.export.onnx import onnx_model
    network = from_json({"format": "nn-designer", "version": 2, "layers": [
        {"type": "input", "width": 6, "height": 5, "depth": 2}, {"type": type_, **cfg}]})
    net = EngineNet(network, np.float32)
    model = onnx_model(network, net.state_dict())
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(2)
    x = np.concatenate([np.tile(EDGES, 3)[:60], rng.normal(size=60) * 4]).reshape(2, 2, 5, 6).astype(np.float32)
    got = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(got, net.forward(x), rtol=2e-6, atol=2e-6)


@pytest.mark.parametrize("type_,cfg", CASES, ids=str)
def test_a_file_with_one_is_version_2_and_a_version_1_file_is_refused(type_, cfg):
    from designer.model import ModelError, dumps, loads
    layers = [{"type": "input", "features": 3}, {"type": type_, **cfg}]
    network = from_json({"format": "nn-designer", "version": 2, "layers": layers})
    assert '"version": 2' in dumps(network)
    with pytest.raises(ModelError, match=rf"layers\[1\]: this layer uses the type {type_}, which needs"):
        loads('{"format": "nn-designer", "version": 1, "layers": ' + __import__("json").dumps(layers) + "}")
    plain = from_json({"format": "nn-designer", "version": 2, "layers": [layers[0], {"type": "relu"}]})
    assert '"version": 1' in dumps(plain)


# --------------------------------------------------------------------------- log_softmax
def _log_softmax_net(last="log_softmax"):
    return [{"type": "input", "features": 5}, {"type": "dense", "units": 6}, {"type": "silu"},
            {"type": "dense", "units": 4}, {"type": last}]


def test_log_softmax_equals_torch_and_its_gradient_checks():
    torch = pytest.importorskip("torch")
    from engine_checks_support import check_pointwise
    for shape in ((3, 2, 6), (6,)):
        check_pointwise("log_softmax", {}, shape, True)
    layer = build("log_softmax", (4,))
    x = np.array([[0.0, 0.0, 0.0, 0.0], [1000.0, -1000.0, 0.0, 1000.0], [-3.0, 2.0, 7.5, 0.25]])
    out, cache = layer.forward(x.copy())
    want = torch.log_softmax(torch.from_numpy(x), dim=1).numpy()
    np.testing.assert_allclose(out, want, rtol=1e-15, atol=1e-15)
    assert np.all(np.isfinite(out))  # a probability of e^-2000 is still a finite log


def test_cross_entropy_on_log_softmax_is_torchs_nll_and_its_cross_entropy_on_the_scores():
    """Trained with cross_entropy, a network ending in log_softmax takes one step equal to PyTorch's
    CrossEntropyLoss on the scores (= NLLLoss after LogSoftmax), and equal to the same network
    ending in softmax."""
    torch = pytest.importorskip("torch")
    from step_parity_support import check_one_step, design
    from designer.engine import EngineNet
    check_one_step(_log_softmax_net())
    a = EngineNet(from_json(design(_log_softmax_net())), np.float64, seed=3)
    b = EngineNet(from_json(design(_log_softmax_net("softmax"))), np.float64, seed=3)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.integers(0, 4, 7)
    loss_a, out_a = a.loss_and_backward(x, y)
    loss_b, out_b = b.loss_and_backward(x, y)
    assert loss_a == loss_b
    np.testing.assert_allclose(np.exp(out_a), out_b, rtol=1e-13)  # log-probabilities out, not probabilities
    for key in a.grads:
        np.testing.assert_array_equal(a.grads[key], b.grads[key])
    scores = a.forward(x, upto=3)
    nll = torch.nn.functional.nll_loss(torch.log_softmax(torch.from_numpy(scores), 1), torch.from_numpy(y))
    assert loss_a == pytest.approx(nll.item(), rel=1e-13)
    np.testing.assert_allclose(a.predict(x), out_a, rtol=1e-12)  # predict gives the log-probabilities


def test_mse_refuses_a_log_softmax_network_in_one_sentence():
    from designer.engine import EngineNet, LossError
    from designer.engine.data import Dataset
    from designer.engine.training import TrainConfig, Trainer
    from step_parity_support import design
    network = from_json(design(_log_softmax_net()))
    with pytest.raises(LossError, match="ends in log_softmax .* train it with cross_entropy"):
        EngineNet(network).loss_and_backward(np.zeros((2, 5)), np.array([0, 1]), "mse")
    data = Dataset("d", np.zeros((4, 5), np.float32), np.array([0, 1, 2, 3]), None, "test")
    with pytest.raises(LossError, match="ends in log_softmax"):
        Trainer(network, data, TrainConfig(loss="mse", epochs=1))


def test_the_log_softmax_exports_score_and_run_in_onnxruntime():
    ort = pytest.importorskip("onnxruntime")
    from step_parity_support import design
    from designer.engine import EngineNet
    from designer.export.onnx import onnx_model
    from designer.export.pytorch import pytorch_source
    network = from_json(design(_log_softmax_net()))
    assert "def forward(self, x, scores=False)" in pytorch_source(network)
    net = EngineNet(network)
    session = ort.InferenceSession(onnx_model(network, net.state_dict()).SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
    np.testing.assert_allclose(session.run(None, {"input": x})[0], net.predict(x), rtol=1e-5, atol=1e-6)


def test_relu6_and_hardtanh_overwrite_their_input_only_where_nothing_else_reads_it():
    """As relu: after a batchnorm (whose output nobody else holds) in place, and the same numbers;
    never over the caller's batch or a branch another layer reads."""
    from designer.engine import EngineNet
    from step_parity_support import design
    layers = [{"type": "input", "width": 5, "height": 4, "depth": 3, "id": "x"},
              {"type": "relu6"},                                   # reads the caller's batch
              {"type": "conv", "filters": 4, "kernel": 3, "padding": 1}, {"type": "batchnorm"},
              {"type": "relu6"},                                   # in place over batchnorm's output
              {"type": "conv", "filters": 4, "kernel": 1, "id": "c"},
              {"type": "hardtanh", "min_val": -0.5, "max_val": 0.5},  # "c" is read by the add too
              {"type": "add", "inputs": ["c", 6]},
              {"type": "layer_norm"}, {"type": "hardtanh"},        # in place over layer norm's output
              {"type": "global_pool", "mode": "avg"}, {"type": "flatten"}, {"type": "dense", "units": 3}]
    net = EngineNet(from_json(design(layers)), np.float64, seed=1)
    steps = {step.layer: step for step in net.plan().steps}
    assert [i for i in (1, 4, 6, 9) if steps[i].inplace] == [4, 9]
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 5)) * 4
    before = x.copy()
    out = net.forward(x)
    np.testing.assert_array_equal(x, before)
    # the same numbers as each layer run on its own (no overwriting)
    values = []
    for i, layer in enumerate(net.layers):
        ins = [values[s] for s in net.sources[i]] or [x]
        values.append(layer.forward(ins if layer.type == "add" else ins[0].copy())[0])
    np.testing.assert_allclose(out, values[-1], rtol=1e-13)
    value, _ = net.loss_and_backward(x, np.array([0, 2]))
    assert np.isfinite(value)


def test_the_format_doc_names_every_version_2_type_and_key():
    """docs/model-format.md's list of what makes a file version 2 is jsonio's (V2_TYPES, V2_KEYS)."""
    import re
    from pathlib import Path
    from designer.model.jsonio import V2_KEYS, V2_TYPES
    text = (Path(__file__).resolve().parent.parent / "docs" / "model-format.md").read_text(encoding="utf-8")
    start = text.index("- A file whose layers never use")
    named = set(re.findall(r"`(\w+)`", text[start:text.index("is written as version 1", start)])) - {"inputs"}
    assert named == set(V2_TYPES) | {key for keys in V2_KEYS.values() for key in keys}
