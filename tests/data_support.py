"""Writers of real data files in their published formats (IDX, CIFAR's Python 2 pickles), shared
by the data reader tests; tests/test_data_writers.py checks that they match the published layouts
(so the readers are tested on the real thing)."""
from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np


# --------------------------------------------------------------------------- IDX (MNIST)
def idx_bytes(array: np.ndarray, magic: int | None = None) -> bytes:
    array = np.asarray(array, dtype=np.uint8)
    magic = (0x0800 | array.ndim) if magic is None else magic
    head = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return head + array.tobytes()


def write_idx_pair(folder: Path, images: np.ndarray, labels: np.ndarray, prefix: str = "train",
                   gz: bool = True) -> tuple:
    folder.mkdir(parents=True, exist_ok=True)
    ext = ".gz" if gz else ""
    pi = folder / f"{prefix}-images-idx3-ubyte{ext}"
    pl = folder / f"{prefix}-labels-idx1-ubyte{ext}"
    for path, arr in ((pi, images), (pl, labels)):
        data = idx_bytes(arr)
        path.write_bytes(gzip.compress(data) if gz else data)
    return pi, pl


def small_digits(n: int = 50, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), (np.arange(n) % 10).astype(np.uint8)


# --------------------------------------------------------------------------- CIFAR (Python 2 pickles)
def _py2_str(b: bytes) -> bytes:
    return (b"U" + bytes([len(b)]) + b) if len(b) < 256 else (b"T" + struct.pack("<i", len(b)) + b)


def _py2_int(i: int) -> bytes:
    if 0 <= i < 256:
        return b"K" + bytes([i])
    if 0 <= i < 65536:
        return b"M" + struct.pack("<H", i)
    return b"J" + struct.pack("<i", i)


def _py2(obj) -> bytes:
    """Protocol-2 opcodes as Python 2's cPickle writes them (str is a byte string)."""
    if isinstance(obj, bool):
        return b"\x88" if obj else b"\x89"
    if obj is None:
        return b"N"
    if isinstance(obj, int):
        return _py2_int(obj)
    if isinstance(obj, (bytes, str)):
        return _py2_str(obj.encode("latin1") if isinstance(obj, str) else obj)
    if isinstance(obj, tuple):
        return b"(" + b"".join(_py2(v) for v in obj) + b"t"
    if isinstance(obj, list):
        return b"](" + b"".join(_py2(v) for v in obj) + b"e"
    if isinstance(obj, dict):
        return b"}(" + b"".join(_py2(k) + _py2(v) for k, v in obj.items()) + b"u"
    if isinstance(obj, np.ndarray):  # numpy 1.x under Python 2: _reconstruct + __setstate__
        assert obj.dtype == np.uint8
        dtype = (b"cnumpy\ndtype\n" + _py2(("u1", 0, 1)) + b"R"
                 + _py2((3, "|", None, None, None, -1, -1, 0)) + b"b")
        return (b"cnumpy.core.multiarray\n_reconstruct\n"
                + b"(cnumpy\nndarray\n" + _py2((0,)) + _py2("b") + b"tR"
                + b"(" + _py2(1) + _py2(tuple(obj.shape)) + dtype + _py2(False)
                + _py2(obj.tobytes()) + b"tb")
    raise TypeError(type(obj))


def py2_pickle(obj) -> bytes:
    return b"\x80\x02" + _py2(obj) + b"."


CIFAR10_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def cifar_batch(n: int, seed: int, label: str = "training batch 1 of 5") -> tuple:
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
    labels = [int(v) for v in rng.integers(0, 10, n)]
    d = {"batch_label": label, "labels": labels, "data": data,
         "filenames": [f"img_{seed}_{i}.png" for i in range(n)]}
    return d, data, labels


def write_cifar(folder: Path, batches: int = 2, n: int = 20, test: bool = True, meta: bool = True,
                py2: bool = True) -> tuple:
    """A CIFAR-10 python folder; returns (train data, train labels) concatenated."""
    folder.mkdir(parents=True, exist_ok=True)
    dump = py2_pickle if py2 else (lambda o: pickle.dumps(o, protocol=2))
    datas, labels = [], []
    for b in range(1, batches + 1):
        d, data, lab = cifar_batch(n, b, f"training batch {b} of {batches}")
        (folder / f"data_batch_{b}").write_bytes(dump(d))
        datas.append(data)
        labels += lab
    if test:
        d, _, _ = cifar_batch(n, 99, "testing batch 1 of 1")
        (folder / "test_batch").write_bytes(dump(d))
    if meta:
        (folder / "batches.meta").write_bytes(dump({"num_cases_per_batch": n, "label_names": CIFAR10_NAMES,
                                                    "num_vis": 3072}))
    return (np.concatenate(datas) if datas else None), labels
