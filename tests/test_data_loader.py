"""load_data's choice of reader, the Dataset API, check_fits / check_outputs / suggest_input,
and the validation split."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.data import (DataError, Dataset, check_fits, check_outputs, load_data, split,
                                  suggest_input)
from designer.errors import UserError
from data_support import small_digits, write_cifar, write_idx_pair


def test_missing_path_and_near_miss_names(tmp_path):
    with pytest.raises(DataError, match="did you mean 'spirals'"):
        load_data("spiral")
    with pytest.raises(DataError, match="nothere.csv' is neither a file or folder nor a built-in"):
        load_data(str(tmp_path / "nothere.csv"))
    assert issubclass(DataError, UserError)


def test_folder_kinds(tmp_path):
    write_idx_pair(tmp_path / "m", *small_digits(5))
    write_cifar(tmp_path / "c", batches=1, n=4)
    assert load_data(str(tmp_path / "m")).volume == (28, 28, 1)
    assert load_data(str(tmp_path / "c")).volume == (32, 32, 3)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="empty holds no data that can be read"):
        load_data(str(tmp_path / "empty"))


def test_binary_file_of_unknown_kind(tmp_path):
    p = tmp_path / "weights.bin"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DataError, match="weights.bin is not a data file that can be read"):
        load_data(str(p))


def _images(n=6, d=1, h=4, w=5) -> Dataset:
    x = np.zeros((n, d, h, w), np.float32)
    return Dataset("img", x, np.arange(n) % 3, None, "test")


def test_dataset_api():
    ds = _images()
    assert len(ds) == 6 and ds.sample_shape == (1, 4, 5) and ds.volume == (5, 4, 1)
    assert ds.num_classes == 3 and ds.is_image and not ds.has_targets
    sub = ds.subset([5, 0])
    assert sub.y.tolist() == [2, 0] and sub.name == "img" and sub.x.shape == (2, 1, 4, 5)
    assert ds.describe() == "6 samples of 5×4×1 images, 3 classes"
    vec = Dataset("v", np.zeros((3, 7), np.float32), np.zeros((3, 2), np.float32), None, "t")
    assert vec.volume == (7,) and vec.has_targets and vec.num_classes == 2


def test_check_fits_and_suggest_input():
    ds = _images(d=1, h=28, w=28)
    check_fits(ds, (28, 28, 1))
    assert suggest_input(ds) == {"width": 28, "height": 28, "depth": 1}
    with pytest.raises(DataError) as e:
        check_fits(ds, (32, 32, 3))
    assert str(e.value) == ("img holds 28×28×1 images, but the network's input is 32×32×3; "
                            "set the input layer to 28×28×1")
    with pytest.raises(DataError, match="input is a vector of 784 features; set the input layer to 28×28×1"):
        check_fits(ds, (784,))
    vec = Dataset("digits", np.zeros((3, 64), np.float32), np.zeros(3, np.int64), None, "t")
    check_fits(vec, (64,))
    assert suggest_input(vec) == {"features": 64}
    with pytest.raises(DataError, match="digits holds vectors of 64 features, but the network's input is 8×8×1; "
                                        "set the input layer to a vector input of 64 features"):
        check_fits(vec, (8, 8, 1))


def test_check_outputs():
    ds = _images()  # labels 0..2
    check_outputs(ds, (3,))
    check_outputs(ds, (10,))
    with pytest.raises(DataError, match="labels up to 2 but the network has 2 outputs"):
        check_outputs(ds, (2,))
    two = Dataset("two", np.zeros((4, 2), np.float32), np.array([0, 1, 1, 0]), None, "t")
    check_outputs(two, (1,))  # one output unit for two classes
    targets = Dataset("t", np.zeros((4, 2), np.float32), np.zeros((4, 3), np.float32), None, "t")
    check_outputs(targets, (3,))
    with pytest.raises(DataError, match="target vectors of length 3 but the network has 2 outputs"):
        check_outputs(targets, (2,))
    with pytest.raises(DataError, match="output is the volume"):
        check_outputs(ds, (4, 4, 3))


def test_split_is_deterministic_and_stratified(mnist_dir):
    ds = load_data(str(mnist_dir))
    train, val = split(ds, 0.2, seed=0)
    assert len(train) == 8000 and len(val) == 2000
    both = np.concatenate([train.y, val.y])
    assert np.array_equal(np.sort(both), np.sort(ds.y))
    # every class gives its share of the validation set
    share = np.bincount(val.y, minlength=10) / np.bincount(ds.y)
    assert np.abs(share - 0.2).max() < 0.002
    again, val2 = split(ds, 0.2, seed=0)
    assert np.array_equal(again.x, train.x) and np.array_equal(val2.y, val.y)
    _, other = split(ds, 0.2, seed=1)
    assert not np.array_equal(other.y, val.y)


def test_split_disjoint_and_edge_cases():
    ds = Dataset("s", np.arange(10, dtype=np.float32)[:, None], np.arange(10) % 2, None, "t")
    train, val = split(ds, 0.3, seed=5)
    ids = sorted(train.x[:, 0].tolist() + val.x[:, 0].tolist())
    assert ids == list(range(10)) and len(val) == 3
    train, val = split(ds, 0.0, seed=5)
    assert train is ds and len(val) == 0 and val.x.shape == (0, 1)
    train, val = split(ds, 0.01, seed=5)
    assert len(val) == 1  # at least one validation sample
    targets = Dataset("t", np.zeros((5, 2), np.float32), np.zeros((5, 2), np.float32), None, "t")
    assert len(split(targets, 0.4, 0)[1]) == 2
    for bad in (-0.1, 1.0, 2):
        with pytest.raises(DataError, match="validation split"):
            split(ds, bad, 0)
    with pytest.raises(DataError, match="too few to split"):
        split(ds.subset([0]), 0.5, 0)
