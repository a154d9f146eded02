"""``load_data(spec)``: a built-in set's name, or a path whose kind is told by what it is.

- ``shapes``, ``xor``, ``circles``, ``spirals``, ``blobs`` (optionally ``name:N`` for N samples)
  are generated; a built-in name wins over a file of the same name (write ``./shapes``).
- A folder: MNIST-format IDX files, else CIFAR batches, else class sub-folders of images. A
  folder holding exactly one sub-folder of IDX files or CIFAR batches (torchvision's
  ``MNIST/raw``, the unpacked ``cifar-10-batches-py``) is read through it.
- A file: ``.npz``; a CIFAR ``.tar.gz`` / ``.tgz`` / ``.tar``; one IDX file (its partner is
  found beside it); ``.csv``, ``.csv.gz``, ``.tra``, ``.tes``, ``.data``, ``.txt``; any other
  text file is read as CSV.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from . import cifar, folder, idx
from .builtin import BUILTIN_SETS, make_builtin, parse_builtin
from .csvfile import load_csv
from .dataset import DataError, Dataset
from .npzfile import load_npz
from .reading import GZIP_MAGIC, Progress, guarded, regular

CSV_SUFFIXES = (".csv", ".csv.gz", ".tra", ".tes", ".data", ".txt", ".txt.gz")


def _holds_idx(path: Path) -> bool:
    return any(idx.is_idx_file(p) for p in path.iterdir())


def _load_folder(path: Path, progress: Progress, nested: bool = False) -> Dataset:
    if _holds_idx(path):
        return idx.load_idx_folder(path, progress)
    if cifar.is_cifar_folder(path):
        return cifar.load_cifar_folder(path, progress)
    if folder.looks_like_image_folder(path):
        return folder.load_image_folder(path, progress)
    if not nested:
        inner = [d for d in folder.class_folders(path) if _holds_idx(d) or cifar.is_cifar_folder(d)]
        if len(inner) == 1:
            return _load_folder(inner[0], progress, nested=True)
    raise DataError(f"the folder {path} holds no data that can be read: no MNIST-format IDX files, "
                    f"no CIFAR batches and no class sub-folders of images")


def _looks_like_text(path: Path) -> bool:
    regular(path)
    with open(path, "rb") as f:
        head = f.read(4096)
    if head[:2] == GZIP_MAGIC:
        return True  # compressed: let the CSV reader decide
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(head) - 3:  # not just a character cut at the end of the sample
            return False
    return b"\x00" not in head


def _load_file(path: Path, progress: Progress) -> Dataset:
    regular(path)  # a FIFO or /dev/zero as --data: refused before any reader opens it
    low = path.name.lower()
    if low.endswith(".npz"):
        return load_npz(path, progress)
    if cifar.is_cifar_archive(path):
        return cifar.load_cifar_archive(path, progress)
    if idx.is_idx_file(path):
        return idx.load_idx_file(path, progress)
    if low.endswith(CSV_SUFFIXES) or _looks_like_text(path):
        return load_csv(path, progress)
    raise DataError(f"{path} is not a data file that can be read: use a folder of IDX files, CIFAR "
                    f"batches or class sub-folders of images, an .npz file or a .csv file")


def load_data(spec, seed: int = 0, progress: Progress = None) -> Dataset:
    """The data set named by ``spec`` (a built-in name or a path, see the module text);
    ``seed`` drives the built-in generators; ``progress(fraction)`` is called while large files
    are read. Raises DataError (one sentence naming the file and the problem)."""
    text = str(spec)
    builtin = parse_builtin(text)
    if builtin is not None:
        name, n = builtin
        return make_builtin(name, n, seed)
    path = Path(text).expanduser()
    with guarded(path):
        if not path.exists():
            close = difflib.get_close_matches(text.lower(), list(BUILTIN_SETS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else \
                f" (the built-in sets are {', '.join(BUILTIN_SETS)})"
            raise DataError(f"the data '{text}' is neither a file or folder nor a built-in data "
                            f"set{hint}")
        if path.is_dir():
            return _load_folder(path, progress)
        return _load_file(path, progress)
