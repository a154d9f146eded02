"""A folder of class sub-folders of images (as torchvision's ImageFolder): ``root/cat/1.png``,
``root/dog/7.jpg`` … Class names are the sub-folder names in sorted order; images may sit in
deeper folders inside a class folder. Files without an image extension and hidden files are
passed over. All images must have the same width and height. Grayscale images give depth 1 and
colour images depth 3 (alpha is dropped); when both occur, grayscale is repeated to 3 channels.
"""
from __future__ import annotations

import collections
from pathlib import Path

import numpy as np

from . import formats
from .checks import as_data_error
from .dataset import DataError, Dataset
from .formats import IMAGE_SUFFIXES, class_folders, looks_like_image_folder  # noqa: F401
from .reading import Progress

_GRAY_MODES = {"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"}


def _pixels(path: Path) -> np.ndarray:
    """(H, W, C) float32 in [0, 1], C = 1 for grayscale, 3 for colour."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.load()
            mode = img.mode
            if mode.startswith("I;16") or mode == "I":
                arr = np.asarray(img, dtype=np.float64) / 65535.0
                return np.clip(arr, 0, 1).astype(np.float32)[:, :, None]
            if mode == "F":
                arr = np.nan_to_num(np.asarray(img, dtype=np.float32), nan=0.0)
                return np.clip(arr, 0, 1)[:, :, None]
            if mode in _GRAY_MODES:
                arr = np.asarray(img.convert("L"))[:, :, None]
            else:
                arr = np.asarray(img.convert("RGB"))
    except Exception as e:  # noqa: BLE001 - a damaged image can fail inside Pillow in many ways
        raise DataError(str(formats.unreadable_image(path, e))) from None
    return arr.astype(np.float32) / np.float32(255.0)


def load_image_folder(root: Path, progress: Progress = None) -> Dataset:
    with as_data_error():
        files, labels, names = formats.image_files(root)  # the listing and its refusals are train.py's too
    arrays = []
    for i, path in enumerate(files):
        arrays.append(_pixels(path))
        if progress is not None:
            progress((i + 1) / len(files))
    sizes = collections.Counter(a.shape[:2] for a in arrays)
    (h, w), _ = sizes.most_common(1)[0]
    for path, a in zip(files, arrays):
        if a.shape[:2] != (h, w):
            raise DataError(f"{path} is {a.shape[1]}×{a.shape[0]} pixels but the other images "
                            f"are {w}×{h}; all images must have the same size")
    depth = max(a.shape[2] for a in arrays)
    x = np.empty((len(arrays), depth, h, w), dtype=np.float32)
    for i, a in enumerate(arrays):
        x[i] = a.transpose(2, 0, 1)  # a 1-channel image broadcasts to 3 channels
    y = np.array(labels, dtype=np.int64)
    return Dataset(root.name, x, y, names, f"image folder {root}")
