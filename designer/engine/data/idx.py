"""MNIST-format IDX files (MNIST, Fashion-MNIST, EMNIST), gzipped or not.

A folder is read as one image file (magic 2051: unsigned bytes, N×rows×cols) and its labels
file (magic 2049: N unsigned bytes), matched by name (``train-images-idx3-ubyte[.gz]`` with
``train-labels-idx1-ubyte[.gz]``, ``t10k-…`` with ``t10k-…``). When a folder holds both the
training and the test files, the training pair is read; otherwise the test pair. Images become
(N, 1, H, W) float32 in [0, 1]. The reading and its checks are formats.py's (train.py's too).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from . import formats
from .checks import as_data_error
from .dataset import Dataset
from .formats import FASHION_CLASSES, IMAGES_MAGIC, LABELS_MAGIC, is_idx_file  # noqa: F401
from .reading import Progress


def find_pair(folder: Path):
    """(images file, labels file) in ``folder``: the training pair if there is one, else the test pair."""
    with as_data_error():
        return formats.idx_pair(folder)


def partner_of(path: Path) -> tuple:
    """(images, labels) for one IDX file given by path: its partner is found beside it."""
    with as_data_error():
        return formats.idx_partner(path)


def read_idx(path: Path, magic: int, what: str, progress: Progress = None) -> np.ndarray:
    """The array in one IDX file of unsigned bytes whose magic number must be ``magic``."""
    with as_data_error():
        return formats.idx_array(path, magic, what, progress)


def read_idx_pair(images_path: Path, labels_path: Path, name: str, progress: Progress = None) -> Dataset:
    with as_data_error():
        x, y, classes = formats.idx_data(images_path, labels_path, progress)
    return Dataset(name, x, y, classes, f"IDX files {images_path.name} and {labels_path.name} in "
                   f"{images_path.parent}")


def load_idx_folder(folder: Path, progress: Progress = None) -> Dataset:
    images, labels = find_pair(folder)
    return read_idx_pair(images, labels, folder.name, progress)


def load_idx_file(path: Path, progress: Progress = None) -> Dataset:
    images, labels = partner_of(path)
    return read_idx_pair(images, labels, path.parent.name, progress)
