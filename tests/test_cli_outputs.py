"""Output files of ``train``, ``predict`` and ``export``: a path that cannot be written is refused
before any work (status 2, one sentence naming the option and the path); a write that fails is
one sentence too, and never damages the file that was there."""
from __future__ import annotations

import errno
import json
import os

import numpy as np
import pytest

from cli_support import one_line_error
from designer.cli import main
from designer.engine.net import EngineNet
from designer.model import load_model, save_weights


@pytest.fixture
def mlp(tmp_path):
    path = tmp_path / "mlp.json"
    path.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 3}, {"type": "softmax"}]}))
    weights = tmp_path / "w.npz"
    save_weights(weights, EngineNet(load_model(str(path))).state_dict())
    return path, weights


def commands(model, weights, target):
    """Every command line that writes ``target``, with the option that names it."""
    train = ["train", model, "--data", "blobs:20", "--epochs", 1, "--quiet"]
    return [
        ("--out", [*train, "--out", target]),
        ("--history", [*train, "--history", target]),
        ("--checkpoint", [*train, "--checkpoint", target]),
        ("--output", ["predict", model, "--weights", weights, "--data", "blobs:20", "-o", target]),
        ("--output", ["export", model, "--to", "pytorch", "-o", target]),
    ]


def test_an_output_in_a_missing_folder_is_refused_before_training(capsys, tmp_path, mlp):
    target = tmp_path / "no such folder" / "out.file"
    for option, argv in commands(*mlp, target):
        line = one_line_error(capsys, *argv)
        assert option in line and "does not exist" in line and str(target) in line
    assert not target.parent.exists()


def test_an_output_under_a_file_or_onto_a_folder_is_refused(capsys, tmp_path, mlp):
    model, weights = mlp
    for target, words in ((model / "out.file", "is not a folder"), (tmp_path, "is a folder")):
        for option, argv in commands(model, weights, target):
            line = one_line_error(capsys, *argv)
            assert option in line and words in line


def test_a_failed_write_is_one_sentence_and_keeps_the_old_file(capsys, tmp_path, mlp, monkeypatch):
    def full_disk(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full_disk)  # the last step of every atomic write
    model, weights = mlp
    target = tmp_path / "old.file"
    for option, argv in commands(model, weights, target):
        target.write_bytes(b"precious")
        line = one_line_error(capsys, *argv)
        assert str(target) in line and "No space left on device" in line, (option, line)
        assert target.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mlp.json", "old.file", "w.npz"]  # no temporary left


def test_outputs_that_name_one_file_are_refused(capsys, tmp_path, mlp):
    model, weights = mlp
    same = tmp_path / "same.npz"
    line = one_line_error(capsys, "train", model, "--data", "blobs:20", "--out", same, "--checkpoint", same)
    assert "--out and --checkpoint" in line and "same.npz" in line
    before = weights.read_bytes()
    line = one_line_error(capsys, "predict", model, "--weights", weights, "--data", "blobs:20", "-o", weights)
    assert "--weights and -o" in line
    line = one_line_error(capsys, "export", model, "--to", "onnx", "--weights", weights, "-o", weights)
    assert "--weights and -o" in line
    assert weights.read_bytes() == before
    # The same weights twice in an ensemble is allowed (their mean is the network's own output).
    assert main(["predict", str(model), "--weights", str(weights), str(weights), "--data", "blobs:20",
                 "-o", str(tmp_path / "p.npy")]) == 0


def test_zero_epochs_and_a_resume_that_lowers_the_total_are_refused(capsys, tmp_path, mlp):
    model, _ = mlp
    assert "--epochs" in one_line_error(capsys, "train", model, "--data", "blobs:20", "--epochs", 0)
    ck = tmp_path / "ck.npz"
    assert main(["train", str(model), "--data", "blobs:20", "--epochs", "2", "--checkpoint", str(ck), "--quiet"]) == 0
    capsys.readouterr()
    line = one_line_error(capsys, "train", model, "--data", "blobs:20", "--resume", ck, "--epochs", 1)
    assert "--epochs 1" in line and "2 epochs" in line and "ck.npz" in line
    assert main(["train", str(model), "--data", "blobs:20", "--resume", str(ck), "--epochs", "3", "--quiet"]) == 0


def test_a_batch_too_large_for_memory_is_one_sentence(capsys, tmp_path, mlp, monkeypatch):
    # AlexNet at a batch of a million needs petabytes: refused before anything is allocated
    # (an allocation that succeeds on paper gets the process killed once the pages are touched).
    line = one_line_error(capsys, "bench", "alexnet", "--batch-size", 10 ** 6)
    assert "AlexNet" in line and "--batch-size" in line and "memory" in line
    # train caps the batch at the training samples, so a huge --batch-size is one full batch.
    assert main(["train", "lenet5", "--data", "shapes:60", "--batch-size", str(10 ** 9), "--epochs", "1", "--quiet"]) == 0
    # What NumPy cannot allocate is one sentence too.
    import designer.commands.predict as predict

    def no_memory(*args, **kwargs):
        raise MemoryError("Unable to allocate 75.0 GiB for an array")

    monkeypatch.setattr(predict, "ensemble_outputs", no_memory)
    model, weights = mlp
    line = one_line_error(capsys, "predict", model, "--weights", weights, "--data", "blobs:20",
                          "--batch-size", 10 ** 7)
    assert "10,000,000 samples does not fit in memory" in line and "--batch-size" in line


def test_ctrl_c_stops_between_batches_and_still_writes_the_outputs(tmp_path):
    import signal
    import subprocess
    import sys
    from pathlib import Path

    out, history = tmp_path / "w.npz", tmp_path / "h.csv"
    out.write_bytes(b"old weights")
    proc = subprocess.Popen([sys.executable, "-m", "designer", "train", "lenet5", "--data", "shapes:200",
                             "--epochs", "100000", "--out", str(out), "--history", str(history)],
                            cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()  # the first finished epoch (standard error is no terminal)
        assert first.startswith("epoch 1/100000"), first
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 1, stderr
    assert stdout.startswith("Stopped by request") and "Traceback" not in stderr
    arrays = np.load(out)
    assert set(arrays.files) == set(EngineNet(load_model("lenet5")).state_dict())
    assert history.read_text().splitlines()[1].startswith("1,")
