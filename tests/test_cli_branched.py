"""``nn-designer summary|train|predict|bench|export|explain`` on a version 2 file: ResNet-20's
design (the template's every layer, ids and shortcuts) on 8×8×3 images, so that it trains in a
second; the exports run in torch and onnxruntime and equal ``predict``."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cli_support import run
from designer.model import dumps, load_model, load_weights
from export_support import load_module


@pytest.fixture(scope="module")
def resnet_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("resnet")
    spec = json.loads(dumps(load_model("resnet20")))
    assert spec["version"] == 2
    spec["layers"][0].update(width=8, height=8)
    spec["name"] = "ResNet-20 on 8×8"
    path = folder / "resnet20-small.json"
    path.write_text(json.dumps(spec))
    rng = np.random.default_rng(0)
    x = rng.random((48, 3, 8, 8), dtype=np.float32)
    y = (x[:, 0].mean(axis=(1, 2)) > x[:, 1].mean(axis=(1, 2))).astype(np.int64)
    data = folder / "data.npz"
    np.savez(data, x=x, y=y)
    return path, data, x


def test_summary_and_explain(capsys, resnet_file):
    path, _, _ = resnet_file
    code, out, err = run(capsys, "summary", path)
    assert code == 0, err
    assert "272,474" in out or "272474" in out  # ResNet-20's parameters: the input size does not change them
    code, out, err = run(capsys, "summary", path, "--json")
    assert code == 0 and json.loads(out)
    code, out, err = run(capsys, "explain", path)
    assert code == 0, err
    assert "add" in out


@pytest.mark.slow
def test_train_predict_bench_and_exports(capsys, resnet_file, tmp_path):
    path, data, x = resnet_file
    weights = tmp_path / "w.npz"
    code, out, err = run(capsys, "train", path, "--data", data, "--epochs", 1, "--batch-size", 16,
                         "--lr", 0.05, "--out", weights)
    assert code == 0, err
    assert out.startswith("Trained 1 epoch")
    arrays = load_weights(weights, load_model(str(path)))
    assert "8.running_mean" in arrays and not np.allclose(arrays["8.running_mean"], 0)
    predicted = tmp_path / "p.npy"
    code, out, err = run(capsys, "predict", path, "--weights", weights, "--data", data, "-o", predicted)
    assert code == 0, err
    probs = np.load(predicted)
    assert probs.shape == (48, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    code, out, err = run(capsys, "bench", path, "--batch-size", 4, "--steps", 1, "--warmup", 0, "--json")
    assert code == 0, err
    assert json.loads(out)["samples_per_second"] > 0

    torch = pytest.importorskip("torch")
    module = tmp_path / "resnet.py"
    code, out, err = run(capsys, "export", path, "--to", "pytorch", "--weights", weights, "-o", module)
    assert code == 0, err
    source = module.read_text()
    assert "x = layer1_0_bn2 + stem" in source and "stem = self.relu1(x)" in source
    net = load_module(module)["build"]()
    with torch.no_grad():
        got = net(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, probs, rtol=1e-4, atol=1e-4)

    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    onnx_file = tmp_path / "resnet.onnx"
    code, out, err = run(capsys, "export", path, "--to", "onnx", "--weights", weights, "-o", onnx_file)
    assert code == 0, err
    session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], probs, rtol=1e-4, atol=1e-4)
