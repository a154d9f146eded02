"""``nn-designer train``, ``predict`` and ``bench`` through ``designer.cli.main``: outputs, files,
exit codes, and one line on standard error for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli_support import one_line_error, run
from designer.engine.net import EngineNet
from designer.model import load_model
from designer.model import load_weights, save_weights

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def xor_npz(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (120, 2)).astype(np.float32)
    y = ((x[:, 0] > 0) == (x[:, 1] > 0)).astype(np.int64)
    path = tmp_path / "xor.npz"
    np.savez(path, x=x, y=y)
    return path


@pytest.fixture
def mlp_file(tmp_path):
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps({"format": "nn-designer", "version": 1, "name": "xor net", "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 8}, {"type": "tanh"},
        {"type": "dense", "units": 2}, {"type": "softmax"}]}))
    return path


# --------------------------------------------------------------------------- train
def test_train_writes_weights_and_history(capsys, tmp_path, mlp_file, xor_npz):
    out, hist = tmp_path / "out.npz", tmp_path / "h.csv"
    code, stdout, stderr = run(capsys, "train", mlp_file, "--data", xor_npz, "--epochs", 3, "--batch-size", 16,
                               "--lr", 0.1, "--history", hist, "--out", out)
    assert code == 0, stderr
    assert stdout.startswith("Trained 3 epochs: validation accuracy")
    assert stderr.count("epoch ") == 3 and "val loss" in stderr  # not a terminal: epoch lines only
    weights = load_weights(out, load_model(str(mlp_file)))
    assert set(weights) == {"1.weight", "1.bias", "3.weight", "3.bias"}
    lines = hist.read_text().splitlines()
    assert lines[0] == "epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds"
    assert [line.split(",")[0] for line in lines[1:]] == ["1", "2", "3"]
    assert all(len(line.split(",")) == 7 and "" not in line.split(",") for line in lines[1:])


def test_train_is_reproducible_by_seed(capsys, tmp_path, mlp_file, xor_npz):
    paths = [tmp_path / f"{i}.npz" for i in range(3)]
    for path, seed in zip(paths, (5, 5, 6)):
        assert run(capsys, "train", mlp_file, "--data", xor_npz, "--epochs", 2, "--seed", seed, "--out", path)[0] == 0
    a, b, c = (np.load(p) for p in paths)
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    assert not all(np.array_equal(a[k], c[k]) for k in a.files)


def test_template_starts_from_its_shipped_weights_unless_given(capsys, tmp_path):
    data = tmp_path / "one.npz"
    np.savez(data, x=np.array([[10.0, 30.0, 20.0]]), y=np.array([[1.0, 0.0]]))
    out = tmp_path / "out.npz"
    code, _, err = run(capsys, "train", "mlp-example", "--data", data, "--loss", "mse", "--lr", 0.1,
                       "--momentum", 0, "--epochs", 1, "--batch-size", 1, "--val-split", 0, "--dtype", "float64",
                       "--out", out)
    assert code == 0, err
    w = np.load(out)
    assert w["3.weight"][0, 0] == pytest.approx(1.1 + 0.0046771, abs=1e-6)  # the course's step
    zeros = tmp_path / "zeros.npz"
    save_weights(zeros, {"1.weight": np.zeros((2, 3)), "3.weight": np.zeros((2, 2))})
    assert run(capsys, "train", "mlp-example", "--data", data, "--loss", "mse", "--epochs", 1,
               "--val-split", 0, "--weights", zeros, "--out", out)[0] == 0
    assert abs(np.load(out)["3.weight"][0, 0]) < 0.1


def test_train_checkpoint_and_resume_match_an_uninterrupted_run(capsys, tmp_path, mlp_file, xor_npz):
    common = ["train", mlp_file, "--data", xor_npz, "--batch-size", 16, "--lr", 0.1, "--schedule", "step:step_size=1,gamma=0.5"]
    whole = tmp_path / "whole.npz"
    assert run(capsys, *common, "--epochs", 4, "--out", whole)[0] == 0
    ck, resumed = tmp_path / "ck.npz", tmp_path / "resumed.npz"
    assert run(capsys, *common, "--epochs", 2, "--checkpoint", ck)[0] == 0
    code, out, err = run(capsys, "train", mlp_file, "--data", xor_npz, "--resume", ck, "--epochs", 4,
                         "--out", resumed, "--history", tmp_path / "h.csv")
    assert code == 0, err
    a, b = np.load(whole), np.load(resumed)
    assert all(np.array_equal(a[k], b[k]) for k in a.files)
    lrs = [float(line.split(",")[5]) for line in (tmp_path / "h.csv").read_text().splitlines()[1:]]
    assert lrs == [0.1, 0.05, 0.025, 0.0125]


@pytest.mark.parametrize("argv, words", [
    (["train", "nosuchmodel", "--data", "xor"], "nosuchmodel"),
    (["train", "perceptron", "--data", "nosuchdata.npz"], "nosuchdata.npz"),
    (["train", "perceptron", "--data", "xor", "--lr", "-1"], "--lr"),
    (["train", "perceptron", "--data", "xor", "--epochs", "two"], "--epochs"),
    (["train", "perceptron", "--data", "xor", "--loss", "hinge"], "--loss"),
    (["train", "perceptron", "--data", "xor", "--val-split", "1"], "--val-split"),
    (["train", "perceptron"], "--data"),
    (["train", "lenet5", "--data", "xor"], "input"),
    (["train", "perceptron", "--data", "xor"], "mse"),
    (["train", "perceptron", "--data", "xor", "--loss", "mse", "--schedule", "cosine"], "schedule"),
    (["train", "lenet5", "--data", "shapes:60", "--augment", "rotate"], "augmentation"),
    (["train", "perceptron", "--data", "xor", "--loss", "mse", "--weights", "missing.npz"], "missing.npz"),
    (["train", "perceptron", "--data", "xor", "--loss", "mse", "--resume", "missing.npz"], "missing.npz"),
])
def test_bad_input_is_status_2_and_one_line(capsys, argv, words):
    assert words in one_line_error(capsys, *argv)


def test_weights_of_another_network_are_refused(capsys, tmp_path):
    wrong = tmp_path / "wrong.npz"
    save_weights(wrong, {"1.weight": np.zeros((3, 3))})
    line = one_line_error(capsys, "train", "perceptron", "--data", "blobs:20", "--loss", "mse", "--weights", wrong)
    assert "wrong.npz" in line and "1.weight" in line


def test_divergence_exits_1_and_keeps_finite_weights(capsys, tmp_path):
    model = tmp_path / "linear.json"
    model.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 8}, {"type": "relu"},
        {"type": "dense", "units": 1}]}))
    data = tmp_path / "big.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x=rng.normal(size=(40, 2)) * 1000, y=rng.integers(0, 2, 40))
    out = tmp_path / "w.npz"
    code, stdout, stderr = run(capsys, "train", model, "--data", data, "--loss", "mse", "--lr", 10,
                               "--val-split", 0, "--epochs", 50, "--out", out)
    assert code == 1, stderr
    assert stdout.startswith("The loss became") and "lower learning rate" in stdout
    assert "Warning" not in stderr
    assert all(np.all(np.isfinite(v)) for v in np.load(out).values())


def test_train_as_a_subprocess_shows_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "designer", "train", "lenet5", "--data", "xor"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "input" in proc.stderr


# --------------------------------------------------------------------------- predict
def test_predict_averages_an_ensemble(capsys, tmp_path, mlp_file, xor_npz):
    network = load_model(str(mlp_file))
    paths, outs = [], []
    x = np.load(xor_npz)["x"]
    for seed in range(3):
        net = EngineNet(network, seed=seed)
        path = tmp_path / f"w{seed}.npz"
        save_weights(path, net.state_dict())
        paths.append(path)
        outs.append(net.predict(x))
    target = tmp_path / "out.npy"
    code, stdout, err = run(capsys, "predict", mlp_file, "--weights", *paths, "--data", xor_npz, "-o", target)
    assert code == 0, err
    got = np.load(target)
    assert got.shape == (120, 2)
    np.testing.assert_allclose(got, np.mean(outs, axis=0), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(got.sum(axis=1), 1, rtol=1e-5)  # after the network's softmax
    y = np.load(xor_npz)["y"]
    right = int(np.sum(got.argmax(axis=1) == y))
    assert f"accuracy {100 * right / 120:.2f} % ({right} of 120)" in stdout
    assert "mean of 3 networks" in stdout
    # One file is its own network's output; without -o the rows go to standard output.
    code, stdout, err = run(capsys, "predict", mlp_file, "--weights", paths[0], "--data", xor_npz)
    assert code == 0
    rows = np.loadtxt(stdout.splitlines(), delimiter=",")
    np.testing.assert_allclose(rows, outs[0], rtol=1e-5, atol=1e-6)
    assert err.startswith("accuracy")


def test_predict_bad_input(capsys, tmp_path, mlp_file, xor_npz):
    assert "--weights" in one_line_error(capsys, "predict", mlp_file, "--data", xor_npz)
    assert "missing.npz" in one_line_error(capsys, "predict", mlp_file, "--weights", "missing.npz", "--data", xor_npz)
    net = EngineNet(load_model("lenet5"))
    w = tmp_path / "lenet.npz"
    save_weights(w, net.state_dict())
    assert "input" in one_line_error(capsys, "predict", "lenet5", "--weights", w, "--data", xor_npz)


# --------------------------------------------------------------------------- bench
def test_bench_json(capsys):
    code, out, err = run(capsys, "bench", "lenet5", "--batch-size", 8, "--steps", 2, "--warmup", 1, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"samples_per_second", "batch_size", "steps", "seconds", "peak_memory_mb"}
    assert result["batch_size"] == 8 and result["steps"] == 2
    assert result["samples_per_second"] == pytest.approx(16 / result["seconds"])
    assert result["peak_memory_mb"] > 10


def test_bench_text_and_bad_input(capsys):
    code, out, _ = run(capsys, "bench", "perceptron", "--steps", 2)
    assert code == 0 and "samples/s" in out and "batch 64" in out
    assert "--steps" in one_line_error(capsys, "bench", "lenet5", "--steps", "0")
    assert "nosuch" in one_line_error(capsys, "bench", "nosuch")
