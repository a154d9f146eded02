"""Folders of class sub-folders of images, written with Pillow; odd sizes, unreadable images."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from designer.engine.data import DataError, load_data


def _save(path, arr):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(arr).save(path)


def _gray_set(root, sizes=(8, 6), per_class=3, seed=0):
    rng = np.random.default_rng(seed)
    w, h = sizes
    arrays = {}
    for cls in ("circle", "bar"):
        for i in range(per_class):
            a = rng.integers(0, 256, (h, w), dtype=np.uint8)
            _save(root / cls / f"{i}.png", a)
            arrays[(cls, i)] = a
    return arrays


def test_grayscale_folder(tmp_path):
    arrays = _gray_set(tmp_path / "toys")
    (tmp_path / "toys" / "bar" / "notes.txt").write_text("not an image")
    (tmp_path / "toys" / ".hidden").mkdir()
    seen = []
    d = load_data(str(tmp_path / "toys"), progress=seen.append)
    assert d.name == "toys" and d.classes == ["bar", "circle"]
    assert d.x.shape == (6, 1, 6, 8) and d.volume == (8, 6, 1) and d.x.dtype == np.float32
    assert d.y.tolist() == [0, 0, 0, 1, 1, 1]
    assert np.array_equal(d.x[3, 0], arrays[("circle", 0)] / np.float32(255))
    assert seen[-1] == 1.0


def test_colour_and_mixed_folder(tmp_path):
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
    rgba = rng.integers(0, 256, (5, 4, 4), dtype=np.uint8)
    gray = rng.integers(0, 256, (5, 4), dtype=np.uint8)
    _save(tmp_path / "a" / "rgb.png", rgb)
    _save(tmp_path / "a" / "rgba.png", rgba)
    _save(tmp_path / "b" / "nested" / "gray.png", gray)
    d = load_data(str(tmp_path))
    assert d.x.shape == (3, 3, 5, 4)
    assert np.array_equal(d.x[0], rgb.transpose(2, 0, 1) / np.float32(255))
    assert np.array_equal(d.x[1], rgba[:, :, :3].transpose(2, 0, 1) / np.float32(255))
    for c in range(3):  # grayscale repeated into the three channels
        assert np.array_equal(d.x[2, c], gray / np.float32(255))


def test_sixteen_bit_png(tmp_path):
    a = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    _save(tmp_path / "k" / "deep.png", a)
    d = load_data(str(tmp_path))
    assert d.x.shape == (1, 1, 2, 2)
    assert np.allclose(d.x[0, 0], a / 65535.0, atol=1e-6)


def test_jpeg_and_bmp(tmp_path):
    a = np.full((4, 4, 3), 200, dtype=np.uint8)
    _save(tmp_path / "x" / "a.jpg", a)
    _save(tmp_path / "y" / "b.bmp", a)
    d = load_data(str(tmp_path))
    assert d.x.shape == (2, 3, 4, 4) and abs(float(d.x.mean()) - 200 / 255) < 0.02


def test_odd_size_names_the_file(tmp_path):
    _gray_set(tmp_path)
    _save(tmp_path / "bar" / "odd.png", np.zeros((7, 8), np.uint8))
    with pytest.raises(DataError) as e:
        load_data(str(tmp_path))
    msg = str(e.value)
    assert "bar/odd.png is 8×7 pixels but the other images are 8×6" in msg


def test_unreadable_image_names_the_file(tmp_path):
    _gray_set(tmp_path)
    (tmp_path / "circle" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    with pytest.raises(DataError, match=r"circle/broken.png is not a readable image"):
        load_data(str(tmp_path))


def test_truncated_image(tmp_path):
    _gray_set(tmp_path, sizes=(64, 64))
    p = tmp_path / "bar" / "1.png"
    p.write_bytes(p.read_bytes()[:200])
    with pytest.raises(DataError, match=r"bar/1.png is not a readable image"):
        load_data(str(tmp_path))


def test_empty_class_folder(tmp_path):
    _gray_set(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(DataError, match=r"the class folder .*empty holds no images"):
        load_data(str(tmp_path))


def test_images_without_class_folders(tmp_path):
    _save(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(DataError, match="holds no data that can be read"):
        load_data(str(tmp_path))
