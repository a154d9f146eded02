"""Damaged files of every format, made by hypothesis (random bytes, truncations, overwritten
bytes): a reader either reads a consistent data set or raises DataError, never anything else."""
from __future__ import annotations

import gzip
import io
import os
import shutil
import tarfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from designer.engine.data import DataError, Dataset, load_data
from data_support import cifar_batch, idx_bytes, py2_pickle, small_digits

# NN_DESIGNER_FUZZ_EXAMPLES=2000 for a longer hunt; CI keeps the fixed, quick default.
SETTINGS = settings(max_examples=int(os.environ.get("NN_DESIGNER_FUZZ_EXAMPLES", 60)), deadline=None,
                    derandomize="NN_DESIGNER_FUZZ_EXAMPLES" not in os.environ,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _png() -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.arange(64, dtype=np.uint8).reshape(8, 8)).save(buf, "PNG")
    return buf.getvalue()


def _npz() -> bytes:
    buf = io.BytesIO()
    np.savez(buf, x=np.arange(40, dtype=np.float32).reshape(10, 4), y=np.arange(10) % 3)
    return buf.getvalue()


def _tar() -> bytes:
    buf = io.BytesIO()
    raw = py2_pickle(cifar_batch(2, 1)[0])
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/data_batch_1")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


images, labels = small_digits(6)
VALID = {  # the file a format is damaged in, and its good content
    "idx-images": ("train-images-idx3-ubyte", idx_bytes(images)),
    "idx-images-gz": ("train-images-idx3-ubyte.gz", gzip.compress(idx_bytes(images))),
    "idx-labels": ("train-labels-idx1-ubyte", idx_bytes(labels)),
    "cifar": ("data_batch_1", py2_pickle(cifar_batch(3, 1)[0])),
    "cifar-meta": ("batches.meta", py2_pickle({"label_names": ["a"] * 10, "num_vis": 3072})),
    "image": ("k/a.png", _png()),
    "npz": ("d.npz", _npz()),
    "csv": ("d.csv", b"f1,f2,label\n1,2,0\n\n3.5,-4e2,1\n5,6,2\n"),
    "csv-gz": ("d.csv.gz", gzip.compress(b"1,2,0\n3,4,1\n")),
    "tar": ("c.tar.gz", _tar()),
}
COMPANIONS = {  # the other files of the folder, kept good
    "idx-images": {"train-labels-idx1-ubyte": idx_bytes(labels)},
    "idx-images-gz": {"train-labels-idx1-ubyte.gz": gzip.compress(idx_bytes(labels))},
    "idx-labels": {"train-images-idx3-ubyte": idx_bytes(images)},
    "cifar": {"batches.meta": py2_pickle({"label_names": ["a"] * 10})},
    "cifar-meta": {"data_batch_1": py2_pickle(cifar_batch(3, 1)[0])},
    "image": {"k/b.png": _png(), "j/c.png": _png()},
}


def _load(root, kind: str, content: bytes):
    if root.exists():
        shutil.rmtree(root)
    root.mkdir()
    name, _ = VALID[kind]
    for other, data in {**COMPANIONS.get(kind, {}), name: content}.items():
        (root / other).parent.mkdir(parents=True, exist_ok=True)
        (root / other).write_bytes(data)
    spec = root / name if kind in ("npz", "csv", "csv-gz", "tar") else root
    try:
        d = load_data(str(spec))
    except DataError as e:
        msg = str(e)
        assert "\n" not in msg and msg
        return None
    assert isinstance(d, Dataset) and len(d.x) == len(d.y) > 0
    assert d.x.dtype == np.float32 and d.y.dtype in (np.int64, np.float32)
    return d


@pytest.mark.parametrize("kind", list(VALID))
def test_good_files_read(tmp_path, kind):
    assert _load(tmp_path / "f", kind, VALID[kind][1]) is not None


@pytest.mark.parametrize("kind", list(VALID))
@SETTINGS
@given(data=st.data())
def test_truncated_or_overwritten(tmp_path, kind, data):
    good = VALID[kind][1]
    how = data.draw(st.sampled_from(["cut", "overwrite", "random"]))
    if how == "cut":
        bad = good[: data.draw(st.integers(0, len(good) - 1))]
    elif how == "overwrite":
        at = data.draw(st.integers(0, len(good) - 1))
        patch = data.draw(st.binary(min_size=1, max_size=8))
        bad = good[:at] + patch + good[at + len(patch):]
    else:
        bad = data.draw(st.binary(max_size=300))
    _load(tmp_path / "f", kind, bad)
