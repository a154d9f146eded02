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

from ...model.npz_headers import check_npz
from .checks import check_finite, labels_from_numbers
from .dataset import DataError, Dataset
from .reading import PARSE_ERRORS, Progress, brief

# A batch of images whose last axis is this short (and whose second is not) is channels last.
MAX_CHANNELS_LAST = 4


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


def _images_x(x: np.ndarray, path: Path) -> np.ndarray:
    if x.ndim == 3:
        x = x[:, None]
    if x.dtype.kind in "iu":
        if x.dtype.kind == "i" and x.size and x.min() < 0:
            raise DataError(f"{path}: the images in 'x' are signed integers with negative values; "
                            f"save them as uint8 (0–255) or float in [0, 1]")
        top = np.iinfo(x.dtype).max
        return (x.astype(np.float64) / top).astype(np.float32) if top > 255 else \
            x.astype(np.float32) / np.float32(top)
    return x.astype(np.float32)


def channels_first(x: np.ndarray) -> tuple:
    """(x as (N, D, H, W), layout read): a batch of images is channels first, (N, D, H, W), unless
    its second axis is too long for channels (more than 4) and its last is not, as in
    (N, 28, 28, 1) or (N, 32, 32, 3): channels last, as TensorFlow and PIL store images."""
    if x.ndim == 4 and x.shape[1] > MAX_CHANNELS_LAST and x.shape[3] <= MAX_CHANNELS_LAST:
        return x.transpose(0, 3, 1, 2), "channels last (N, H, W, D)"
    return x, "channels first (N, D, H, W)"


def load_npz(path: Path, progress: Progress = None) -> Dataset:
    check_npz(path, DataError, ".npz data file")  # what its headers declare, before it is read
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
    if x.dtype.kind not in "biuf":
        raise DataError(f"{path}: 'x' holds {x.dtype} values, not numbers")
    if x.ndim not in (2, 3, 4):
        raise DataError(f"{path}: 'x' has shape {x.shape}; use (N, features), (N, H, W) or "
                        f"(N, D, H, W)")
    if x.shape[0] == 0 or x.size == 0:
        raise DataError(f"{path}: 'x' holds no samples")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise DataError(f"{path}: 'x' has {x.shape[0]} samples but 'y' has shape {y.shape}; "
                        f"'y' must be ({x.shape[0]},) labels or ({x.shape[0]}, k) targets")
    x, layout = channels_first(x)
    where = lambda i: f"{path}, sample {i}"  # noqa: E731
    with np.errstate(over="ignore"):
        x = _images_x(x, path) if x.ndim > 2 else x.astype(np.float32)
    check_finite(x, where, "'x'")
    if y.ndim == 2:
        if y.dtype.kind not in "biuf" or y.shape[1] == 0:
            raise DataError(f"{path}: 'y' holds {y.dtype} targets of shape {y.shape}, not numbers")
        with np.errstate(over="ignore"):
            y = y.astype(np.float32)
        check_finite(y, where, "'y'")
    else:
        y = labels_from_numbers(y, where)
    names = None
    if classes is not None:
        if classes.ndim != 1 or classes.dtype.kind not in "US":
            raise DataError(f"{path}: 'classes' must be a list of class names")
        names = [str(c) if classes.dtype.kind == "U" else c.decode("latin1") for c in classes]
        if y.ndim == 1 and int(y.max()) >= len(names):
            raise DataError(f"{path}: the label {int(y.max())} is out of range for the "
                            f"{len(names)} names in 'classes'")
    if progress is not None:
        progress(1.0)
    source = f"NPZ file {path}" + (f", images read as {layout}" if x.ndim == 4 else "")
    return Dataset(path.stem, x, y, names, source)
