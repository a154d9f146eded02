"""Train the network of model.py as `nn-designer train` does, on one process or many.

    python train.py --data DATA [options]                       # one process
    torchrun --nproc_per_node=N train.py --data DATA [options]  # N processes (GPUs) on this machine

The options are `nn-designer train`'s, with the same names, defaults and meanings; --batch-size
is the global batch, split evenly across the processes. The recipe is NN Designer's: SGD in the
course's form Δw(n) = −η(∂E/∂w + λw) + αΔw(n−1), the constant/step/plateau schedules, the same
initialisations, losses (a final softmax is folded into cross-entropy), validation split and
sample order. So, for a network without dropout or batchnorm trained without --augment, any
number of processes that divides the batch gives the weights and history `nn-designer train`
gives. Only the first process (rank 0) writes files. README.md beside this file says more.

Written by NN Designer (`nn-designer export MODEL --to torchrun`); it needs only torch, numpy
and Pillow.
"""
import argparse
import functools
import gzip
import importlib
import inspect
import io
import math
import os
import pickle
import re
import struct
import sys
import tarfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm", ".ppm",
                  ".pbm", ".pnm"}
SCHEDULE_OPTIONS = {"constant": {}, "step": {"step_size": (int, 10), "gamma": (float, 0.1)},
                    "plateau": {"patience": (int, 3), "factor": (float, 0.1), "min_lr": (float, 1e-6),
                                "threshold": (float, 1e-4)}}
HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


class Bad(Exception):
    """Input that cannot be used: one sentence, printed without a traceback (exit status 2)."""


# ----------------------------------------------------------------------------- data rules
# NN Designer's own rules for a data file's numbers (designer/engine/data/rules.py), copied
# here unchanged so that this file stays standalone and refuses every CSV and NPZ file that
# `nn-designer train` refuses with the same sentence; NN Designer's tests keep the copy equal.
# >>> rules.py
# The most classes a data set may have. A label is a class's number, so the label 1000000000 is
# refused here, by the command line and the window alike, before anything counts 10⁹ classes.
MAX_CLASSES = 100_000
# A batch of images whose last axis is this short (and whose second is not) is channels last.
MAX_CHANNELS_LAST = 4
# A CSV row longer than this many values is refused before it is parsed (a header of 100,000
# columns made train.py run past 60 s).
MAX_CSV_COLUMNS = 50_000


class DataRefused(Exception):
    """A data file whose numbers cannot be used; ``str(e)`` is one sentence naming the file."""


def first_bad(mask):
    """Index of the first sample (axis 0) where ``mask`` is true anywhere, else -1."""
    rows = mask.reshape(len(mask), -1).any(axis=1)
    hit = np.flatnonzero(rows)
    return int(hit[0]) if len(hit) else -1


def labels_from_numbers(values, where):
    """int64 labels from numbers that must be whole and >= 0; ``where(i)`` names sample i."""
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        i = first_bad(~np.isfinite(values))
        if i >= 0:
            raise DataRefused(f"{where(i)}: the label is {values[i]}, not a number")
        i = first_bad(values != np.round(values))
        if i >= 0:
            raise DataRefused(f"{where(i)}: the label {values[i]:g} is not a whole number "
                              f"(class labels are 0, 1, 2, …)")
    elif values.dtype.kind not in "iu":
        raise DataRefused(f"{where(0)}: the labels are {values.dtype} values, not numbers")
    i = first_bad(values < 0)
    if i >= 0:
        raise DataRefused(f"{where(i)}: the label {values[i]:g} is negative; class labels are "
                          f"0, 1, 2, … (for ±1 targets use 0 and 1: a sign or tanh output makes "
                          f"the −1/+1 targets itself)")
    if len(values) and values.max() >= MAX_CLASSES:
        raise DataRefused(f"{where(int(np.argmax(values)))}: the label {values.max():,.0f} is too large; class "
                          f"labels count 0, 1, 2, … up to {MAX_CLASSES - 1:,} (one number per class)")
    return values.astype(np.int64)


def check_finite(x, where, what="the data"):
    if x.dtype.kind == "f":
        i = first_bad(~np.isfinite(x))
        if i >= 0:
            raise DataRefused(f"{where(i)}: {what} holds NaN or infinite values")


# --------------------------------------------------------------------------- CSV
def _number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _delimiter(line):
    for d in (",", ";", "\t"):
        if d in line:
            return d
    return None  # runs of white space


def _cells(line, delim):
    return [c.strip().strip('"').strip() for c in line.split(delim)]


def csv_text(data, path):
    """The text of a CSV file's bytes: UTF-8 (a BOM allowed), no NUL bytes."""
    if b"\x00" in data:
        raise DataRefused(f"{path} is not a text file of comma-separated numbers")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataRefused(f"{path} is not a UTF-8 text file (byte {e.start} cannot be decoded)") from None


def _has_header(rows, delim):
    first = _cells(rows[0][1], delim)
    if not all(_number(c) for c in first[:-1]):
        return True
    if _number(first[-1]) or len(rows) < 2:
        return False
    second = _cells(rows[1][1], delim)
    return _number(second[-1])


def _slow_parse(rows, path, delim, ncols, named_labels):
    """Parse cell by cell (used when the fast path fails): names the first bad line."""
    first_line = rows[0][0]
    feats = np.empty((len(rows), ncols - 1), dtype=np.float64)
    labels = []
    for i, (lineno, line) in enumerate(rows):
        cells = _cells(line, delim)
        if len(cells) != ncols:
            raise DataRefused(f"{path} line {lineno} has {len(cells)} values where line {first_line} "
                              f"has {ncols}")
        for j, cell in enumerate(cells[:-1] if named_labels else cells):
            try:
                value = float(cell)
            except ValueError:
                what = "is empty" if cell == "" else f"'{cell[:30]}' is not a number"
                raise DataRefused(f"{path} line {lineno}, column {j + 1}: {what}") from None
            if j < ncols - 1:
                feats[i, j] = value
            else:
                labels.append(value)
        if named_labels:
            if cells[-1] == "":
                raise DataRefused(f"{path} line {lineno}: the label (last column) is empty")
            labels.append(cells[-1])
    return feats, labels


def csv_table(data, path):
    """(x float32 (N, F), y int64 (N,), class names or None) of a CSV file's bytes."""
    text = csv_text(data, path)
    rows = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not rows:
        raise DataRefused(f"{path} holds no data rows")
    delim = _delimiter(rows[0][1])
    for n, line in rows[:2]:
        if line.count(delim or " ") >= MAX_CSV_COLUMNS:
            raise DataRefused(f"{path} line {n} has more than {MAX_CSV_COLUMNS:,} values; a sample's "
                              "features are at most that many")
    if _has_header(rows, delim):
        rows = rows[1:]
        if not rows:
            raise DataRefused(f"{path} holds a header but no data rows")
    first = _cells(rows[0][1], delim)
    ncols = len(first)
    if ncols < 2:
        raise DataRefused(f"{path} line {rows[0][0]} has a single value; each row needs features "
                          f"and then the label in the last column")
    named_labels = not _number(first[-1])
    feats = labels = None
    if not named_labels:
        try:
            table = np.loadtxt([line for _, line in rows], delimiter=delim, dtype=np.float64,
                               ndmin=2, quotechar='"' if delim else None)
            if table.shape == (len(rows), ncols):
                feats, labels = table[:, :-1], table[:, -1]
        except ValueError:
            pass
    if feats is None:
        feats, labels = _slow_parse(rows, path, delim, ncols, named_labels)
    where = lambda i: f"{path} line {rows[i][0]}"  # noqa: E731
    with np.errstate(over="ignore"):
        x = feats.astype(np.float32)
    check_finite(feats, where, "the row")
    i = first_bad(~np.isfinite(x))
    if i >= 0:
        raise DataRefused(f"{where(i)}: a value is too large for 32-bit floats")
    if named_labels:
        classes = sorted(set(labels))
        index = {c: k for k, c in enumerate(classes)}
        return x, np.array([index[c] for c in labels], dtype=np.int64), classes
    return x, labels_from_numbers(np.asarray(labels, dtype=np.float64), where), None


# --------------------------------------------------------------------------- NPZ
def to_nchw(x):
    """(x as (N, D, H, W), layout read): a batch of images is channels first, (N, D, H, W), unless
    its second axis is too long for channels (more than 4) and its last is not, as in
    (N, 28, 28, 1) or (N, 32, 32, 3): channels last, as TensorFlow and PIL store images."""
    if x.ndim == 4 and x.shape[1] > MAX_CHANNELS_LAST and x.shape[3] <= MAX_CHANNELS_LAST:
        return x.transpose(0, 3, 1, 2), "channels last (N, H, W, D)"
    return x, "channels first (N, D, H, W)"


def _images_x(x, path):
    if x.ndim == 3:
        x = x[:, None]
    if x.dtype.kind in "iu":
        if x.dtype.kind == "i" and x.size and x.min() < 0:
            raise DataRefused(f"{path}: the images in 'x' are signed integers with negative values; "
                              f"save them as uint8 (0–255) or float in [0, 1]")
        top = np.iinfo(x.dtype).max
        return (x.astype(np.float64) / top).astype(np.float32) if top > 255 else \
            x.astype(np.float32) / np.float32(top)
    return x.astype(np.float32)


def npz_arrays(x, y, classes, path):
    """(x float32, y int64 labels or float32 targets, class names or None, layout read) of an
    .npz data file's arrays 'x', 'y' and 'classes' (None when it has none)."""
    if x.dtype.kind not in "biuf":
        raise DataRefused(f"{path}: 'x' holds {x.dtype} values, not numbers")
    if x.ndim not in (2, 3, 4):
        raise DataRefused(f"{path}: 'x' has shape {x.shape}; use (N, features), (N, H, W) or "
                          f"(N, D, H, W)")
    if x.shape[0] == 0 or x.size == 0:
        raise DataRefused(f"{path}: 'x' holds no samples")
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise DataRefused(f"{path}: 'x' has {x.shape[0]} samples but 'y' has shape {y.shape}; "
                          f"'y' must be ({x.shape[0]},) labels or ({x.shape[0]}, k) targets")
    x, layout = to_nchw(x)
    where = lambda i: f"{path}, sample {i}"  # noqa: E731
    with np.errstate(over="ignore"):
        x = _images_x(x, path) if x.ndim > 2 else x.astype(np.float32)
    check_finite(x, where, "'x'")
    if y.ndim == 2:
        if y.dtype.kind not in "biuf" or y.shape[1] == 0:
            raise DataRefused(f"{path}: 'y' holds {y.dtype} targets of shape {y.shape}, not numbers")
        with np.errstate(over="ignore"):
            y = y.astype(np.float32)
        check_finite(y, where, "'y'")
    else:
        y = labels_from_numbers(y, where)
    names = None
    if classes is not None:
        if classes.ndim != 1 or classes.dtype.kind not in "US":
            raise DataRefused(f"{path}: 'classes' must be a list of class names")
        names = [str(c) if classes.dtype.kind == "U" else c.decode("latin1") for c in classes]
        if y.ndim == 1 and int(y.max()) >= len(names):
            raise DataRefused(f"{path}: the label {int(y.max())} is out of range for the "
                              f"{len(names)} names in 'classes'")
    return x, y, names, layout


# --------------------------------------------------------------------------- data and network
def _plural(n, word):
    return f"{n:,} {word if n == 1 else word + 's'}"


def _shape_text(shape):
    return "×".join(str(int(d)) for d in shape)


def _input_text(shape):
    if len(shape) == 1:
        return f"a vector of {_plural(shape[0], 'feature')}"
    return _shape_text(shape)


def data_name(path):
    """The name a data file's set goes by in messages: its file name without .gz, .csv, .npz."""
    name = path.name
    for suffix in (".gz", ".csv", ".npz"):
        name = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    return name


def check_input(name, volume, input_shape, layout=""):
    """Refuse data whose samples (``volume``: (W, H, D) images or (F,) vectors, the model's
    notation) are not the network's input (``input_shape``, the same notation)."""
    shape = tuple(int(d) for d in input_shape)
    volume = tuple(int(d) for d in volume)
    if shape == volume:
        return
    if len(volume) == 3:
        what, fix = f"{_shape_text(volume)} images", _shape_text(volume)
    else:
        what = f"vectors of {_plural(volume[0], 'feature')}"
        fix = f"a vector input of {_plural(volume[0], 'feature')}"
    read = f" (its images read as {layout})" if layout else ""
    raise DataRefused(f"{name} holds {what}{read}, but the network's input is "
                      f"{_input_text(shape)}; set the input layer to {fix}")


def check_output(name, output_shape, targets, top, classes):
    """Refuse a network whose last layer (``output_shape``) cannot be trained on the data: ``targets``
    is the length k of (N, k) target vectors (None for class labels), ``top`` the largest label
    + 1, ``classes`` the number of classes."""
    shape = tuple(int(d) for d in output_shape)
    if len(shape) != 1:
        raise DataRefused(f"the network's output is the volume {_shape_text(shape)}, but training on "
                          f"{name} needs a vector of outputs; end the network with a dense layer")
    n = shape[0]
    if targets is not None:
        if targets != n:
            raise DataRefused(f"the data {name} has target vectors of length {targets} but the "
                              f"network has {_plural(n, 'output')}; make its last dense layer {_plural(targets, 'unit')}")
        return
    if n == 1 and top <= 2:
        return
    if top > n:
        raise DataRefused(f"the data {name} has labels up to {top - 1} but the "
                          f"network has {_plural(n, 'output')}; make its last dense layer {_plural(max(top, classes), 'unit')}")
# <<< rules.py


def options(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", metavar="DATA", help="a data file or folder (required unless --resume gives it)")
    p.add_argument("--epochs", metavar="N", type=int, default=None, help="passes over the data (10)")
    p.add_argument("--batch-size", metavar="N", type=int, default=64, help="samples per step, all processes (64)")
    p.add_argument("--lr", metavar="X", type=float, default=0.01, help="learning rate η (0.01)")
    p.add_argument("--momentum", metavar="X", type=float, default=0.9, help="momentum α (0.9)")
    p.add_argument("--weight-decay", metavar="X", type=float, default=0.0, help="L2 weight decay λ (0)")
    p.add_argument("--loss", choices=("cross_entropy", "mse"), default="cross_entropy")
    p.add_argument("--val-split", metavar="X", type=float, default=0.2, help="fraction held out for validation (0.2)")
    p.add_argument("--seed", metavar="N", type=int, default=0, help="seed of initialisation, split and shuffling (0)")
    p.add_argument("--schedule", metavar="SPEC", default="constant", help="constant, step[:step_size=N,gamma=X] or "
                   "plateau[:patience=N,factor=X,min_lr=X,threshold=X]")
    p.add_argument("--init", choices=("default", "he", "xavier"), default="default")
    p.add_argument("--augment", metavar="SPEC", help="image augmentation, e.g. crop=4,flip,shift=2")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--weights", metavar="W.npz", help="start from this NN Designer weights file (.npz)")
    p.add_argument("--out", metavar="OUT.npz", help="write the trained weights here (an NN Designer weights file)")
    p.add_argument("--history", metavar="H.csv", help="write one CSV row per epoch here")
    p.add_argument("--checkpoint", metavar="CK", help="save a checkpoint here after every epoch")
    p.add_argument("--resume", metavar="CK", help="continue the run saved in this checkpoint")
    p.add_argument("--quiet", action="store_true", help="no progress on standard error")
    p.add_argument("--workers", metavar="K", type=int, default=4, help="DataLoader processes per process (4)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)
    checks = [(args.batch_size >= 1, "--batch-size must be at least 1"),
              (args.lr > 0, "--lr must be greater than 0"),
              (0 <= args.momentum < 1, "--momentum must be at least 0 and below 1"),
              (args.weight_decay >= 0, "--weight-decay must be 0 or more"),
              (0 <= args.val_split < 1, "--val-split must be at least 0 and below 1"),
              (args.epochs is None or args.epochs >= 0, "--epochs must be 0 or more"),
              (args.data or args.resume, "--data is required")]
    for ok, text in checks:
        if not ok:
            p.error(text)
    return args


# ----------------------------------------------------------------------------- data
def read_data(path):
    """(x, y) in memory, or an ImageFolder to stream, from the formats NN Designer reads."""
    path = Path(path).expanduser()
    if not path.exists():
        raise Bad(f"the data {path} is neither a file nor a folder")
    if path.is_file():
        name = path.name.lower()
        if name.endswith(".npz"):
            return read_npz(path)
        if name.endswith((".tar.gz", ".tgz", ".tar")):
            with tarfile.open(path) as tar:
                members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
                return read_cifar(lambda n: tar.extractfile(members[n]).read(), members, path)
        if _idx_role(path):
            return read_idx(*_idx_pair(path.parent, path))
        return read_csv(path)
    inner = [d for d in sorted(path.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    arrays = _in_memory(path)
    if arrays is None and not any(p.suffix.lower() in IMAGE_SUFFIXES for d in inner for p in d.rglob("*")):
        nested = [a for a in map(_in_memory, inner) if a is not None]  # e.g. MNIST/raw
        arrays = nested[0] if len(nested) == 1 else None
    return arrays if arrays is not None else ImageFolder(path)


def _in_memory(folder):
    """The IDX pair or the CIFAR batches in ``folder``, or None."""
    names = [p.name for p in folder.iterdir() if p.is_file()]
    if any(_idx_role(folder / n) for n in names):
        return read_idx(*_idx_pair(folder))
    if _cifar_names(names):
        return read_cifar(lambda n: (folder / n).read_bytes(), names, folder)
    return None


def _open(path):
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _idx_role(path):
    low = path.name.lower()
    return "images" if "idx3" in low else "labels" if "idx1" in low else None


def _idx_pair(folder, given=None):
    """The (images, labels) IDX files: the given file's partner, else the training pair, else one."""
    key = lambda p: re.sub(r"images|labels|idx3|idx1", "", p.name.lower().removesuffix(".gz"))  # noqa: E731
    pairs = {}
    for p in sorted(folder.iterdir()):
        if _idx_role(p) and p.is_file():
            pairs.setdefault(key(p), {}).setdefault(_idx_role(p), p)
    pairs = {k: v for k, v in pairs.items() if len(v) == 2}
    if given is not None:
        pairs = {k: v for k, v in pairs.items() if k == key(given)}
    if not pairs:
        raise Bad(f"{given or folder} has no matching pair of IDX image and label files")
    chosen = [k for k in pairs if "train" in k] or sorted(pairs)
    return pairs[chosen[0]]["images"], pairs[chosen[0]]["labels"]


def read_idx(images, labels):
    arrays = []
    for path, magic in ((images, 2051), (labels, 2049)):
        with _open(path) as f:
            found, = struct.unpack(">I", f.read(4))
            if found != magic:
                raise Bad(f"{path} has the magic number {found}, not {magic}")
            dims = struct.unpack(f">{magic & 0xFF}I", f.read(4 * (magic & 0xFF)))
            arrays.append(np.frombuffer(f.read(), np.uint8).reshape(dims))
    x = arrays[0][:, None].astype(np.float32)
    x /= np.float32(255.0)
    return x, arrays[1].astype(np.int64)


def _cifar_names(names):
    names = set(names)
    batches = sorted((n for n in names if re.fullmatch(r"data_batch_\d+", n)), key=lambda n: int(n[11:]))
    if batches or "test_batch" in names:
        return batches or ["test_batch"], "labels"
    if "meta" in names and names & {"train", "test"}:
        return ["train" if "train" in names else "test"], "fine_labels"
    return None


class _PlainUnpickler(pickle.Unpickler):
    """CIFAR batches are pickles: build NumPy arrays and plain data, never run other code."""

    def find_class(self, module, name):
        if (module.split(".")[0], name) in {("numpy", "_reconstruct"), ("numpy", "ndarray"),
                                            ("numpy", "dtype"), ("numpy", "scalar"), ("_codecs", "encode")}:
            return super().find_class(module, name)
        raise Bad(f"a CIFAR batch names {module}.{name}, which is not plain data")


def read_cifar(read, names, where):
    chosen = _cifar_names(names)
    if chosen is None:
        raise Bad(f"{where} holds no CIFAR batches")
    xs, ys = [], []
    for name in chosen[0]:
        d = _PlainUnpickler(io.BytesIO(read(name)), encoding="latin1").load()
        d = {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in d.items()}
        side = int(round((d["data"].shape[1] / 3) ** 0.5))
        xs.append(d["data"].reshape(-1, 3, side, side))
        ys.append(np.asarray(d[chosen[1]], np.int64))
    x = np.concatenate(xs).astype(np.float32)
    x /= np.float32(255.0)
    return x, np.concatenate(ys)


def read_npz(path):
    """An .npz file's 'x' and 'y' (and 'classes'), checked by NN Designer's rules."""
    try:
        archive = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise Bad(f"{path} is not a readable .npz archive ({type(e).__name__}: {str(e)[:80]})") from None
    if not hasattr(archive, "files"):
        raise Bad(f"{path} holds a single array, not an .npz archive with 'x' and 'y'")
    with archive:
        names = {n.lower(): n for n in archive.files}
        got = {}
        for key in ("x", "y", "classes"):
            if key not in names:
                if key == "classes":
                    continue
                have = ", ".join(archive.files) or "no arrays"
                raise Bad(f"{path} has no array '{key}' (it holds {have}); a data file needs "
                          f"'x' (the samples) and 'y' (their labels or targets)")
            try:
                got[key] = archive[names[key]]
            except ValueError as e:
                if "pickle" in str(e).lower():
                    raise Bad(f"{path}: the array '{key}' holds Python objects, which are not "
                              f"read; save numbers") from None
                raise Bad(f"{path}: the array '{key}' is damaged ({type(e).__name__}: {str(e)[:80]})") from None
    x, y, names, layout = npz_arrays(got["x"], got["y"], got.get("classes"), path)
    return x, y, len(names or ()), layout if x.ndim == 4 else ""


def read_csv(path):
    """Comma- (or ;, tab, space) separated rows, label last: NN Designer's rules (csv_table)."""
    with _open(path) as f:
        data = f.read()
    x, y, classes = csv_table(data, path)
    return x, y, len(classes or ()), ""


class ImageFolder:
    """Class sub-folders of images (root/cat/1.png …), read from disk one image at a time.

    Images of the input's size are used as they are (as NN Designer reads them). Others are
    resized so that the input covers 227/256 of them (AlexNet's 256 for 227) and cropped to the
    input's size: in the centre, or at random for training with --augment (flipped with flip)."""

    def __init__(self, root):
        folders = sorted(d for d in Path(root).iterdir() if d.is_dir() and not d.name.startswith("."))
        self.files, labels = [], []
        for c, folder in enumerate(folders):
            found = [p for p in sorted(folder.rglob("*")) if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
                     and not any(part.startswith(".") for part in p.relative_to(folder).parts)]
            self.files += found
            labels += [c] * len(found)
        if not self.files:
            raise Bad(f"the folder {root} holds no data: no IDX files, CIFAR batches or class folders of images")
        self.y = np.array(labels, np.int64)
        self.shape = None  # the network's input (D, H, W), set before reading

    def image(self, i, augment=None, rng=None):
        from PIL import Image
        depth, h, w = self.shape
        with Image.open(self.files[i]) as img:
            resized = (img.height, img.width) != (h, w)
            if resized:
                scale = max(h / img.height, w / img.width) * 256 / 227
                img = img.resize((max(w, round(img.width * scale)), max(h, round(img.height * scale))),
                                 Image.BILINEAR)
                top, left = (img.height - h) // 2, (img.width - w) // 2
                if augment:
                    top, left = rng.integers(img.height - h + 1), rng.integers(img.width - w + 1)
                img = img.crop((left, top, left + w, top + h))
            if img.mode.startswith("I") or img.mode == "F":  # 16-bit or float grayscale
                a = np.asarray(img, np.float64) / (1.0 if img.mode == "F" else 65535.0)
                a = np.clip(np.nan_to_num(a), 0, 1).astype(np.float32)[:, :, None]
            else:
                a = np.asarray(img.convert("L" if depth == 1 else "RGB")).reshape(h, w, -1)
                a = a.astype(np.float32) / np.float32(255.0)
        a = np.broadcast_to(a.transpose(2, 0, 1), (depth, h, w))
        if augment:  # a resized image was cropped at random: it is only flipped
            a = shifted(a, (0, augment[1], 0) if resized else augment, rng)
        return a


class Batches(torch.utils.data.Dataset):
    """``batches[(indices, epoch, train)]`` is the (x, y) batch of those samples, augmented for
    training. The randomness of augmentation comes from (seed, epoch, sample), so it is the same
    whichever process or DataLoader worker reads a sample, and a resumed run repeats it."""

    def __init__(self, data, targets, augment, seed):
        self.data, self.targets, self.augment, self.seed = data, targets, augment, seed

    def __getitem__(self, item):
        indices, epoch, train = item
        augment = self.augment if train else None
        rngs = [np.random.default_rng([self.seed, epoch, int(i)]) if augment else None for i in indices]
        if isinstance(self.data, ImageFolder):
            x = [self.data.image(i, augment, r) for i, r in zip(indices, rngs)]
        else:
            x = [shifted(a, augment, r) for a, r in zip(self.data[indices], rngs)] if augment else self.data[indices]
        shape = self.data.shape if isinstance(self.data, ImageFolder) else self.data.shape[1:]
        x = np.stack(x) if len(indices) else np.zeros((0, *shape), np.float32)
        return torch.from_numpy(x), torch.from_numpy(self.targets[indices])


def parse_augment(spec):
    """"crop=4,flip,shift=2" -> (4, True, 2): pad by 4 and crop back, mirror half the time, shift by
    up to 2 more pixels; None for no augmentation."""
    crop, flip, shift = 0, False, 0
    for item in filter(None, (s.strip().lower() for s in (spec or "").replace(";", ",").split(","))):
        key, eq, value = (s.strip() for s in item.partition("="))
        if key in ("crop", "crop_padding", "shift") and eq and value.isdigit():
            crop, shift = (crop, int(value)) if key == "shift" else (int(value), shift)
        elif key in ("flip", "hflip") and not eq:
            flip = True
        elif key != "none":
            raise Bad(f"unknown augmentation '{item}'; use crop=P, flip, shift=S separated by commas")
    return (crop, flip, shift) if (crop or flip or shift) else None


def shifted(a, augment, rng):
    """One image (D, H, W) moved by a random offset within crop + shift (zeros move in), and
    mirrored left-right half the time with flip."""
    crop, flip, shift = augment
    r = crop + shift
    if r:
        dy = sum(int(rng.integers(-s, s + 1)) for s in (crop, shift) if s)
        dx = sum(int(rng.integers(-s, s + 1)) for s in (crop, shift) if s)
        d, h, w = a.shape
        padded = np.zeros((d, h + 2 * r, w + 2 * r), a.dtype)
        padded[:, r:r + h, r:r + w] = a
        a = padded[:, r - dy:r - dy + h, r - dx:r - dx + w]
    return np.ascontiguousarray(a[:, :, ::-1] if flip and rng.random() < 0.5 else a)


def split(labels, n, val_split, seed):
    """(train, validation) sample indices: NN Designer's split, stratified by class when labelled."""
    if val_split == 0:
        return np.arange(n), np.zeros(0, np.int64)
    n_val = min(max(1, int(round(n * val_split))), n - 1)
    perm = np.random.default_rng(seed).permutation(n)
    is_val = np.zeros(n, bool)
    if labels is None:
        is_val[perm[:n_val]] = True
    else:
        counts = np.bincount(labels[perm])
        exact = counts * (n_val / n)
        quotas = np.floor(exact).astype(np.int64)
        rest = n_val - int(quotas.sum())
        if rest > 0:  # one more for the classes with the largest remainders
            quotas[np.argsort(-(exact - quotas), kind="stable")[:rest]] += 1
        quotas = np.minimum(quotas, counts)
        for c in np.flatnonzero(quotas):
            is_val[perm[labels[perm] == c][:quotas[c]]] = True
    return perm[~is_val[perm]], perm[is_val[perm]]


# ----------------------------------------------------------------------------- the recipe
def initialise(net, layers, how, seed):
    """NN Designer's initialisations, drawn in float64 from one generator in the design's layer
    order: default U(±1/√fan_in) for weight and bias (PyTorch's); he N(0, 2/fan_in) and xavier
    U(±√(6/(fan_in + fan_out))) weights with zero biases. Only a weight with fans (a matrix or a
    filter bank) is drawn: a per-channel one (batchnorm's, layer norm's, layer scale's) keeps the
    value its module starts it at (1, or layer scale's init), as in the engine."""
    rng = np.random.default_rng(seed)
    for index in sorted(layers):
        module = net.get_submodule(layers[index])
        w, b = getattr(module, "weight", None), getattr(module, "bias", None)
        if w is None or w.dim() < 2:
            continue
        receptive = int(np.prod(w.shape[2:])) if w.dim() > 2 else 1
        fan_in, fan_out = w.shape[1] * receptive, w.shape[0] * receptive
        with torch.no_grad():
            if how == "default":
                bound = 1 / math.sqrt(fan_in)
                w.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(w.shape))))
                if b is not None:
                    b.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(b.shape))))
                continue
            if how == "he":
                w.copy_(torch.from_numpy(rng.normal(0.0, math.sqrt(2.0 / fan_in), tuple(w.shape))))
            else:
                bound = math.sqrt(6.0 / (fan_in + fan_out))
                w.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(w.shape))))
            if b is not None:
                b.zero_()


@torch.no_grad()
def sgd_step(params, velocity, lr, momentum, weight_decay):
    """The course's SGD: Δw(n) = −η(∂E/∂w + λw) + αΔw(n−1); w ← w + Δw(n). (PyTorch's SGD
    rescales the remembered step when η changes; this keeps the step that was taken.) Returns
    False, changing no weight, when the step would make a weight NaN or infinite."""
    for w, v in zip(params, velocity):
        g = w.grad + weight_decay * w if weight_decay else w.grad
        v.mul_(momentum).sub_(lr * g)
    if not bool(torch.stack([torch.isfinite(w + v).all() for w, v in zip(params, velocity)]).all()):
        return False
    for w, v in zip(params, velocity):
        w.add_(v)
    return True


class Schedule:
    """constant; step: η·γ^⌊epoch/step_size⌋; plateau: η·factor after `patience` epochs whose
    validation accuracy did not beat the best by `threshold` (never below min_lr)."""

    def __init__(self, spec, lr):
        self.name, _, rest = spec.strip().partition(":")
        if self.name not in SCHEDULE_OPTIONS:
            raise Bad(f'unknown learning-rate schedule "{self.name}"; the schedules are constant, step, plateau')
        self.options = {k: d for k, (_, d) in SCHEDULE_OPTIONS[self.name].items()}
        for item in filter(None, (s.strip() for s in rest.split(","))):
            key, _, value = (s.strip() for s in item.partition("="))
            if key not in self.options:
                raise Bad(f'the {self.name} schedule has no option "{key}"')
            self.options[key] = SCHEDULE_OPTIONS[self.name][key][0](value)
        self.base_lr, self.lr, self.best, self.bad_epochs = lr, lr, -math.inf, 0

    def epoch_end(self, epoch, watched):
        o = self.options
        if self.name == "step":
            self.lr = self.base_lr * o["gamma"] ** (epoch // o["step_size"])
        elif self.name == "plateau" and watched is not None and math.isfinite(watched):
            if watched > self.best + o["threshold"]:
                self.best, self.bad_epochs = float(watched), 0
            else:
                self.bad_epochs += 1
                if self.bad_epochs > o["patience"]:
                    self.lr, self.bad_epochs = max(self.lr * o["factor"], o["min_lr"]), 0
        return self.lr


class Loss:
    """Sum over a batch of the per-sample loss, and the predicted classes. cross_entropy takes the
    scores before a final softmax or log-softmax (folded into the loss: for log-softmax, the NLL
    of its outputs); mse is ½Σ(t − o)² per sample, with
    one-hot targets (±1 after sign or tanh) made from class labels."""

    def __init__(self, net, loss, input_shape):
        w = next(net.parameters())
        # The output layer is the design's last, which in a branched network need not be the
        # last module of Net (an add or a concat has none): it is the module whose result
        # forward() returns, if any.
        ran = []
        hooks = [m.register_forward_hook(lambda m, _, out: ran.append((m, out))) for m in net.modules() if m is not net]
        try:
            with torch.no_grad():
                out = net.eval()(torch.zeros((1, *input_shape), dtype=w.dtype, device=w.device))
        finally:
            for hook in hooks:
                hook.remove()
        self.n_out = out.numel()
        self.name = loss
        self.folds = "scores" in inspect.signature(net.forward).parameters
        self.signed = any(o is out and type(m).__name__ in ("Tanh", "Sign") for m, o in ran)
        if loss == "mse" and any(o is out and isinstance(m, torch.nn.LogSoftmax) for m, o in ran):
            raise Bad("the network ends in log_softmax, whose log-probabilities mse would compare with "
                      "0/1 targets; train it with --loss cross_entropy (the NLL of its outputs)")

    def __call__(self, net, x, y):
        out = net(x, scores=True) if self.folds and self.name == "cross_entropy" else net(x)
        out = out.flatten(1)
        if self.name == "cross_entropy":
            value = F.cross_entropy(out, y, reduction="sum") if y.dim() == 1 else \
                -(y * F.log_softmax(out, dim=1)).sum()
        else:
            value = 0.5 * ((out - self.targets(y, out.dtype)) ** 2).sum()
        if y.dim() == 2:
            return value, 0
        if out.shape[1] == 1:
            predicted = (out[:, 0] > (0.0 if self.signed else 0.5)).long()
        else:
            predicted = out.argmax(1)
        return value, int((predicted == y).sum())

    def targets(self, y, dtype):
        if y.dim() == 2:
            return y.to(dtype)
        low = -1.0 if self.signed else 0.0
        if self.n_out == 1:
            return torch.where(y[:, None] > 0, 1.0, low).to(dtype)
        return torch.full((len(y), self.n_out), low, dtype=dtype, device=y.device).scatter_(1, y[:, None], 1.0)


# ----------------------------------------------------------------------------- the run
def main(argv=None):
    args = options(argv)
    distributed = "WORLD_SIZE" in os.environ  # started by torchrun
    device = torch.device(f"cuda:{os.environ.get('LOCAL_RANK', '0')}" if args.device == "cuda" else "cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)  # one GPU per process
    if distributed:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    try:
        status = train(args, rank, world, device)
        if distributed:  # all done (rank 0 has written) before any process closes its connections:
            dist.barrier()  # gloo aborted a process whose peer tore down first ("terminate called…")
        return status
    finally:
        if distributed:
            dist.destroy_process_group()


def train(args, rank, world, device):
    model, saved = setup(args, world)
    dtype, bs = getattr(torch, args.dtype), args.batch_size
    net = build(model, args, saved, device, world)
    ddp = DistributedDataParallel(net, device_ids=[device] if device.type == "cuda" else None) if world > 1 else net
    loss = Loss(net, args.loss, model.INPUT_SHAPE)
    data, targets = samples(args, model)
    labels = targets if targets.ndim == 1 else None
    if not isinstance(data, ImageFolder):  # NN Designer's rule, with its sentence
        top = int(labels.max()) + 1 if labels is not None and len(labels) else 0
        check_output(samples.name, (loss.n_out,), None if labels is not None else targets.shape[1], top,
                     max(top, samples.classes))
    if args.loss == "cross_entropy" and loss.n_out < 2:
        raise Bad("the cross_entropy loss needs at least two outputs; train a single output with --loss mse")
    if labels is not None and labels.max() >= max(loss.n_out, 2):
        raise Bad(f"{args.data} has labels up to {labels.max()}, but the network has {loss.n_out} outputs")
    train_idx, val_idx = split(labels, len(targets), args.val_split, args.seed)
    augment = parse_augment(args.augment)
    if augment and not isinstance(data, ImageFolder) and data.ndim != 4:
        raise Bad(f"augmentation works on images, but {args.data} holds vectors")
    batches = Batches(data, targets, augment, args.seed)
    workers = args.workers if isinstance(data, ImageFolder) else 0

    def loader(index_lists, epoch, train):  # the batches, read by `workers` processes
        items = [(idx, epoch, train) for idx in index_lists]
        return torch.utils.data.DataLoader(batches, sampler=items, batch_size=None, num_workers=workers,
                                           pin_memory=device.type == "cuda")

    def total(*values):  # summed over the processes
        t = torch.tensor(values, dtype=torch.float64, device=device)
        if world > 1:
            dist.all_reduce(t)
        return t.tolist()

    params = list(net.parameters())
    velocity = [torch.zeros_like(w) for w in params]
    schedule = Schedule(args.schedule, args.lr)
    shuffler = np.random.default_rng(np.random.SeedSequence(args.seed, spawn_key=(1,)))  # the engine's
    history, n, reason = [], len(train_idx), "completed"
    if saved is not None:
        for v, s in zip(velocity, saved["velocity"]):
            v.copy_(s)
        vars(schedule).update(saved["schedule"])
        shuffler.bit_generator.state = saved["shuffler"]
        history = saved["history"]

    while len(history) < args.epochs:
        epoch, started, sums = len(history), time.perf_counter(), [0.0, 0.0, 0.0]  # loss, correct, samples
        torch.manual_seed(int(np.random.SeedSequence([args.seed, epoch, rank]).generate_state(1)[0]))  # dropout
        order = train_idx[shuffler.permutation(n)] if n > bs else train_idx
        steps = [order[lo:lo + bs] for lo in range(0, n, bs)]  # the global batches
        net.train()
        for step, (x, y) in zip(steps, loader([np.array_split(s, world)[rank] for s in steps], epoch, True)):
            value, correct = loss(ddp, x.to(device, dtype), y.to(device))
            (value * (world / len(step))).backward()  # DDP averages over the processes: Σ / global batch
            batch = total(value.item(), correct, len(x))
            if not (math.isfinite(batch[0]) and sgd_step(params, velocity, schedule.lr, args.momentum,
                                                         args.weight_decay)):
                reason = "diverged"  # the weights stay those of the last step taken
                break
            ddp.zero_grad(set_to_none=True)
            sums = [a + b for a, b in zip(sums, batch)]
        if reason == "diverged":
            break
        val = evaluate(net, loss, loader, val_idx, bs, world, rank, total, device, dtype)
        history.append(epoch_row(epoch + 1, sums, val, labels is not None, schedule.lr, started))
        schedule.epoch_end(epoch + 1, watched(history[-1]))
        if rank == 0:
            report(args, history[-1])
            if args.checkpoint:
                checkpoint = {"weights": net.state_dict(), "velocity": velocity, "schedule": vars(schedule),
                              "shuffler": shuffler.bit_generator.state, "history": history, "settings": vars(args)}
                write_atomic(args.checkpoint, functools.partial(torch.save, checkpoint))
    if rank == 0:
        finish(args, model, net, history, reason)
    return 0 if reason == "completed" else 1


def setup(args, world):
    """model.py beside this file, and the checkpoint to resume (whose settings the run takes)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    model = importlib.import_module("model")
    saved = read_checkpoint(args.resume, args) if args.resume else None
    if saved is not None:  # --epochs may raise the total; where files go and how they are read may change
        done = len(saved["history"])
        if args.epochs is not None and args.epochs < done:
            raise Bad(f"--epochs {args.epochs} is fewer than the {done} epochs {args.resume} has trained")
        keep = {k: v for k, v in vars(args).items() if v is not None and k in (
            "data", "epochs", "out", "history", "checkpoint", "resume", "quiet", "workers", "device")}
        vars(args).update(saved["settings"], **keep)
    args.epochs = 10 if args.epochs is None else args.epochs
    if args.batch_size % world:
        raise Bad(f"--batch-size {args.batch_size} cannot be split evenly across {world} processes")
    return model, saved


CHECKPOINT_KEYS = {"history": list, "settings": dict, "velocity": list, "schedule": dict, "shuffler": dict,
                   "weights": dict}


def read_checkpoint(path, args):
    """A checkpoint this file wrote, checked before it is used: torch's restricted loader (tensors
    and plain data, never other objects), the keys it holds and the kinds of their values."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise Bad(f"{path}: no such file") from None
    except Exception as e:  # noqa: BLE001 - a damaged file fails inside torch and pickle in many ways
        raise Bad(f"{path} is not a checkpoint of this train.py ({type(e).__name__}: {str(e)[:80]})") from None
    if not isinstance(saved, dict) or any(not isinstance(saved.get(k), kind) for k, kind in CHECKPOINT_KEYS.items()):
        raise Bad(f"{path} is not a checkpoint of this train.py (its entries are missing or of the wrong kind)")
    settings, known = saved["settings"], vars(args)
    if any(k not in known or not isinstance(v, (int, float, str, bool, type(None))) for k, v in settings.items()):
        raise Bad(f"{path} is a damaged checkpoint (its settings are not this train.py's options)")
    if not all(isinstance(row, dict) for row in saved["history"]) or \
            not all(isinstance(v, torch.Tensor) for v in saved["velocity"]):
        raise Bad(f"{path} is a damaged checkpoint (its history or velocities are not what this train.py writes)")
    return saved


def build(model, args, saved, device, world):
    """The network in the run's precision: from the checkpoint, --weights, model.py's WEIGHTS, or
    initialised from --seed."""
    net = model.Net().to(getattr(torch, args.dtype))
    initialise(net, model.LAYERS, args.init, args.seed)
    if saved is not None:
        net.load_state_dict(saved["weights"])
    elif args.weights or getattr(model, "WEIGHTS", None):
        model.load_weights(net, args.weights or model.WEIGHTS)
    if device.type == "cuda" and world > 1:
        net = torch.nn.SyncBatchNorm.convert_sync_batchnorm(net)  # statistics of the global batch
    return net.to(device)


def samples(args, model):
    """(data, targets): arrays of samples or an ImageFolder, and class labels (N,) or targets (N, k)."""
    data = read_data(args.data)
    if isinstance(data, ImageFolder):
        data.shape = tuple(model.INPUT_SHAPE)
        return data, data.y
    x, y, classes, layout = (*data, 0, "") if len(data) == 2 else data  # CSV and NPZ: also classes, layout
    name = data_name(Path(args.data).expanduser())
    model_order = lambda shape: tuple(reversed(shape)) if len(shape) == 3 else tuple(shape)  # noqa: E731
    check_input(name, model_order(x.shape[1:]), model_order(tuple(model.INPUT_SHAPE)), layout)
    samples.name, samples.classes = name, classes  # for check_output, once the network's outputs are known
    return x, y


@torch.no_grad()
def evaluate(net, loss, loader, val_idx, bs, world, rank, total, device, dtype):
    """[loss, correct, samples] on the validation set, each process its share, summed over all."""
    if not len(val_idx):
        return None
    net.eval()
    mine = np.array_split(val_idx, world)[rank]
    sums = [0.0, 0, 0]
    for x, y in loader([mine[lo:lo + bs] for lo in range(0, len(mine), bs)], 0, False):
        value, correct = loss(net, x.to(device, dtype), y.to(device))
        sums = [sums[0] + value.item(), sums[1] + correct, sums[2] + len(x)]
    return total(*sums)


def epoch_row(epoch, sums, val, labelled, lr, started):
    """The history row of an epoch (NN Designer's columns); ``lr`` is the rate used during it."""
    return {"epoch": epoch, "train_loss": sums[0] / sums[2], "train_acc": sums[1] / sums[2] if labelled else None,
            "val_loss": val[0] / val[2] if val else None, "val_acc": val[1] / val[2] if val and labelled else None,
            "lr": lr, "seconds": time.perf_counter() - started}


def watched(row):
    """What the plateau schedule watches: validation accuracy, else training accuracy, else −loss."""
    for key in ("val_acc", "train_acc"):
        if row[key] is not None:
            return row[key]
    return -(row["val_loss"] if row["val_loss"] is not None else row["train_loss"])


def report(args, row):
    if args.quiet:
        return
    text = [f"epoch {row['epoch']}/{args.epochs}: loss {row['train_loss']:.4f}"]
    if row["train_acc"] is not None:
        text.append(f"accuracy {100 * row['train_acc']:.2f} %")
    if row["val_loss"] is not None:
        text.append(f"validation loss {row['val_loss']:.4f}")
    if row["val_acc"] is not None:
        text.append(f"validation accuracy {100 * row['val_acc']:.2f} %")
    print(", ".join(text + [f"lr {row['lr']:g}", f"{row['seconds']:.1f} s"]), file=sys.stderr, flush=True)


def finish(args, model, net, history, reason):
    """Write --out and --history, and say how the run ended (one sentence on standard output)."""
    if args.out:
        write_atomic(args.out, lambda f: model.save_weights(net, f))
    if args.history:
        cell = lambda v: "" if v is None else str(v) if isinstance(v, int) else repr(float(v))  # noqa: E731
        rows = [",".join(HISTORY_COLUMNS)] + [",".join(cell(r[c]) for c in HISTORY_COLUMNS) for r in history]
        write_atomic(args.history, lambda f: f.write(("\n".join(rows) + "\n").encode()))
    if reason == "diverged":
        print(f"The loss or a weight became NaN or infinite in epoch {len(history) + 1}; the weights of the "
              "last step taken are kept — try a lower learning rate.")
        return
    said = f"Trained {len(history)} epoch{'s' if len(history) != 1 else ''}"
    if history:
        last = history[-1]
        key, which = ("val", "validation") if last["val_loss"] is not None else ("train", "training")
        acc, value = last[f"{key}_acc"], last[f"{key}_loss"]
        said += f": {which} accuracy {100 * acc:.2f} %" if acc is not None else f": {which} loss {value:.4g}"
    print(said + ".")


def write_atomic(path, write):
    """Write through a temporary file beside ``path``, so that a crash never leaves half a file."""
    tmp = Path(f"{path}.part")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


if __name__ == "__main__":
    try:
        status = main() or 0
    except (Bad, DataRefused) as e:
        if os.environ.get("RANK", "0") == "0":
            print(f"train.py: {e}", file=sys.stderr)
        status = 2
    if "WORLD_SIZE" in os.environ:
        # Under torchrun, leave without the C++ static destructors: now and then one of torch's
        # communication threads is still joinable there and the process aborts ("terminate called
        # without an active exception") after all its work is done and written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
