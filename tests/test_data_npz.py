"""NPZ data files: the layouts cli.md lists, targets, class names, and broken archives."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.data import DataError, load_data


def _npz(tmp_path, name="d.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **arrays)
    return str(path)


def test_vectors_as_given(tmp_path):
    x = np.array([[1.5, -2.0], [3.0, 400.0], [0.0, 1.0]])
    d = load_data(_npz(tmp_path, x=x, y=np.array([0, 2, 1])))
    assert d.x.dtype == np.float32 and np.array_equal(d.x, x.astype(np.float32))
    assert d.y.dtype == np.int64 and d.y.tolist() == [0, 2, 1]
    assert d.volume == (2,) and d.num_classes == 3 and d.name == "d"


def test_uint8_images_nhw_are_scaled(tmp_path):
    x = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4) * 10
    d = load_data(_npz(tmp_path, x=x, y=np.array([1, 0], dtype=np.uint8)))
    assert d.x.shape == (2, 1, 3, 4) and d.volume == (4, 3, 1)
    assert np.array_equal(d.x[:, 0], x / np.float32(255))


def test_float_images_ndhw_and_targets_and_classes(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.random((4, 3, 5, 6)).astype(np.float32)
    t = rng.random((4, 2))
    path = tmp_path / "c.npz"
    np.savez_compressed(path, x=x, y=t)
    d = load_data(str(path))
    assert np.array_equal(d.x, x) and d.y.dtype == np.float32 and d.y.shape == (4, 2)
    assert d.has_targets and d.num_classes == 2
    d = load_data(_npz(tmp_path, "n.npz", x=x, y=np.array([0, 1, 1, 0]), classes=np.array(["cat", "dog"])))
    assert d.classes == ["cat", "dog"]


def test_float_labels_that_are_whole(tmp_path):
    d = load_data(_npz(tmp_path, x=np.zeros((3, 2)), y=np.array([0.0, 1.0, 2.0])))
    assert d.y.dtype == np.int64 and d.y.tolist() == [0, 1, 2]


@pytest.mark.parametrize("arrays, words", [
    (dict(x=np.zeros((3, 2))), "has no array 'y' (it holds x)"),
    (dict(y=np.zeros(3)), "has no array 'x'"),
    (dict(x=np.zeros((3, 2)), y=np.zeros(4, int)), "'x' has 3 samples but 'y' has shape (4,)"),
    (dict(x=np.zeros((0, 2)), y=np.zeros(0, int)), "'x' holds no samples"),
    (dict(x=np.zeros(3), y=np.zeros(3, int)), "'x' has shape (3,)"),
    (dict(x=np.array([[1.0, np.nan], [0, 0]]), y=np.zeros(2, int)), "sample 0: 'x' holds NaN"),
    (dict(x=np.zeros((2, 2)), y=np.array([0, -1])), "sample 1: the label -1 is negative"),
    (dict(x=np.zeros((2, 2)), y=np.array([0, 1.5])), "sample 1: the label 1.5 is not a whole number"),
    (dict(x=np.zeros((2, 2)), y=np.array([0.0, np.inf])), "sample 1: the label is inf"),
    (dict(x=np.array([["a", "b"]]), y=np.zeros(1, int)), "'x' holds <U1 values, not numbers"),
    (dict(x=np.zeros((2, 2)), y=np.array([0, 3]), classes=np.array(["a", "b"])), "label 3 is out of range"),
    (dict(x=np.zeros((1, 2, 2), np.int8) - 1, y=np.zeros(1, int)), "negative values"),
])
def test_bad_contents(tmp_path, arrays, words):
    spec = _npz(tmp_path, "bad.npz", **arrays)
    with pytest.raises(DataError) as e:
        load_data(spec)
    assert "bad.npz" in str(e.value) and words in str(e.value), str(e.value)


def test_object_arrays_are_not_unpickled(tmp_path):
    spec = _npz(tmp_path, "obj.npz", x=np.array([[1, None]], dtype=object), y=np.zeros(1, int))
    with pytest.raises(DataError, match="obj.npz: is not a readable .npz data file \\(its array 'x' holds Python objects"):
        load_data(spec)


@pytest.mark.parametrize("damage", [lambda b: b[:100], lambda b: b[:-50], lambda b: b"PK" + b[2:40],
                                    lambda b: b[:60] + bytes(len(b) - 60)])
def test_damaged_archive(tmp_path, damage):
    spec = _npz(tmp_path, "broken.npz", x=np.arange(200.0).reshape(100, 2), y=np.zeros(100, int))
    with open(spec, "rb") as f:
        raw = f.read()
    with open(spec, "wb") as f:
        f.write(damage(raw))
    with pytest.raises(DataError, match="broken.npz"):
        load_data(spec)


def test_single_npy_saved_as_npz(tmp_path):
    path = tmp_path / "one.npz"
    with open(path, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(DataError, match=r"one.npz: is not a readable .npz data file \(it holds a single .npy array"):
        load_data(str(path))


def test_the_reader_checks_headers_with_the_models_check_npz_not_train_pys_copy(tmp_path, monkeypatch):
    """One header check in nn-designer (model.npz_headers.check_npz, as the weights reader uses);
    formats.check_npz_data is train.py's standalone copy and is never run here."""
    from designer.engine.data import formats
    from designer.model import npz_headers
    calls = []
    real = npz_headers.check_npz
    monkeypatch.setattr(npz_headers, "check_npz", lambda path, *a, **k: calls.append(path) or real(path, *a, **k))
    monkeypatch.setattr(formats, "check_npz_data", lambda *a, **k: pytest.fail("the copy for train.py ran"))
    good = _npz(tmp_path, x=np.zeros((2, 3)), y=np.array([0, 1]))
    assert load_data(good).x.shape == (2, 3)
    bad = tmp_path / "text.npz"
    bad.write_text("x,y\n")
    with pytest.raises(DataError, match=r"text\.npz: is not a readable \.npz data file \(it is a text file"):
        load_data(str(bad))
    assert [str(p) for p in calls] == [good, str(bad)]
