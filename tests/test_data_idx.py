"""MNIST-format IDX reading: the real MNIST test files, written files (plain and gzipped) and
damaged copies."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from designer.engine.data import DataError, load_data
from data_support import idx_bytes, small_digits, write_idx_pair


def test_real_mnist_test_set(mnist_dir):
    seen = []
    d = load_data(str(mnist_dir), progress=seen.append)
    assert len(d) == 10000
    assert d.x.shape == (10000, 1, 28, 28) and d.x.dtype == np.float32
    assert d.y.dtype == np.int64 and d.y.shape == (10000,)
    assert d.volume == (28, 28, 1) and d.sample_shape == (1, 28, 28)
    assert d.x.min() == 0.0 and d.x.max() == 1.0
    assert abs(float(d.x.mean()) * 255 - 33.79) < 0.01  # the README's pixel mean
    assert np.bincount(d.y).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert d.classes == [str(i) for i in range(10)] and d.num_classes == 10
    assert seen and seen[-1] == pytest.approx(1.0) and seen == sorted(seen)
    assert "t10k-images-idx3-ubyte.gz" in d.source


def test_one_idx_file_finds_its_partner(mnist_dir):
    d = load_data(str(mnist_dir / "t10k-labels-idx1-ubyte.gz"))
    assert len(d) == 10000 and d.y[:5].tolist() == [7, 2, 1, 0, 4]  # MNIST's first test digits


@pytest.mark.parametrize("gz", [False, True])
def test_written_pair_round_trips(tmp_path, gz):
    images, labels = small_digits(30)
    write_idx_pair(tmp_path / "set", images, labels, "t10k", gz=gz)
    d = load_data(str(tmp_path / "set"))
    assert d.name == "set"
    assert np.array_equal(d.x[:, 0], images.astype(np.float32) / 255)
    assert np.array_equal(d.y, labels)


def test_training_files_are_preferred_to_test_files(tmp_path):
    write_idx_pair(tmp_path, *small_digits(12, seed=1), "t10k")
    tr_images, tr_labels = small_digits(20, seed=2)
    write_idx_pair(tmp_path, tr_images, tr_labels, "train", gz=False)
    d = load_data(str(tmp_path))
    assert len(d) == 20 and np.array_equal(d.x[:, 0], tr_images / np.float32(255))


def test_fashion_mnist_folder_gets_class_names(tmp_path):
    write_idx_pair(tmp_path / "fashion-mnist", *small_digits(10))
    assert load_data(str(tmp_path / "fashion-mnist")).classes[9] == "Ankle boot"


def test_torchvision_layout_is_found_one_level_down(tmp_path):
    write_idx_pair(tmp_path / "MNIST" / "raw", *small_digits(10))
    (tmp_path / "MNIST" / "processed").mkdir()
    assert len(load_data(str(tmp_path / "MNIST"))) == 10


# --------------------------------------------------------------------------- damaged copies
def _damaged(tmp_path, mnist_dir, which: str, change) -> str:
    """A copy of the real MNIST pair with one file's decompressed bytes changed."""
    folder = tmp_path / "damaged"
    folder.mkdir()
    for kind in ("images-idx3", "labels-idx1"):
        name = f"t10k-{kind}-ubyte.gz"
        data = gzip.decompress((mnist_dir / name).read_bytes())
        if kind.startswith(which):
            data = change(data)
        (folder / name).write_bytes(gzip.compress(data, compresslevel=1))
    return f"t10k-{'images-idx3' if which == 'images' else 'labels-idx1'}-ubyte.gz"


@pytest.mark.parametrize("which, change, words", [
    ("images", lambda b: b[:-1000], "truncated"),
    ("images", lambda b: b[:10], "truncated"),
    ("labels", lambda b: b[:-1], "truncated"),
    ("images", lambda b: b"\x00\x00\x08\x04" + b[4:], "magic number"),
    ("labels", lambda b: b"\x00\x00\x08\x03" + b[4:], "magic number"),
    ("images", lambda b: b + b"\x00" * 5, "more bytes"),
])
def test_damaged_real_files(tmp_path, mnist_dir, which, change, words):
    name = _damaged(tmp_path, mnist_dir, which, change)
    with pytest.raises(DataError) as e:
        load_data(str(tmp_path / "damaged"))
    assert name in str(e.value) and words in str(e.value)


def test_label_and_image_counts_that_differ(tmp_path):
    images, labels = small_digits(20)
    write_idx_pair(tmp_path, images, labels[:19])
    with pytest.raises(DataError, match=r"train-labels-idx1-ubyte.gz holds 19 labels but .*20 images"):
        load_data(str(tmp_path))


def test_truncated_gzip_stream(tmp_path):
    pi, _ = write_idx_pair(tmp_path, *small_digits(20))
    pi.write_bytes(pi.read_bytes()[:-30])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is a damaged or truncated gzip"):
        load_data(str(tmp_path))


def test_missing_labels_file(tmp_path):
    pi, pl = write_idx_pair(tmp_path, *small_digits(5))
    pl.unlink()
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz but no matching file of labels"):
        load_data(str(tmp_path))


def test_empty_idx_file(tmp_path):
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(np.zeros((0, 28, 28), np.uint8)))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(idx_bytes(np.zeros(0, np.uint8)))
    with pytest.raises(DataError, match="train-images-idx3-ubyte holds no images"):
        load_data(str(tmp_path))
