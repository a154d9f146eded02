"""Damaged weights files and checkpoints through the command line: status 2 and one sentence
naming the file, never a traceback (a single .npy, a compressed archive with damaged data,
a file that is no zip at all, a checkpoint whose meta.json lacks or garbles its state)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from cli_support import one_line_error
from designer.cli import main
from designer.engine.net import EngineNet
from designer.model import load_model


@pytest.fixture
def weights(tmp_path):
    """Good float32 weights of the perceptron as a dict."""
    return EngineNet(load_model("perceptron")).state_dict()


def damaged_weights(tmp_path, arrays) -> list:
    """(file, words its error must hold) for each kind of damage."""
    single = tmp_path / "single.npy"
    np.save(single, arrays["1.weight"])
    text = tmp_path / "text.npz"
    text.write_text("1.weight = [0.1, 0.2]\n")
    compressed = tmp_path / "compressed.npz"
    big = {**arrays, "1.weight": np.linspace(0, 1, 4000, dtype=np.float32).reshape(2000, 2)}
    np.savez_compressed(compressed, **big)
    data = bytearray(compressed.read_bytes())
    data[300:400] = bytes(b ^ 0x5A for b in data[300:400])  # inside the deflated data
    compressed.write_bytes(bytes(data))
    objects = tmp_path / "objects.npz"
    np.savez(objects, **{"1.weight": np.array([None, 1], dtype=object)})
    return [(single, ".npy"), (text, "not a zip"), (compressed, "damaged"), (objects, "Python objects")]


def test_damaged_weights_are_one_sentence(capsys, tmp_path, weights):
    for path, words in damaged_weights(tmp_path, weights):
        for argv in (["train", "perceptron", "--data", "blobs:20", "--loss", "mse", "--weights", path],
                     ["predict", "perceptron", "--data", "blobs:20", "--weights", path],
                     ["export", "perceptron", "--to", "pytorch", "--weights", path, "-o", tmp_path / "p.py"]):
            line = one_line_error(capsys, *argv)
            assert str(path) in line and words in line, line


def test_damaged_checkpoints_are_one_sentence(capsys, tmp_path, weights):
    for path, words in damaged_weights(tmp_path, weights):
        line = one_line_error(capsys, "train", "perceptron", "--data", "blobs:20", "--resume", path)
        assert str(path) in line and words in line, line
    ck = tmp_path / "ck.npz"
    assert main(["train", "perceptron", "--data", "blobs:20", "--loss", "mse", "--epochs", "1",
                 "--checkpoint", str(ck), "--quiet"]) == 0
    capsys.readouterr()
    saved = dict(np.load(ck))
    meta = json.loads(str(saved["meta.json"]))
    changes = [
        ("no-network", {"network": None}, "network"),
        ("epoch-text", {"epoch": "one"}, "epoch"),
        ("bad-lr", {"config": {**meta["config"], "lr": "fast"}}, "learning rate"),
        ("bad-schedule", {"config": {**meta["config"], "schedule": 7}}, "schedule"),
        ("bad-rng", {"rngs": [{"state": 1}]}, "damaged checkpoint"),
        ("short-sums", {"sums": [1.0]}, "damaged checkpoint"),
    ]
    for name, change, words in changes:
        path = tmp_path / f"{name}.npz"
        np.savez(path, **{**saved, "meta.json": np.array(json.dumps({**meta, **change}))})
        line = one_line_error(capsys, "train", "perceptron", "--data", "blobs:20", "--resume", path)
        assert str(path) in line and words in line, line
    missing = tmp_path / "missing-array.npz"
    np.savez(missing, **{k: v for k, v in saved.items() if not k.startswith("optimizer/")})
    assert "damaged checkpoint" in one_line_error(capsys, "train", "perceptron", "--data", "blobs:20",
                                                  "--resume", missing)


def test_outputs_that_would_replace_the_checkpoint_being_resumed_are_refused(capsys, tmp_path):
    """--resume X with --out X (or --history X) would overwrite the run it continues."""
    ckpt = tmp_path / "run.ckpt.npz"
    assert main(["train", "perceptron", "--data", "blobs:40", "--loss", "mse", "--epochs", "1", "--checkpoint", str(ckpt),
                 "--quiet"]) in (0, 1)
    before = ckpt.read_bytes()
    for option in ("--out", "--history"):
        code = main(["train", "perceptron", "--data", "blobs:40", "--epochs", "2", "--resume", str(ckpt),
                     option, str(ckpt), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1 and f"--resume and {option} name the same file" in err
        assert ckpt.read_bytes() == before


def test_explain_refuses_a_layer_that_only_looks_like_a_number(capsys):
    code = main(["explain", "lenet5", "²"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "no layer is called '²'" in err
