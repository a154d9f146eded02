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

from . import cifar, folder, formats, idx
from .builtin import BUILTIN_SETS, make_builtin, parse_builtin
from .checks import as_data_error
from .csvfile import load_csv
from .dataset import DataError, Dataset
from .formats import CSV_SUFFIXES  # noqa: F401
from .npzfile import load_npz
from .reading import Progress, guarded

# How each format that formats.data_kind tells is read into a Dataset.
READERS = {
    "idx": lambda paths, progress: idx.read_idx_pair(*paths, paths[0].parent.name, progress),
    "cifar": lambda paths, progress: cifar.load_cifar_folder(paths[0], progress),
    "cifar-archive": lambda paths, progress: cifar.load_cifar_archive(paths[0], progress),
    "images": lambda paths, progress: folder.load_image_folder(paths[0], progress),
    "npz": lambda paths, progress: load_npz(paths[0], progress),
    "csv": lambda paths, progress: load_csv(paths[0], progress),
}


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
        with as_data_error():
            kind, *paths = formats.data_kind(path)  # which format: the same choice as train.py's
        return READERS[kind](paths, progress)
