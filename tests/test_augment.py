"""Image augmentation: crops with zero padding, flips, shifts; deterministic given the generator."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.augment import Augment, AugmentError, make_augment, translate
from designer.errors import UserError


def _batch(n=16, d=3, h=7, w=9, seed=0):
    return np.random.default_rng(seed).random((n, d, h, w)).astype(np.float32) + 0.5  # no zeros


def _moved(img, dy, dx):
    """Reference: one image (D, H, W) moved down dy and right dx, zeros coming in."""
    out = np.zeros_like(img)
    h, w = img.shape[1:]
    for r in range(h):
        for c in range(w):
            if 0 <= r - dy < h and 0 <= c - dx < w:
                out[:, r, c] = img[:, r - dy, c - dx]
    return out


def test_translate_matches_the_reference():
    x = _batch()
    rng = np.random.default_rng(1)
    dy, dx = rng.integers(-3, 4, len(x)), rng.integers(-3, 4, len(x))
    got = translate(x, dy, dx, 3)
    for i in range(len(x)):
        assert np.array_equal(got[i], _moved(x[i], dy[i], dx[i]))


def test_crop_is_a_move_within_the_padding():
    x = _batch(n=200)
    out = Augment(crop_padding=2)(x, np.random.default_rng(0))
    assert out.shape == x.shape and out.dtype == x.dtype
    seen = set()
    for i in range(len(x)):
        found = [(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)
                 if np.array_equal(out[i], _moved(x[i], dy, dx))]
        assert len(found) == 1
        seen.add(found[0])
    assert len(seen) == 25  # every offset of the padded crop occurs


def test_flip_mirrors_about_half():
    x = _batch(n=400)
    out = Augment(flip=True)(x, np.random.default_rng(0))
    flipped = np.array([np.array_equal(o, i[:, :, ::-1]) for o, i in zip(out, x)])
    same = np.array([np.array_equal(o, i) for o, i in zip(out, x)])
    assert (flipped ^ same).all() and 150 < flipped.sum() < 250


def test_shift_and_crop_add_up():
    x = _batch(n=50, h=12, w=12)
    out = Augment(crop_padding=1, shift=2)(x, np.random.default_rng(3))
    for i in range(len(x)):
        assert any(np.array_equal(out[i], _moved(x[i], dy, dx)) for dy in range(-3, 4) for dx in range(-3, 4))


def test_deterministic_and_input_untouched():
    x = _batch()
    keep = x.copy()
    aug = Augment(crop_padding=2, flip=True, shift=1)
    a = aug(x, np.random.default_rng(7))
    b = aug(x, np.random.default_rng(7))
    c = aug(x, np.random.default_rng(8))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert np.array_equal(x, keep)
    none = Augment()(x, np.random.default_rng(0))
    assert np.array_equal(none, x) and none is not x


def test_specs_and_seeded_function():
    assert Augment.parse("crop=4, flip ,shift=2") == Augment(4, True, 2)
    assert Augment.parse("none") == Augment() and Augment.parse("") == Augment()
    assert Augment.parse({"crop_padding": 2}) == Augment(2)
    assert Augment(4, True, 0).to_spec() == "crop=4,flip" and Augment().to_spec() == "none"
    assert Augment.parse(Augment(1, True, 3).to_spec()) == Augment(1, True, 3)
    assert make_augment("none") is None
    x = _batch()
    f, g = make_augment("crop=2,flip", seed=4), make_augment("crop=2,flip", seed=4)
    assert np.array_equal(f(x), g(x)) and np.array_equal(f(x), g(x))  # same stream, batch after batch
    for bad in ("rotate", "crop=x", "flip=2", "crop=-1"):
        with pytest.raises(AugmentError):
            Augment.parse(bad)
    with pytest.raises(UserError, match="batches of images"):
        Augment(flip=True)(np.zeros((4, 3), np.float32), np.random.default_rng(0))
