"""Very large model files are refused at once above the documented
limits (docs/model-format.md: 16 MB, 10,000 layers), in one sentence, by every command; a 46 MB
file of 2.9 million layers ran past 60 s in each. Up to the limits every command answers."""
from __future__ import annotations

import json

import pytest

from designer.model.jsonio import MAX_FILE_BYTES, MAX_LAYERS
from hostile_support import refused, run_within

COMMANDS = [["summary", "{}"], ["render", "{}", "-o", "x.svg"], ["export", "{}", "--to", "pytorch", "-o", "x.py"],
            ["export", "{}", "--to", "onnx", "-o", "x.onnx"], ["train", "{}", "--data", "blobs", "--epochs", "1"],
            ["explain", "{}", "2"], ["predict", "{}", "--weights", "w.npz", "--data", "blobs"]]


def _chain(n: int) -> dict:
    return {"format": "nn-designer", "version": 1,
            "layers": [{"type": "input", "features": 2}] + [{"type": "dense", "units": 2}] * (n - 1)}


def test_more_layers_than_the_limit_is_refused_at_once(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "many.json").write_text(json.dumps(_chain(MAX_LAYERS + 1)))
    padded = json.dumps(_chain(3)) + " " * MAX_FILE_BYTES  # small network, file past the size limit
    (tmp_path / "big.json").write_text(padded)
    for name, words in (("many.json", f"more than the {MAX_LAYERS:,}"), ("big.json", "more than the limit")):
        for argv in COMMANDS:
            line = refused(capsys, *[a.replace("{}", name) for a in argv], limit=10)
            assert name in line and words in line, (argv, line)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.json", "many.json"]


@pytest.mark.slow
def test_a_model_at_the_limit_is_answered_in_time(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "limit.json").write_text(json.dumps(_chain(MAX_LAYERS)))
    for argv in (["summary", "limit.json"], ["export", "limit.json", "--to", "pytorch", "-o", "x.py"]):
        code, out, err, seconds = run_within(capsys, *argv, limit=60)
        assert code == 0, err


def _dense(features: int, units: int) -> str:
    return json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": features}, {"type": "dense", "units": units}, {"type": "softmax"}]})


def test_sizes_are_checked_before_anything_is_allocated(capsys, tmp_path, monkeypatch):
    """Item 5: an ONNX model past protobuf's 2 GB, and any command whose weights (drawn in
    float64 first) or whose ONNX export would not fit in the memory available, are refused at once."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "over2g.json").write_text(_dense(30_000, 20_000))  # 600 M parameters: 2.2 GB
    line = refused(capsys, "export", "over2g.json", "--to", "onnx", "-o", "x.onnx", limit=5)
    assert "more than the 2 GB an ONNX file can hold" in line
    monkeypatch.setattr("designer.model.npz_headers.available_memory", lambda: 50 << 20)  # 50 MB
    (tmp_path / "m.json").write_text(_dense(2_000, 2_500))  # 5 M parameters: 20 MB, 60 MB while drawn
    for argv in (["export", "m.json", "--to", "onnx", "-o", "x.onnx"], ["export", "m.json", "--to", "pytorch", "-o", "x.py"],
                 ["train", "m.json", "--data", "blobs", "--epochs", "1"]):
        line = refused(capsys, *argv, limit=5)
        assert "need 19.1 MB of memory" in line and "available" in line, (argv, line)
    (tmp_path / "small.json").write_text(_dense(1_000, 1_000))  # 4 MB, 12 MB drawn, 32 MB as ONNX
    code, _, err, _ = run_within(capsys, "export", "small.json", "--to", "pytorch", "-o", "x.py")
    assert code == 0, err
    monkeypatch.setattr("designer.model.npz_headers.available_memory", lambda: 20 << 20)  # 20 MB: not the ONNX's 32
    line = refused(capsys, "export", "small.json", "--to", "onnx", "-o", "x.onnx", limit=5)
    assert "as an ONNX model needs 30.5 MB" in line, line
    assert not (tmp_path / "x.onnx").exists()
