"""Built-in generated data sets: deterministic by seed, shapes, types, ranges, balanced classes."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.data import BUILTIN_SETS, DataError, load_data

POINT_SETS = ["xor", "circles", "spirals", "blobs"]


def test_the_listed_sets():
    assert set(BUILTIN_SETS) == {"shapes", "xor", "circles", "spirals", "blobs"}
    assert all(isinstance(v, str) and v for v in BUILTIN_SETS.values())


@pytest.mark.parametrize("name", list(BUILTIN_SETS))
def test_deterministic_by_seed(name):
    a, b, c = load_data(name, seed=3), load_data(name, seed=3), load_data(name, seed=4)
    assert np.array_equal(a.x, b.x) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.x, c.x)


@pytest.mark.parametrize("name", list(BUILTIN_SETS))
def test_balanced_classes(name):
    d = load_data(name)
    counts = d.class_counts()
    assert len(counts) == len(d.classes) and counts.max() - counts.min() <= 1
    assert d.y.dtype == np.int64 and d.source.startswith("built-in")


def test_shapes_images():
    d = load_data("shapes")
    assert d.x.shape == (2000, 1, 28, 28) and d.x.dtype == np.float32
    assert d.volume == (28, 28, 1) and d.num_classes == 6
    assert d.x.min() >= 0.0 and d.x.max() <= 1.0
    assert d.classes == ["square", "circle", "triangle", "cross", "horizontal bar", "vertical bar"]
    ink = (d.x[:, 0] > 0.4).sum(axis=(1, 2))
    assert ink.min() > 10  # every image shows a shape
    # bars are wider than tall or taller than wide, by their class
    rows = (d.x[:, 0] > 0.4).any(axis=2).sum(axis=1)
    cols = (d.x[:, 0] > 0.4).any(axis=1).sum(axis=1)
    assert (cols[d.y == 4] > 2 * rows[d.y == 4]).all() and (rows[d.y == 5] > 2 * cols[d.y == 5]).all()
    # shapes sit at different places: the mean image is blurred, not one shape
    assert (d.x[:, 0].mean(axis=0) > 0.05).sum() > 200


@pytest.mark.parametrize("name", POINT_SETS)
def test_point_sets(name):
    d = load_data(name)
    assert d.x.shape == (500, 2) and d.x.dtype == np.float32 and d.volume == (2,)
    assert np.abs(d.x).max() < 1.5 and d.num_classes == 2


def test_point_set_rules():
    xor = load_data("xor")
    assert ((xor.x[:, 0] * xor.x[:, 1] < 0) == (xor.y == 1)).all()
    r = np.hypot(*load_data("circles").x.T)
    y = load_data("circles").y
    assert r[y == 0].max() <= 0.5 < 0.7 <= r[y == 1].min()
    blobs = load_data("blobs")
    side = blobs.x.sum(axis=1)  # the perceptron's data: separable by x + y = 0
    assert (side[blobs.y == 0] < 0).all() and (side[blobs.y == 1] > 0).all()
    spirals = load_data("spirals")
    assert spirals.x[spirals.y == 0].mean(axis=0) @ spirals.x[spirals.y == 1].mean(axis=0) < 0.05


def test_size_suffix():
    assert len(load_data("shapes:60")) == 60 and len(load_data("xor:7")) == 7
    assert np.array_equal(load_data("blobs:10", seed=1).x, load_data("BLOBS:10", seed=1).x)
    for bad in ("shapes:0", "shapes:5", "xor:many", "xor:", "spirals:-3"):
        with pytest.raises(DataError, match="size after ':'"):
            load_data(bad)


@pytest.mark.slow
def test_lenet5_learns_shapes_in_a_few_epochs():
    training = pytest.importorskip("designer.engine.training")
    from designer.model.templates import load_model

    cfg = training.TrainConfig(epochs=5, batch_size=64, lr=0.05, momentum=0.9, val_split=0.2, seed=0)
    trainer = training.Trainer(load_model("lenet5"), load_data("shapes"), cfg)
    accs = [ev.val_acc for ev in trainer.run() if isinstance(ev, training.EpochProgress)]
    assert len(accs) == 5 and accs[-1] > 0.9, accs
