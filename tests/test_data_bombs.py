"""Compressed inputs are bounded. A .gz CSV or IDX file, or a CIFAR archive,
that inflates far beyond what its header claims or what memory holds (a gzip bomb) is refused in
one sentence while it is decompressed, in a stream, in ``train`` and ``predict``. The machine's
available memory is made small here, so that a bomb of a few MB stands for one of many GB."""
from __future__ import annotations

import gzip
import io
import json
import struct
import tarfile

import numpy as np
import pytest

from designer.engine.net import EngineNet
from designer.model import load_model, save_weights
from hostile_support import MLP, refused, snapshot

MEMORY = 8 << 20  # the memory the readers are told is available
IMAGES = {"format": "nn-designer", "version": 1, "layers": [
    {"type": "input", "width": 28, "height": 28, "depth": 1}, {"type": "flatten"}, {"type": "dense", "units": 10},
    {"type": "softmax"}]}


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=1)


def _bombs(folder):
    """name -> what the sentence must say, for files that inflate past MEMORY."""
    zeros = b"0,0,0\n" * ((40 << 20) // 6)  # 40 MB of rows
    (folder / "bomb.csv.gz").write_bytes(_gz(zeros))
    (folder / "bomb.txt").write_bytes(_gz(zeros))  # gzip whatever its name
    (folder / "idx").mkdir()
    n = 60_000  # the header claims 60,000 images of 28×28: 47 MB
    (folder / "idx" / "train-images-idx3-ubyte.gz").write_bytes(
        _gz(struct.pack(">IIII", 2051, n, 28, 28) + bytes(n * 784)))
    (folder / "idx" / "train-labels-idx1-ubyte.gz").write_bytes(_gz(struct.pack(">II", 2049, n) + bytes(n)))
    (folder / "small").mkdir()  # a header claiming 10 images, followed by 40 MB
    (folder / "small" / "train-images-idx3-ubyte.gz").write_bytes(
        _gz(struct.pack(">IIII", 2051, 10, 28, 28) + bytes(40 << 20)))
    (folder / "small" / "train-labels-idx1-ubyte.gz").write_bytes(_gz(struct.pack(">II", 2049, 10) + bytes(10)))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=1) as tar:
        data = bytes(40 << 20)
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    (folder / "cifar.tar.gz").write_bytes(buf.getvalue())
    return {"bomb.csv.gz": "inflates", "bomb.txt": "inflates", "idx": "announces", "small": "more bytes",
            "cifar.tar.gz": "announces"}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("designer.engine.data.formats.available_memory", lambda: MEMORY)
    (tmp_path / "m.json").write_text(json.dumps(MLP))
    (tmp_path / "img.json").write_text(json.dumps(IMAGES))
    for model in ("m", "img"):
        save_weights(tmp_path / f"{model}.npz", EngineNet(load_model(str(tmp_path / f"{model}.json"))).state_dict())
    return tmp_path


def test_a_gzip_bomb_is_refused_while_it_inflates(capsys, folder):
    cases = _bombs(folder)
    before = snapshot(folder)
    for name, words in cases.items():
        model = "m.json" if "csv" in name or name.endswith(".txt") else "img.json"
        for argv in (["train", model, "--data", name, "--epochs", "1"],
                     ["predict", model, "--weights", model.replace(".json", ".npz"), "--data", name]):
            line = refused(capsys, *argv, limit=30)
            assert name in line and words in line, (argv, line)
    assert snapshot(folder) == before


def test_a_small_compressed_csv_is_still_read(capsys, folder):
    rows = "".join(f"{a:.3f},{b:.3f},{int(a > b)}\n" for a, b in np.random.default_rng(0).random((30, 2)))
    (folder / "ok.csv.gz").write_bytes(_gz(rows.encode()))
    from designer.engine.data import load_data
    assert len(load_data(folder / "ok.csv.gz")) == 30
    (folder / "bomb.csv.gz").write_bytes(_gz(b"0,0,0\n" * (2 << 20)))  # 12 MB of rows, past MEMORY / 16
    from designer.engine.data.dataset import DataError
    with pytest.raises(DataError, match="inflates to more than"):
        load_data(folder / "bomb.csv.gz")
