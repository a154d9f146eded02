"""NumPy ``.npz`` archives with arrays ``x`` and ``y`` (and optionally ``classes``, the class
names). ``x`` is (N, F) vectors, (N, H, W) single-channel images or (N, D, H, W) images,
channels first; (N, H, W, D) with D of at most 4 (TensorFlow's and PIL's order) is read as
channels last. Integer images are scaled to [0, 1] by their type's maximum (uint8: 255); float
images and vectors are used as given. ``y`` is (N,) class labels (whole numbers from 0) or (N, k)
target vectors. Nothing is unpickled (``allow_pickle=False``).
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from ... import model
from . import rules
from .checks import as_data_error
from .dataset import DataError, Dataset
from .reading import PARSE_ERRORS, Progress, brief


def _get(archive, path: Path, key: str) -> np.ndarray:
    names = {n.lower(): n for n in archive.files}
    if key not in names:
        have = ", ".join(archive.files) or "no arrays"
        raise DataError(f"{path} has no array '{key}' (it holds {have}); a data file needs "
                        f"'x' (the samples) and 'y' (their labels or targets)")
    try:
        return archive[names[key]]
    except ValueError as e:
        if "pickle" in str(e).lower():
            raise DataError(f"{path}: the array '{key}' holds Python objects, which are not "
                            f"read; save numbers") from None
        raise DataError(f"{path}: the array '{key}' is damaged ({brief(e)})") from None
    except PARSE_ERRORS + (zipfile.BadZipFile,) as e:
        raise DataError(f"{path}: the array '{key}' is damaged ({brief(e)})") from None


def load_npz(path: Path, progress: Progress = None) -> Dataset:
    # What its headers declare, before it is read: the model's check, which the weights and
    # checkpoint readers run too (train.py runs formats.check_npz_data, its standalone copy).
    model.check_npz(path, DataError, ".npz data file")
    try:
        archive = np.load(path, allow_pickle=False)
    except PARSE_ERRORS + (zipfile.BadZipFile,) as e:
        raise DataError(f"{path} is not a readable .npz archive ({brief(e)})") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise DataError(f"{path} holds a single array, not an .npz archive with 'x' and 'y'")
    with archive:
        x = _get(archive, path, "x")
        if progress is not None:
            progress(0.8)
        y = _get(archive, path, "y")
        classes = _get(archive, path, "classes") if "classes" in archive.files else None
    with as_data_error():
        x, y, names, layout = rules.npz_arrays(x, y, classes, path)  # the rules train.py applies too
    if progress is not None:
        progress(1.0)
    source = f"NPZ file {path}" + (f", images read as {layout}" if x.ndim == 4 else "")
    return Dataset(path.stem, x, y, names, source)
