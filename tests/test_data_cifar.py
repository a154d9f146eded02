"""CIFAR batches: folders written in the published format (Python 2 pickles), Python 3 pickles,
the downloaded archive, CIFAR-100, damaged and hostile pickles."""
from __future__ import annotations

import io
import pickle
import tarfile

import numpy as np
import pytest

from designer.engine.data import DataError, load_data
from data_support import CIFAR10_NAMES, cifar_batch, py2_pickle, write_cifar


def _expected_x(data: np.ndarray) -> np.ndarray:
    return data.reshape(-1, 3, 32, 32).astype(np.float32) / 255


@pytest.mark.parametrize("py2", [True, False])
def test_batches_folder(tmp_path, py2):
    data, labels = write_cifar(tmp_path / "cifar-10-batches-py", batches=3, n=15, py2=py2)
    seen = []
    d = load_data(str(tmp_path / "cifar-10-batches-py"), progress=seen.append)
    assert d.x.shape == (45, 3, 32, 32) and d.x.dtype == np.float32
    assert d.volume == (32, 32, 3)
    assert np.array_equal(d.x, _expected_x(data))
    assert d.y.dtype == np.int64 and d.y.tolist() == labels
    assert d.classes == CIFAR10_NAMES
    assert seen[-1] == pytest.approx(1.0)
    # the red plane comes first: pixel (0, 0) of the red plane is byte 0, of green byte 1024
    assert d.x[0, 0, 0, 0] == np.float32(data[0, 0]) / 255 and d.x[0, 1, 0, 0] == np.float32(data[0, 1024]) / 255


def test_batches_in_numeric_order(tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    parts = {}
    for b in (1, 2, 10):
        d, data, _ = cifar_batch(3, b)
        (folder / f"data_batch_{b}").write_bytes(py2_pickle(d))
        parts[b] = data
    got = load_data(str(folder))
    assert np.array_equal(got.x, _expected_x(np.concatenate([parts[1], parts[2], parts[10]])))


def test_test_batch_alone_and_default_names(tmp_path):
    d, data, labels = cifar_batch(7, 3)
    (tmp_path / "test_batch").write_bytes(py2_pickle(d))
    got = load_data(str(tmp_path))
    assert len(got) == 7 and got.y.tolist() == labels and got.classes == CIFAR10_NAMES


def test_downloaded_archive_and_parent_folder(tmp_path):
    src = tmp_path / "unpacked" / "cifar-10-batches-py"
    data, labels = write_cifar(src, batches=2, n=6)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(src, arcname="cifar-10-batches-py")
    got = load_data(str(archive))
    assert np.array_equal(got.x, _expected_x(data)) and got.y.tolist() == labels
    assert len(load_data(str(tmp_path / "unpacked"))) == 12  # the folder above the batches


def test_cifar100(tmp_path):
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (8, 3072), dtype=np.uint8)
    fine = [0, 99, 5, 7, 1, 2, 3, 4]
    (tmp_path / "train").write_bytes(py2_pickle({"data": data, "fine_labels": fine, "coarse_labels": [0] * 8}))
    (tmp_path / "meta").write_bytes(py2_pickle({"fine_label_names": [f"c{i}" for i in range(100)],
                                                "coarse_label_names": ["x"] * 20}))
    got = load_data(str(tmp_path))
    assert got.y.tolist() == fine and got.num_classes == 100 and got.classes[99] == "c99"


# --------------------------------------------------------------------------- damaged and hostile
def _one_batch(tmp_path, raw: bytes) -> str:
    (tmp_path / "data_batch_1").write_bytes(raw)
    return str(tmp_path)


def _fails(spec, *words):
    with pytest.raises(DataError) as e:
        load_data(spec)
    for w in words:
        assert w in str(e.value), str(e.value)
    return str(e.value)


@pytest.mark.parametrize("cut", [1, 100, 3000, 100000])
def test_truncated_batch(tmp_path, cut):
    d, _, _ = cifar_batch(40, 1)
    raw = py2_pickle(d)
    _fails(_one_batch(tmp_path, raw[:-cut]), "data_batch_1")


def test_label_count_mismatch(tmp_path):
    d, _, _ = cifar_batch(10, 1)
    d["labels"] = d["labels"][:9]
    _fails(_one_batch(tmp_path, py2_pickle(d)), "data_batch_1 holds 9 labels but 10 images")


@pytest.mark.parametrize("change, words", [
    (lambda d: d.pop("data"), "no 'data' array"),
    (lambda d: d.pop("labels"), "no 'labels' list"),
    (lambda d: d.update(data=d["data"][:, :100]), "not 3 square colour planes"),
    (lambda d: d.update(labels=["cat"] * 10), "not a list of whole numbers"),
    (lambda d: d.update(labels=[-1] * 10), "negative"),
    (lambda d: d.update(data=d["data"].astype(np.float64)), "float64"),
])
def test_unexpected_content(tmp_path, change, words):
    d, _, _ = cifar_batch(10, 1)
    change(d)
    raw = pickle.dumps(d, protocol=4) if d.get("data") is not None and d["data"].dtype != np.uint8 else py2_pickle(d)
    _fails(_one_batch(tmp_path, raw), "data_batch_1", words)


def test_label_beyond_the_meta_names(tmp_path):
    write_cifar(tmp_path, batches=1, n=5)
    meta = {"label_names": ["a", "b"], "num_vis": 3072}
    (tmp_path / "batches.meta").write_bytes(py2_pickle(meta))
    _fails(str(tmp_path), "out of range for the 2 class names")


def test_not_a_dict(tmp_path):
    _fails(_one_batch(tmp_path, pickle.dumps([1, 2, 3])), "data_batch_1 holds a pickled list")


class _Hostile:
    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_hostile_pickle_runs_nothing(tmp_path):
    marker = tmp_path / "pwned"
    _fails(_one_batch(tmp_path, pickle.dumps({"data": _Hostile(marker), "labels": []})),
           "data_batch_1 holds io.open, not plain data")
    assert not marker.exists()


def test_object_array_refused(tmp_path):
    d = {"data": np.array([None, 1], dtype=object), "labels": [0, 1]}
    _fails(_one_batch(tmp_path, pickle.dumps(d, protocol=2)), "data_batch_1", "Python objects")


def test_array_subclass_refused(tmp_path):
    d = {"data": np.ma.masked_array(np.zeros((2, 3072), np.uint8)), "labels": [0, 1]}
    _fails(_one_batch(tmp_path, pickle.dumps(d, protocol=2)), "data_batch_1", "not plain data")


def test_random_bytes_archive(tmp_path):
    bad = tmp_path / "cifar-10-python.tar.gz"
    bad.write_bytes(b"\x1f\x8b" + bytes(range(200)))
    _fails(str(bad), "cifar-10-python.tar.gz is not a readable tar archive")


def test_protocol_5_arrays(tmp_path):
    d, data, labels = cifar_batch(4, 1)
    buf = io.BytesIO()
    pickle.dump(d, buf, protocol=5)
    got = load_data(_one_batch(tmp_path, buf.getvalue()))
    assert np.array_equal(got.x, _expected_x(data))
