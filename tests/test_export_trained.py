"""For networks that together hold every layer kind, trained with
``nn-designer train``, the exported PyTorch module (run by torch) and the exported ONNX model (run
by onnxruntime) produce what ``nn-designer predict`` writes, to 1e-4. Skipped where torch or
onnxruntime is absent (.ci/run installs both)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from designer.cli import main
from designer.model import KINDS
from branched_nets import INCEPTION, RESIDUAL, SHARED_RELU_INPUT
from export_support import EVERY_KIND, SIGN_NET, load_module

def _data(rng, shape, n=96, classes=4):
    """Inputs with a label each that depends on them (so training moves every weight)."""
    x = rng.random((n, *shape), dtype=np.float32)
    flat = x.reshape(n, -1)
    y = (flat[:, : flat.shape[1] // 2].sum(1) > flat[:, flat.shape[1] // 2:].sum(1)).astype(np.int64)
    y = y + 2 * (flat[:, 0] > 0.5) if classes == 4 else y + (flat[:, 0] > 0.5)
    return x, y


NETWORKS = [("every", EVERY_KIND, (3, 8, 9), 4), ("sign", SIGN_NET, (4,), 3),
            ("residual", RESIDUAL, (3, 8, 8), 4), ("inception", INCEPTION, (4, 9, 9), 3),
            ("shared", SHARED_RELU_INPUT, (2, 6, 6), 3)]
NAMES = [name for name, *_ in NETWORKS]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """For each network: its model file, trained weights, data and `nn-designer predict` output."""
    folder = tmp_path_factory.mktemp("trained")
    rng = np.random.default_rng(0)
    out = {}
    for name, design, shape, classes in NETWORKS:
        model, data = folder / f"{name}.json", folder / f"{name}.npz"
        model.write_text(json.dumps(design))
        x, y = _data(rng, shape, classes=classes)
        np.savez(data, x=x, y=y)
        weights, predicted = folder / f"{name}-w.npz", folder / f"{name}-pred.npy"
        assert main(["train", str(model), "--data", str(data), "--epochs", "3", "--batch-size", "16",
                     "--lr", "0.05", "--val-split", "0", "--out", str(weights)]) == 0
        assert main(["predict", str(model), "--weights", str(weights), "--data", str(data),
                     "-o", str(predicted)]) == 0
        out[name] = (model, weights, x, np.load(predicted))
    return out


def test_the_networks_hold_every_layer_kind():
    used = {layer["type"] for _, design, *_ in NETWORKS for layer in design["layers"]}
    assert used == set(KINDS)
    pools = {layer.get("mode", "max") for layer in EVERY_KIND["layers"] if layer["type"] == "pool"}
    assert pools == {"max", "avg", "l2"}


def test_training_changed_the_weights_and_the_batchnorm_statistics(trained):
    model, weights, _, _ = trained["every"]
    with np.load(weights) as w:
        assert not np.allclose(w["2.running_mean"], 0) and not np.allclose(w["2.running_var"], 1)


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_export_equals_predict(trained, tmp_path, name, capsys):
    torch = pytest.importorskip("torch")
    model, weights, x, predicted = trained[name]
    out = tmp_path / f"{name}.py"
    assert main(["export", str(model), "--to", "pytorch", "--weights", str(weights), "-o", str(out)]) == 0
    net = load_module(out)["build"]()
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    assert got.shape == predicted.shape
    np.testing.assert_allclose(got, predicted, rtol=1e-4, atol=1e-4)
    if name == "sign":  # the sign layer inside gives ±1 exactly, as in the engine
        with torch.no_grad():
            signs = net.sign1(net.hidden(torch.from_numpy(x)))
        assert set(signs.unique().tolist()) == {-1.0, 1.0}


@pytest.mark.parametrize("name", NAMES)
def test_onnx_export_equals_predict_in_onnxruntime(trained, tmp_path, name):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model, weights, x, predicted = trained[name]
    out = tmp_path / f"{name}.onnx"
    assert main(["export", str(model), "--to", "onnx", "--weights", str(weights), "-o", str(out)]) == 0
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    (inp,), (outp,) = session.get_inputs(), session.get_outputs()
    assert inp.name == "input" and inp.shape[0] == "N" and outp.name == "output"
    got = session.run(None, {"input": x})[0]
    np.testing.assert_allclose(got, predicted, rtol=1e-4, atol=1e-4)
    for batch in (1, 7):  # the batch dimension is free
        np.testing.assert_allclose(session.run(None, {"input": x[:batch]})[0], predicted[:batch],
                                   rtol=1e-4, atol=1e-4)


def test_weights_trained_in_pytorch_come_back(trained, tmp_path):
    """save_weights in the exported file writes a weights file `nn-designer predict` reads."""
    torch = pytest.importorskip("torch")
    model, weights, x, _ = trained["every"]
    out = tmp_path / "every.py"
    assert main(["export", str(model), "--to", "pytorch", "-o", str(out)]) == 0
    module = load_module(out)
    net = module["Net"]().eval()
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.01)
        expected = net(torch.from_numpy(x)).numpy()
    module["save_weights"](net, tmp_path / "from-torch.npz")
    assert main(["predict", str(model), "--weights", str(tmp_path / "from-torch.npz"),
                 "--data", str(trained["every"][0].with_suffix(".npz")), "-o", str(tmp_path / "p.npy")]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "p.npy"), expected, rtol=1e-4, atol=1e-4)
