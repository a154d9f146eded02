"""CIFAR-10 and CIFAR-100 in their "python version" layout: a folder (or the downloaded
``.tar.gz``) of pickled batches. CIFAR-10: ``data_batch_1`` … ``data_batch_5`` and ``test_batch``,
each a dict with ``data`` (N×3072 uint8, the red, green then blue 32×32 planes) and ``labels``,
plus ``batches.meta`` with ``label_names``. CIFAR-100: ``train`` / ``test`` with ``fine_labels``
and ``meta`` with ``fine_label_names``. The training batches are read when present, else the
test batch. Pickles are read with a restricted unpickler that builds only plain data. The
reading and its checks are cifar_batches.py's (train.py's too).
"""
from __future__ import annotations

from pathlib import Path

from . import cifar_batches
from .checks import as_data_error
from .dataset import Dataset
from .cifar_batches import CIFAR10_CLASSES  # noqa: F401
from .formats import is_cifar_archive, is_cifar_folder  # noqa: F401
from .reading import Progress


def load_cifar_folder(folder: Path, progress: Progress = None) -> Dataset:
    with as_data_error():
        x, y, classes, batches = cifar_batches.cifar_folder(folder, progress)
    return Dataset(folder.name, x, y, classes, f"CIFAR batches in {folder}: {', '.join(batches)}")


def load_cifar_archive(path: Path, progress: Progress = None) -> Dataset:
    """The CIFAR-10/100 python archive as downloaded (``cifar-10-python.tar.gz``), read in place."""
    with as_data_error():
        x, y, classes, batches = cifar_batches.cifar_archive(path, progress)
    return Dataset(path.name, x, y, classes, f"CIFAR archive {path}: {', '.join(batches)}")
