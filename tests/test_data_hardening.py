"""Data: labels of any size are refused cheaply by the one loader the command line and
the window share (fuzzed over CSV and NPZ), and channels-last images are recognised."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from designer.engine.data import DataError, check_fits, load_data
from designer.engine.data.checks import MAX_CLASSES

LABELS = st.one_of(st.integers(-10 ** 30, 10 ** 30), st.integers(0, 2 * MAX_CLASSES),
                   st.floats(allow_nan=True, allow_infinity=True))


def read_cheaply(path):
    """load_data(path), asserting it allocates no more than a few MB whatever the labels say."""
    tracemalloc.start()
    try:
        try:
            return load_data(path)
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            assert peak < 16 * 2 ** 20, f"reading a tiny file allocated {peak / 2 ** 20:.0f} MB"
    finally:
        tracemalloc.stop()


def check_dataset(dataset):
    """What the window's data panel shows of a data set stays as cheap as the data set."""
    if not dataset.has_targets:
        assert dataset.num_classes <= MAX_CLASSES
        assert dataset.class_counts().sum() == len(dataset)
    assert "classes" in dataset.describe() or "class" in dataset.describe() or dataset.has_targets


def test_a_label_of_a_billion_is_refused_in_one_sentence(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text("0.1,0.2,0\n0.3,0.4,1000000000\n0.5,0.6,1\n")
    with pytest.raises(DataError) as info:
        read_cheaply(path)
    assert str(info.value) == (f"{path} line 2: the label 1,000,000,000 is too large; class labels count 0, 1, 2, … "
                               f"up to 99,999 (one number per class)")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=st.lists(LABELS, min_size=1, max_size=5), as_csv=st.booleans())
def test_fuzz_labels_of_any_size(tmp_path, labels, as_csv):
    n = len(labels)
    if as_csv:
        path = tmp_path / "f.csv"
        path.write_text("".join(f"0.5,0.25,{label!r}\n" for label in labels))
    else:
        path = tmp_path / "f.npz"
        y = np.array(labels, dtype=object)
        y = y.astype(np.float64) if any(isinstance(v, float) for v in labels) else \
            (y.astype(np.int64) if all(abs(v) < 2 ** 63 for v in labels) else y.astype(np.float64))
        np.savez(path, x=np.zeros((n, 2), np.float32), y=y)
    try:
        dataset = read_cheaply(path)
    except DataError as e:
        assert "\n" not in str(e) and path.name in str(e)
        return
    check_dataset(dataset)
    assert all(0 <= float(v) < MAX_CLASSES for v in labels)


def test_channels_last_images_are_read_as_such(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (12, 28, 28, 1)).astype(np.uint8)
    np.savez(tmp_path / "tf.npz", x=x, y=np.arange(12) % 3)
    data = load_data(tmp_path / "tf.npz")
    assert data.sample_shape == (1, 28, 28) and data.volume == (28, 28, 1)
    np.testing.assert_array_equal(data.x[:, 0], x[..., 0] / np.float32(255))
    assert "channels last" in data.source
    rgb = np.random.default_rng(0).random((6, 32, 32, 3)).astype(np.float32)
    np.savez(tmp_path / "rgb.npz", x=rgb, y=np.arange(6) % 2)
    data = load_data(tmp_path / "rgb.npz")
    assert data.volume == (32, 32, 3)
    np.testing.assert_array_equal(data.x.transpose(0, 2, 3, 1), rgb)
    # Channels first stays as it was.
    np.savez(tmp_path / "cf.npz", x=rgb.transpose(0, 3, 1, 2), y=np.arange(6) % 2)
    assert load_data(tmp_path / "cf.npz").volume == (32, 32, 3)


def test_a_layout_that_does_not_fit_names_the_layout_read(tmp_path):
    x = np.zeros((4, 28, 28, 2), np.float32)
    np.savez(tmp_path / "two.npz", x=x, y=np.arange(4) % 2)
    data = load_data(tmp_path / "two.npz")
    with pytest.raises(DataError, match=r"its images read as channels last \(N, H, W, D\)"):
        check_fits(data, (28, 28, 1))
