"""CIFAR-10 and CIFAR-100 in their "python version" layout: a folder (or the downloaded
``.tar.gz``) of pickled batches. CIFAR-10: ``data_batch_1`` … ``data_batch_5`` and ``test_batch``,
each a dict with ``data`` (N×3072 uint8, the red, green then blue 32×32 planes) and ``labels``,
plus ``batches.meta`` with ``label_names``. CIFAR-100: ``train`` / ``test`` with ``fine_labels``
and ``meta`` with ``fine_label_names``. The training batches are read when present, else the
test batch. Pickles are read with a restricted unpickler that builds only plain data.
"""
from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Callable

import numpy as np

from .dataset import DataError, Dataset
from .reading import PARSE_ERRORS, Progress, brief, check_fits, memory_limit, read_all
from .safepickle import Refused, loads_plain

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck"]
_BATCH = re.compile(r"^data_batch_(\d+)$")


def _choose(names) -> tuple:
    """(batch names to read in order, meta name or None, labels key, label-names key) or None."""
    names = set(names)
    train = sorted((n for n in names if _BATCH.match(n)), key=lambda n: int(_BATCH.match(n).group(1)))
    if train or "test_batch" in names:
        meta = "batches.meta" if "batches.meta" in names else None
        return (train or ["test_batch"]), meta, "labels", "label_names"
    if "meta" in names and ("train" in names or "test" in names):
        return (["train"] if "train" in names else ["test"]), "meta", "fine_labels", "fine_label_names"
    return None


def is_cifar_folder(folder: Path) -> bool:
    return _choose(p.name for p in folder.iterdir() if p.is_file()) is not None


def _unpickle(raw: bytes, where: str):
    try:
        obj = loads_plain(raw)
    except Refused as e:
        raise DataError(f"{where} holds {e.what}, not plain data, so it is not read "
                        f"(a CIFAR batch holds only arrays, lists and strings)") from None
    except RecursionError:
        raise DataError(f"{where} is not a CIFAR batch (its pickle nests too deeply)") from None
    except Exception as e:  # a damaged pickle can fail in many ways
        raise DataError(f"{where} is not a readable CIFAR batch (damaged or truncated pickle: "
                        f"{type(e).__name__})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{where} holds a pickled {type(obj).__name__}, not the dict of a CIFAR batch")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _text(v) -> str:
    return v.decode("latin1") if isinstance(v, bytes) else str(v)


def _labels(value, where: str, key: str, n: int) -> np.ndarray:
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in value):
        arr = np.array(value, dtype=np.int64) if value else np.zeros(0, np.int64)
    else:
        raise DataError(f"{where}: '{key}' is not a list of whole numbers")
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise DataError(f"{where}: '{key}' is not a list of whole numbers")
    if len(arr) != n:
        raise DataError(f"{where} holds {len(arr)} labels but {n} images")
    if n and arr.min() < 0:
        raise DataError(f"{where}: label {int(arr.min())} is negative")
    return arr.astype(np.int64)


def _batch(d: dict, where: str, labels_key: str):
    data = d.get("data")
    if not isinstance(data, np.ndarray):
        raise DataError(f"{where} has no 'data' array of images, so it is not a CIFAR batch")
    if data.dtype != np.uint8 or data.ndim != 2:
        raise DataError(f"{where}: 'data' is a {data.dtype} array of shape {data.shape}, "
                        f"not N×3072 bytes")
    side = int(round((data.shape[1] / 3) ** 0.5))
    if data.shape[1] == 0 or 3 * side * side != data.shape[1]:
        raise DataError(f"{where}: rows of {data.shape[1]} bytes are not 3 square colour planes "
                        f"(CIFAR rows are 3072 bytes: 3×32×32)")
    if data.shape[0] == 0:
        raise DataError(f"{where} holds no images")
    if labels_key not in d:
        raise DataError(f"{where} has no '{labels_key}' list")
    return data, _labels(d[labels_key], where, labels_key, data.shape[0]), side


def _read(reader: Callable[[str, Progress], bytes], label: str, names, progress: Progress,
          src: str) -> Dataset:
    chosen = _choose(names)
    if chosen is None:
        raise DataError(f"{label} holds no CIFAR batches (data_batch_1 … or test_batch)")
    batches, meta_name, labels_key, names_key = chosen
    datas, labels, side = [], [], None
    for i, name in enumerate(batches):
        where = f"{label}/{name}"
        part = None if progress is None else (
            lambda f, i=i: progress((i + f) / len(batches)))
        d = _unpickle(reader(name, part), where)
        data, lab, s = _batch(d, where, labels_key)
        if side is not None and s != side:
            raise DataError(f"{where} holds {s}×{s} images but the batches before it {side}×{side}")
        side = s
        datas.append(data)
        labels.append(lab)
    y = np.concatenate(labels)
    classes = None
    if meta_name is not None:
        where = f"{label}/{meta_name}"
        meta = _unpickle(reader(meta_name, None), where)
        names_val = meta.get(names_key)
        if not isinstance(names_val, (list, tuple)) or not all(isinstance(v, (str, bytes)) for v in names_val):
            raise DataError(f"{where} has no '{names_key}' list of class names")
        classes = [_text(v) for v in names_val]
    elif int(y.max()) < 10:
        classes = CIFAR10_CLASSES[:]
    if classes is not None and int(y.max()) >= len(classes):
        raise DataError(f"{label}: label {int(y.max())} is out of range for the {len(classes)} "
                        f"class names of its meta file")
    data = np.concatenate(datas)
    x = data.reshape(len(data), 3, side, side).astype(np.float32)
    x /= np.float32(255.0)
    return Dataset(Path(label).name, x, y, classes, f"{src}: {', '.join(batches)}")


def load_cifar_folder(folder: Path, progress: Progress = None) -> Dataset:
    names = [p.name for p in folder.iterdir() if p.is_file()]
    return _read(lambda name, prog: read_all(folder / name, prog, memory_limit(1 / 8), "CIFAR batches"), str(folder), names, progress,
                 f"CIFAR batches in {folder}")


def is_cifar_archive(path: Path) -> bool:
    low = path.name.lower()
    return low.endswith((".tar.gz", ".tgz", ".tar"))


def load_cifar_archive(path: Path, progress: Progress = None) -> Dataset:
    """The CIFAR-10/100 python archive as downloaded (``cifar-10-python.tar.gz``), read in place."""
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
            check_fits(path, sum(m.size for m in members.values()), "CIFAR batches", 1 / 8)

            def reader(name, prog):
                f = tar.extractfile(members[name])
                data = f.read()
                if prog is not None:
                    prog(1.0)
                return data

            return _read(reader, str(path), list(members), progress, f"CIFAR archive {path}")
    except DataError:
        raise
    except PARSE_ERRORS + (tarfile.TarError,) as e:
        raise DataError(f"{path} is not a readable tar archive ({brief(e)})") from None
