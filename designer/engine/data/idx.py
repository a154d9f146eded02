"""MNIST-format IDX files (MNIST, Fashion-MNIST, EMNIST), gzipped or not.

A folder is read as one image file (magic 2051: unsigned bytes, N×rows×cols) and its labels
file (magic 2049: N unsigned bytes), matched by name (``train-images-idx3-ubyte[.gz]`` with
``train-labels-idx1-ubyte[.gz]``, ``t10k-…`` with ``t10k-…``). When a folder holds both the
training and the test files, the training pair is read; otherwise the test pair. Images become
(N, 1, H, W) float32 in [0, 1].
"""
from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from .dataset import DataError, Dataset
from .reading import Progress, check_fits, guarded, open_binary, read_exact

IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


def _role(name: str):
    low = name.lower()
    if "idx3" in low:
        return "images"
    if "idx1" in low:
        return "labels"
    return None


def _pair_key(name: str) -> str:
    low = name.lower()
    if low.endswith(".gz"):
        low = low[:-3]
    return re.sub(r"images|labels|idx3|idx1", "", low)


def is_idx_file(path: Path) -> bool:
    return path.is_file() and _role(path.name) is not None


def find_pair(folder: Path):
    """(images file, labels file) in ``folder``: the training pair if there is one, else the test
    pair; DataError when the folder has IDX files that do not pair up."""
    groups: dict = {}
    for p in sorted(folder.iterdir()):
        role = _role(p.name)
        if role and p.is_file():
            groups.setdefault(_pair_key(p.name), {}).setdefault(role, p)
    if not groups:
        raise DataError(f"the folder {folder} holds no IDX files")
    complete = {k: g for k, g in groups.items() if "images" in g and "labels" in g}
    if not complete:
        key, g = next(iter(groups.items()))
        have = next(iter(g.values()))
        want = "labels (…-labels-idx1-ubyte)" if "images" in g else "images (…-images-idx3-ubyte)"
        raise DataError(f"the folder {folder} has {have.name} but no matching file of {want}")
    train = [k for k in complete if "train" in k]
    key = train[0] if train else sorted(complete)[0]
    return complete[key]["images"], complete[key]["labels"]


def partner_of(path: Path) -> tuple:
    """(images, labels) for one IDX file given by path: its partner is found beside it."""
    role = _role(path.name)
    key = _pair_key(path.name)
    other = "labels" if role == "images" else "images"
    for p in sorted(path.parent.iterdir()):
        if p.is_file() and _role(p.name) == other and _pair_key(p.name) == key:
            return (path, p) if role == "images" else (p, path)
    raise DataError(f"{path} has no matching {other} file beside it")


def read_idx(path: Path, magic: int, what: str, progress: Progress = None) -> np.ndarray:
    """The array in one IDX file of unsigned bytes whose magic number must be ``magic``."""
    ndim = magic & 0xFF
    with guarded(path), open_binary(path) as f:
        head = read_exact(f, 4, path, "the header")
        found = struct.unpack(">I", head)[0]
        if found != magic:
            raise DataError(f"{path} has the magic number {found}, not {magic} as an IDX file of "
                            f"{what} must (is it damaged, or the wrong file?)")
        dims = struct.unpack(f">{ndim}I", read_exact(f, 4 * ndim, path, "the header"))
        if dims[0] == 0:
            raise DataError(f"{path} holds no {what}")
        if any(d == 0 for d in dims[1:]):
            raise DataError(f"{path} declares {what} of size {'×'.join(map(str, dims[1:]))}")
        n = int(np.prod(dims, dtype=object))
        check_fits(path, n, what, 1 / 6)  # and 4 bytes a value once they are floats
        data = read_exact(f, n, path, f"{what} data", progress, 0, n)
        if f.read(1):
            raise DataError(f"{path} has more bytes than the {n} of {what} its header announces")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _progress_part(progress: Progress, lo: float, hi: float) -> Progress:
    if progress is None:
        return None
    return lambda frac: progress(lo + (hi - lo) * frac)


def read_idx_pair(images_path: Path, labels_path: Path, name: str, progress: Progress = None) -> Dataset:
    images = read_idx(images_path, IMAGES_MAGIC, "images", _progress_part(progress, 0.0, 0.98))
    labels = read_idx(labels_path, LABELS_MAGIC, "labels", _progress_part(progress, 0.98, 1.0))
    if len(labels) != len(images):
        raise DataError(f"{labels_path} holds {len(labels)} labels but {images_path} holds "
                        f"{len(images)} images")
    x = images[:, None, :, :].astype(np.float32)
    x /= np.float32(255.0)
    y = labels.astype(np.int64)
    top = int(y.max()) + 1
    where = str(images_path.parent).lower()
    classes = FASHION_CLASSES[:] if "fashion" in where and top <= 10 else [str(i) for i in range(top)]
    return Dataset(name, x, y, classes, f"IDX files {images_path.name} and {labels_path.name} in "
                   f"{images_path.parent}")


def load_idx_folder(folder: Path, progress: Progress = None) -> Dataset:
    images, labels = find_pair(folder)
    return read_idx_pair(images, labels, folder.name, progress)


def load_idx_file(path: Path, progress: Progress = None) -> Dataset:
    images, labels = partner_of(path)
    return read_idx_pair(images, labels, path.parent.name, progress)
