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
import codecs
import contextlib
import functools
import gzip
import importlib
import inspect
import io
import math
import os
import pickle
import re
import stat
import struct
import sys
import tarfile
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

SCHEDULE_OPTIONS = {"constant": {}, "step": {"step_size": (int, 10), "gamma": (float, 0.1)},
                    "plateau": {"patience": (int, 3), "factor": (float, 0.1), "min_lr": (float, 1e-6),
                                "threshold": (float, 1e-4)}}
SCHEDULE_RANGES = {"step_size": (1, None, False), "gamma": (0.0, 1.0, True), "patience": (0, None, False),
                   "factor": (0.0, 1.0, True), "min_lr": (0.0, math.inf, False), "threshold": (0.0, math.inf, False)}
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


# ----------------------------------------------------------------------------- data formats
# NN Designer's readers of the data formats (designer/engine/data/formats.py and
# cifar_batches.py): which format a path holds, gzip, .npz headers, the IDX and CIFAR files, the
# class folders of images, copied unchanged like the rules above, so that a data file is refused with the sentence `nn-designer train` gives.
# >>> formats.py
GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1 << 20
# What parsing a damaged file with a library (zipfile, numpy's .npy header, tarfile) may raise.
PARSE_ERRORS = (ValueError, OSError, EOFError, zlib.error, KeyError, IndexError, NotImplementedError,
                struct.error, UnicodeDecodeError, SyntaxError, TypeError, OverflowError, MemoryError)
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".pgm",
                  ".ppm", ".pbm", ".pnm"}
CSV_SUFFIXES = (".csv", ".csv.gz", ".tra", ".tes", ".data", ".txt", ".txt.gz")
# The most text a CSV file may inflate to: parsing takes about 16 times the text in memory, and
# a CSV larger than this would take minutes to parse (a gzip bomb is stopped here, in seconds).
MAX_CSV_BYTES = 256 << 20


# --------------------------------------------------------------------------- files
def brief(e):
    """A library's error as a short phrase for a one-line message: 'TypeName: first line'."""
    text = (str(e).strip().splitlines() or [""])[0].strip()
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


def bytes_text(n):
    """Bytes in the largest unit that keeps the number at least 1 (model.words.human_bytes)."""
    for unit, size in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def available_memory():
    """Bytes of memory available to a new allocation (MemAvailable), or None when it cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def memory_limit(share=1.0):
    """``share`` of the memory available now, the most a reader may inflate a file into."""
    have = available_memory()
    return None if have is None else int(have * share)


def check_fits(path, n, what, share=1.0):
    """Refuse, before reading, ``n`` bytes that a file's header announces and memory cannot hold."""
    limit = memory_limit(share)
    if limit is not None and n > limit:
        raise DataRefused(f"{path} announces {bytes_text(n)} of {what}, more than reading them can take of the "
                          f"{bytes_text(available_memory() or 0)} of memory this machine has available; it is not read")


def _kind(mode):
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular(path):
    """Refuse a FIFO, a device or a socket before it is opened (a FIFO blocks, /dev/zero never ends)."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if not stat.S_ISDIR(st.st_mode) and not stat.S_ISREG(st.st_mode):
        raise DataRefused(f"{path}: is {_kind(st.st_mode)}, not a data file; give a regular file")


@contextlib.contextmanager
def guarded(path):
    """Turn the errors of reading ``path`` (missing, unreadable, damaged gzip) into one sentence."""
    try:
        yield
    except DataRefused:
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataRefused(f"{path} is a damaged or truncated gzip file ({brief(e)})") from None
    except IsADirectoryError:
        raise DataRefused(f"{path} is a folder, not a file") from None
    except OSError as e:
        raise DataRefused(f"{path} cannot be read ({e.strerror or brief(e)})") from None


def is_gzip(path):
    regular(path)
    with guarded(path), open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def open_binary(path):
    """The file's bytes, decompressed when it is gzipped (whatever its name)."""
    regular(path)
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_exact(f, n, path, what, progress=None, done=0, total=0):
    """Read exactly ``n`` bytes of ``what`` or refuse the file as truncated; ``progress`` gets
    (done + bytes read) / total after every chunk."""
    parts, got = [], 0
    while got < n:
        part = f.read(min(CHUNK, n - got))
        if not part:
            break
        parts.append(part)
        got += len(part)
        if progress is not None and total:
            progress(min(1.0, (done + got) / total))
    if got < n:
        raise DataRefused(f"{path} is truncated: it ends after {got} of the {n} bytes of {what}")
    return b"".join(parts)


def read_all(path, progress=None, limit=None, what="text"):
    """The whole (decompressed) content of a file, with progress by compressed position. A file
    that inflates past ``limit`` bytes (a gzip bomb: a few kB that expand to gigabytes) is refused
    as soon as it does, in a stream, before the rest is decompressed."""
    regular(path)
    with guarded(path):
        size = max(1, os.stat(path).st_size)
        with open(path, "rb") as raw:
            gz = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            f = gzip.GzipFile(fileobj=raw, mode="rb") if gz else raw
            parts, got = [], 0
            while True:
                part = f.read(CHUNK)
                if not part:
                    break
                parts.append(part)
                got += len(part)
                if limit is not None and got > limit:
                    raise DataRefused(f"{path} {'inflates' if gz else 'grows'} to more than {bytes_text(limit)} "
                                      f"of {what}, more than a data file may hold here (and than its memory can "
                                      "take to read it); it is not read")
                if progress is not None:
                    progress(min(1.0, raw.tell() / size))
            return b"".join(parts)


def csv_limit():
    """The bytes of text a CSV file may hold: MAX_CSV_BYTES, or less when memory is short."""
    return min(memory_limit(1 / 16) or MAX_CSV_BYTES, MAX_CSV_BYTES)


# --------------------------------------------------------------------------- NPZ headers
# model/npz_headers.py's check_npz for data files, copied here for train.py alone, which has no
# designer package (an archive whose header declares 7 TB ended train.py in a MemoryError, one
# that is not a zip in a BadZipFile); nn-designer's own reader calls check_npz. A test keeps the
# sentences equal to check_npz's.
def _npy_header(f):
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f, max_header_size=100_000)


def npz_declared(path):
    """name -> (shape, dtype, bytes it declares, bytes the archive holds for it), from the headers."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as f:
                shape, _, dtype = _npy_header(f)
                header = f.tell()
            values = math.prod(int(d) for d in shape)
            out[info.filename[:-4]] = (tuple(shape), dtype, values * dtype.itemsize, info.file_size - header)
    return out


def _plain_reason(e):
    text = " ".join(str(e).split())
    if "malformed node" in text or re.search(r"<[\w.]+ object at 0x[0-9a-f]+>", text):
        return "an array's header is not a plain description of its shape and type"
    return text[:200]


def _is_text(head):
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def check_npz_data(path, what=".npz data file"):
    """Refuse an .npz archive that cannot be read as its headers claim, before any array is."""
    unreadable = f"{path}: is not a readable {what}"
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
    except FileNotFoundError:
        raise DataRefused(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DataRefused(f"{path}: is a folder, not a file") from None
    except PermissionError:
        raise DataRefused(f"{path}: cannot be read (permission denied)") from None
    except OSError as e:
        raise DataRefused(f"{path}: cannot be read ({e.strerror or e})") from None
    if magic == b"\x93NUMPY":
        raise DataRefused(f"{unreadable} (it holds a single .npy array, not an .npz archive of arrays)")
    if not magic.startswith(b"PK"):
        kind = "an empty file" if not magic else ("a text file" if _is_text(magic) else "another kind of file")
        raise DataRefused(f"{unreadable} (it is {kind}, not a zip archive of .npy arrays)")
    try:
        arrays = npz_declared(path)
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise DataRefused(f"{unreadable} (damaged or truncated: {_plain_reason(e)})") from None
    total = 0
    for name, (shape, dtype, declared, held) in arrays.items():
        if dtype.hasobject:
            raise DataRefused(f"{unreadable} (its array '{name}' holds Python objects, which are never unpickled)")
        if declared > held:
            raise DataRefused(f"{unreadable} (damaged or truncated: its array '{name}' of shape {shape} declares "
                              f"{bytes_text(declared)} but holds {bytes_text(max(0, held))})")
        total += declared
    have = available_memory()
    if have is not None and total > have:
        name, (shape, dtype, declared, _) = max(arrays.items(), key=lambda item: item[1][2])
        raise DataRefused(f"{path}: its arrays would need {bytes_text(total)} of memory (the array '{name}' alone "
                          f"declares shape {shape} of {dtype}, {bytes_text(declared)}), but this machine has "
                          f"{bytes_text(have)} available; it is not read")
    return arrays


# --------------------------------------------------------------------------- IDX
IMAGES_MAGIC = 2051
LABELS_MAGIC = 2049
FASHION_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot"]


def idx_role(name):
    low = name.lower()
    return "images" if "idx3" in low else "labels" if "idx1" in low else None


def _pair_key(name):
    low = name.lower()
    return re.sub(r"images|labels|idx3|idx1", "", low[:-3] if low.endswith(".gz") else low)


def is_idx_file(path):
    return path.is_file() and idx_role(path.name) is not None


def idx_pair(folder):
    """(images file, labels file) in ``folder``: the training pair if there is one, else the test pair."""
    groups = {}
    for p in sorted(folder.iterdir()):
        role = idx_role(p.name)
        if role and p.is_file():
            groups.setdefault(_pair_key(p.name), {}).setdefault(role, p)
    if not groups:
        raise DataRefused(f"the folder {folder} holds no IDX files")
    complete = {k: g for k, g in groups.items() if "images" in g and "labels" in g}
    if not complete:
        g = next(iter(groups.values()))
        have = next(iter(g.values()))
        want = "labels (…-labels-idx1-ubyte)" if "images" in g else "images (…-images-idx3-ubyte)"
        raise DataRefused(f"the folder {folder} has {have.name} but no matching file of {want}")
    train = [k for k in complete if "train" in k]
    key = train[0] if train else sorted(complete)[0]
    return complete[key]["images"], complete[key]["labels"]


def idx_partner(path):
    """(images, labels) for one IDX file given by path: its partner is found beside it."""
    role, key = idx_role(path.name), _pair_key(path.name)
    other = "labels" if role == "images" else "images"
    for p in sorted(path.parent.iterdir()):
        if p.is_file() and idx_role(p.name) == other and _pair_key(p.name) == key:
            return (path, p) if role == "images" else (p, path)
    raise DataRefused(f"{path} has no matching {other} file beside it")


def idx_array(path, magic, what, progress=None):
    """The array in one IDX file of unsigned bytes whose magic number must be ``magic``."""
    ndim = magic & 0xFF
    with guarded(path), open_binary(path) as f:
        found = struct.unpack(">I", read_exact(f, 4, path, "the header"))[0]
        if found != magic:
            raise DataRefused(f"{path} has the magic number {found}, not {magic} as an IDX file of "
                              f"{what} must (is it damaged, or the wrong file?)")
        dims = struct.unpack(f">{ndim}I", read_exact(f, 4 * ndim, path, "the header"))
        if dims[0] == 0:
            raise DataRefused(f"{path} holds no {what}")
        if any(d == 0 for d in dims[1:]):
            raise DataRefused(f"{path} declares {what} of size {'×'.join(map(str, dims[1:]))}")
        n = int(np.prod(dims, dtype=object))
        check_fits(path, n, what, 1 / 6)  # and 4 bytes a value once they are floats
        data = read_exact(f, n, path, f"{what} data", progress, 0, n)
        if f.read(1):
            raise DataRefused(f"{path} has more bytes than the {n} of {what} its header announces")
    return np.frombuffer(data, dtype=np.uint8).reshape(dims)


def _part(progress, lo, hi):
    return None if progress is None else (lambda frac: progress(lo + (hi - lo) * frac))


def idx_data(images_path, labels_path, progress=None):
    """(x (N, 1, H, W) float32 in [0, 1], y int64, class names) of an IDX pair."""
    images = idx_array(images_path, IMAGES_MAGIC, "images", _part(progress, 0.0, 0.98))
    labels = idx_array(labels_path, LABELS_MAGIC, "labels", _part(progress, 0.98, 1.0))
    if len(labels) != len(images):
        raise DataRefused(f"{labels_path} holds {len(labels)} labels but {images_path} holds "
                          f"{len(images)} images")
    x = images[:, None, :, :].astype(np.float32)
    x /= np.float32(255.0)
    y = labels.astype(np.int64)
    top = int(y.max()) + 1
    fashion = "fashion" in str(images_path.parent).lower() and top <= 10
    return x, y, FASHION_CLASSES[:] if fashion else [str(i) for i in range(top)]


# --------------------------------------------------------------------------- CIFAR
_BATCH = re.compile(r"^data_batch_(\d+)$")


def cifar_choose(names):
    """(batch names to read in order, meta name or None, labels key, label-names key) or None."""
    names = set(names)
    train = sorted((n for n in names if _BATCH.match(n)), key=lambda n: int(_BATCH.match(n).group(1)))
    if train or "test_batch" in names:
        meta = "batches.meta" if "batches.meta" in names else None
        return (train or ["test_batch"]), meta, "labels", "label_names"
    if "meta" in names and ("train" in names or "test" in names):
        return (["train"] if "train" in names else ["test"]), "meta", "fine_labels", "fine_label_names"
    return None


def is_cifar_folder(folder):
    return cifar_choose(p.name for p in folder.iterdir() if p.is_file()) is not None


def is_cifar_archive(path):
    return path.name.lower().endswith((".tar.gz", ".tgz", ".tar"))



# --------------------------------------------------------------------------- class folders of images
def images_in(folder):
    found = []
    for p in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES:
            found.append(p)
    return found


def class_folders(root):
    return sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)


def looks_like_image_folder(root):
    return any(images_in(d) for d in class_folders(root))


def image_files(root):
    """(image paths, their class numbers, class names) of a folder of class sub-folders."""
    folders = class_folders(root)
    if not folders:
        raise DataRefused(f"the folder {root} has no class sub-folders of images")
    files, labels = [], []
    for c, folder in enumerate(folders):
        found = images_in(folder)
        if not found:
            raise DataRefused(f"the class folder {folder} holds no images")
        files += found
        labels += [c] * len(found)
    return files, labels, [f.name for f in folders]


def unreadable_image(path, e):
    return DataRefused(f"{path} is not a readable image ({brief(e)})")


# --------------------------------------------------------------------------- which format
def _holds_idx(path):
    return any(is_idx_file(p) for p in path.iterdir())


def _looks_like_text(path):
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


def data_kind(path, nested=False):
    """What an existing file or folder holds, as (format, paths...): ("idx", images, labels),
    ("cifar", folder), ("cifar-archive", file), ("images", folder), ("npz", file), ("csv", file)."""
    with guarded(path):
        if path.is_dir():
            if _holds_idx(path):
                return ("idx", *idx_pair(path))
            if is_cifar_folder(path):
                return "cifar", path  # read by cifar_batches.py
            if looks_like_image_folder(path):
                return "images", path
            if not nested:
                inner = [d for d in class_folders(path) if _holds_idx(d) or is_cifar_folder(d)]
                if len(inner) == 1:  # torchvision's MNIST/raw, the unpacked cifar-10-batches-py
                    return data_kind(inner[0], nested=True)
            raise DataRefused(f"the folder {path} holds no data that can be read: no MNIST-format IDX files, "
                              f"no CIFAR batches and no class sub-folders of images")
        regular(path)  # a FIFO or /dev/zero as --data: refused before any reader opens it
        low = path.name.lower()
        if low.endswith(".npz"):
            return "npz", path
        if is_cifar_archive(path):
            return "cifar-archive", path
        if is_idx_file(path):
            return ("idx", *idx_partner(path))
        if low.endswith(CSV_SUFFIXES) or _looks_like_text(path):
            return "csv", path
        raise DataRefused(f"{path} is not a data file that can be read: use a folder of IDX files, CIFAR "
                          f"batches or class sub-folders of images, an .npz file or a .csv file")
# <<< formats.py
# >>> cifar_batches.py
CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
                   "truck"]


class Refused(pickle.UnpicklingError):
    """The pickle names a class or function that is not plain data."""

    def __init__(self, what):
        super().__init__(what)
        self.what = what


def _dtype(obj, align=False, copy=False):
    dt = np.dtype(obj, bool(align), bool(copy))
    if dt.hasobject:
        raise Refused("a NumPy array of Python objects")
    return dt


def _reconstruct(cls, shape, dtype):
    if cls is not np.ndarray:
        raise Refused(f"an array subclass {getattr(cls, '__name__', cls)!r}")
    return np.ndarray.__new__(np.ndarray, shape, _dtype(dtype))


def _scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise Refused("a NumPy scalar of Python objects")
    return np.frombuffer(data, dtype)[0] if data is not None else dtype.type()


def _frombuffer(buf, dtype, shape, order):
    return np.frombuffer(buf, dtype=_dtype(dtype)).reshape(shape, order=order).copy()


def _encode(text, encoding="utf-8"):
    if str(encoding).lower().replace("-", "") not in ("latin1", "utf8"):
        raise Refused(f"the text encoding {encoding!r}")
    return codecs.encode(text, encoding)


_PLAIN = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): _dtype, ("_codecs", "encode"): _encode,
          ("codecs", "encode"): _encode}
for _mod in ("numpy.core", "numpy._core"):
    _PLAIN.update({(f"{_mod}.multiarray", "_reconstruct"): _reconstruct, (f"{_mod}.multiarray", "scalar"): _scalar,
                   (f"{_mod}.numeric", "_frombuffer"): _frombuffer})


class PlainUnpickler(pickle.Unpickler):
    """Builds dicts, lists, tuples, strings, bytes, numbers and NumPy arrays of numbers; any other
    class or function the pickle names is refused before it is touched (it cannot run code)."""

    def find_class(self, module, name):
        try:
            return _PLAIN[(module, name)]
        except KeyError:
            raise Refused(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise Refused("a persistent reference")


def loads_plain(data):
    """Unpickle ``data`` (Python 2 strings decoded as Latin-1, as the CIFAR pages advise)."""
    return PlainUnpickler(io.BytesIO(data), encoding="latin1").load()


def _unpickle(raw, where):
    try:
        obj = loads_plain(raw)
    except Refused as e:
        raise DataRefused(f"{where} holds {e.what}, not plain data, so it is not read "
                          f"(a CIFAR batch holds only arrays, lists and strings)") from None
    except RecursionError:
        raise DataRefused(f"{where} is not a CIFAR batch (its pickle nests too deeply)") from None
    except Exception as e:  # noqa: BLE001 - a damaged pickle can fail in many ways
        raise DataRefused(f"{where} is not a readable CIFAR batch (damaged or truncated pickle: "
                          f"{type(e).__name__})") from None
    if not isinstance(obj, dict):
        raise DataRefused(f"{where} holds a pickled {type(obj).__name__}, not the dict of a CIFAR batch")
    return {(k.decode("latin1") if isinstance(k, bytes) else k): v for k, v in obj.items()}


def _cifar_labels(value, where, key, n):
    if isinstance(value, np.ndarray):
        arr = value
    elif isinstance(value, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in value):
        arr = np.array(value, dtype=np.int64) if value else np.zeros(0, np.int64)
    else:
        raise DataRefused(f"{where}: '{key}' is not a list of whole numbers")
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise DataRefused(f"{where}: '{key}' is not a list of whole numbers")
    if len(arr) != n:
        raise DataRefused(f"{where} holds {len(arr)} labels but {n} images")
    if n and arr.min() < 0:
        raise DataRefused(f"{where}: label {int(arr.min())} is negative")
    return arr.astype(np.int64)


def _cifar_batch(d, where, labels_key):
    data = d.get("data")
    if not isinstance(data, np.ndarray):
        raise DataRefused(f"{where} has no 'data' array of images, so it is not a CIFAR batch")
    if data.dtype != np.uint8 or data.ndim != 2:
        raise DataRefused(f"{where}: 'data' is a {data.dtype} array of shape {data.shape}, not N×3072 bytes")
    side = int(round((data.shape[1] / 3) ** 0.5))
    if data.shape[1] == 0 or 3 * side * side != data.shape[1]:
        raise DataRefused(f"{where}: rows of {data.shape[1]} bytes are not 3 square colour planes "
                          f"(CIFAR rows are 3072 bytes: 3×32×32)")
    if data.shape[0] == 0:
        raise DataRefused(f"{where} holds no images")
    if labels_key not in d:
        raise DataRefused(f"{where} has no '{labels_key}' list")
    return data, _cifar_labels(d[labels_key], where, labels_key, data.shape[0]), side


def cifar_data(reader, label, names, progress=None):
    """(x (N, 3, S, S) float32 in [0, 1], y int64, class names or None, batches read);
    ``reader(name, progress)`` gives a member's bytes."""
    chosen = cifar_choose(names)
    if chosen is None:
        raise DataRefused(f"{label} holds no CIFAR batches (data_batch_1 … or test_batch)")
    batches, meta_name, labels_key, names_key = chosen
    datas, labels, side = [], [], None
    for i, name in enumerate(batches):
        where = f"{label}/{name}"
        part = None if progress is None else (lambda f, i=i: progress((i + f) / len(batches)))
        data, lab, s = _cifar_batch(_unpickle(reader(name, part), where), where, labels_key)
        if side is not None and s != side:
            raise DataRefused(f"{where} holds {s}×{s} images but the batches before it {side}×{side}")
        side = s
        datas.append(data)
        labels.append(lab)
    y = np.concatenate(labels)
    classes = None
    if meta_name is not None:
        where = f"{label}/{meta_name}"
        names_val = _unpickle(reader(meta_name, None), where).get(names_key)
        if not isinstance(names_val, (list, tuple)) or not all(isinstance(v, (str, bytes)) for v in names_val):
            raise DataRefused(f"{where} has no '{names_key}' list of class names")
        classes = [v.decode("latin1") if isinstance(v, bytes) else str(v) for v in names_val]
    elif int(y.max()) < 10:
        classes = CIFAR10_CLASSES[:]
    if classes is not None and int(y.max()) >= len(classes):
        raise DataRefused(f"{label}: label {int(y.max())} is out of range for the {len(classes)} "
                          f"class names of its meta file")
    data = np.concatenate(datas)
    x = data.reshape(len(data), 3, side, side).astype(np.float32)
    x /= np.float32(255.0)
    return x, y, classes, batches


def cifar_folder(folder, progress=None):
    names = [p.name for p in folder.iterdir() if p.is_file()]
    read = lambda name, prog: read_all(folder / name, prog, memory_limit(1 / 8), "CIFAR batches")  # noqa: E731
    return cifar_data(read, str(folder), names, progress)


def cifar_archive(path, progress=None):
    """The CIFAR-10/100 python archive as downloaded (``cifar-10-python.tar.gz``), read in place."""
    regular(path)
    try:
        with tarfile.open(path, "r:*") as tar:
            members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
            check_fits(path, sum(m.size for m in members.values()), "CIFAR batches", 1 / 8)

            def reader(name, prog):
                data = tar.extractfile(members[name]).read()
                if prog is not None:
                    prog(1.0)
                return data

            return cifar_data(reader, str(path), list(members), progress)
    except DataRefused:
        raise
    except PARSE_ERRORS + (tarfile.TarError,) as e:
        raise DataRefused(f"{path} is not a readable tar archive ({brief(e)})") from None
# <<< cifar_batches.py


INT_LIMIT = 2 ** 31 - 1


def _ranged(kind, ok, bounds):
    """An option's type: a (finite) number of ``kind`` for which ``ok`` holds, else NN Designer's
    sentence ("argument --lr: must be greater than 0, not 0")."""
    def check(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {'a whole number' if kind is int else 'a number'}, "
                                             f"not {text!r}") from None
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, not {text.strip()}")
        if not ok(value):
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {format(value, ',' if kind is int else 'g')}")
        return value
    check.__name__ = kind.__name__
    return check


def options(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", metavar="DATA", help="a data file or folder (required unless --resume gives it)")
    p.add_argument("--epochs", metavar="N", type=_ranged(int, lambda v: 1 <= v <= 1_000_000, "from 1 to 1,000,000"), default=None,
                   help="passes over the data (10)")
    p.add_argument("--batch-size", metavar="N", type=_ranged(int, lambda v: 1 <= v <= INT_LIMIT, "from 1 to 2,147,483,647"), default=64,
                   help="samples per step, all processes (64)")
    p.add_argument("--lr", metavar="X", type=_ranged(float, lambda v: v > 0, "greater than 0"), default=0.01,
                   help="learning rate η (0.01)")
    p.add_argument("--momentum", metavar="X", type=_ranged(float, lambda v: 0 <= v < 1, "at least 0 and below 1"), default=0.9,
                   help="momentum α (0.9)")
    p.add_argument("--weight-decay", metavar="X", type=_ranged(float, lambda v: v >= 0, "0 or more"), default=0.0,
                   help="L2 weight decay λ (0)")
    p.add_argument("--loss", choices=("cross_entropy", "mse"), default="cross_entropy")
    p.add_argument("--val-split", metavar="X", type=_ranged(float, lambda v: 0 <= v < 1, "at least 0 and below 1"),
                   default=0.2, help="fraction held out for validation (0.2)")
    p.add_argument("--seed", metavar="N", type=_ranged(int, lambda v: 0 <= v <= INT_LIMIT, "from 0 to 2,147,483,647"), default=0,
                   help="seed of initialisation, split and shuffling (0)")
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
    p.add_argument("--workers", metavar="K", type=_ranged(int, lambda v: 0 <= v <= 1024, "from 0 to 1,024"), default=4, help="DataLoader processes per process (4)")
    p.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu")
    args = p.parse_args(argv)
    checks = [(args.batch_size >= 1, "--batch-size must be at least 1"),
              (args.lr > 0, "--lr must be greater than 0"),
              (0 <= args.momentum < 1, "--momentum must be at least 0 and below 1"),
              (args.weight_decay >= 0, "--weight-decay must be 0 or more"),
              (0 <= args.val_split < 1, "--val-split must be at least 0 and below 1"),
                (args.data or args.resume, "--data is required")]
    for ok, text in checks:
        if not ok:
            p.error(text)
    return args


# ----------------------------------------------------------------------------- data
def read_data(path):
    """(x, y, number of classes, layout, name) in memory, or an ImageFolder to stream, from the
    formats NN Designer reads (data_kind above chooses as NN Designer does)."""
    text = str(path)
    path = Path(path).expanduser()
    if not path.exists():
        raise Bad(f"the data '{text}' is neither a file nor a folder (the built-in sets shapes, xor, circles, "
                  "spirals and blobs are generated by nn-designer only; train.py reads data files)")
    kind, *paths = data_kind(path)
    if kind == "idx":
        x, y, classes = idx_data(*paths)
        return x, y, len(classes), "", paths[0].parent.name
    if kind in ("cifar", "cifar-archive"):
        x, y, classes, _ = (cifar_folder if kind == "cifar" else cifar_archive)(paths[0])
        return x, y, len(classes or ()), "", paths[0].name
    if kind == "npz":
        return (*read_npz(paths[0]), data_name(paths[0]))
    if kind == "csv":
        return (*read_csv(paths[0]), data_name(paths[0]))
    return ImageFolder(paths[0])


def read_npz(path):
    """An .npz file's 'x' and 'y' (and 'classes'), checked by NN Designer's rules."""
    check_npz_data(path)  # its headers, before any array is read
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
    x, y, classes = csv_table(read_all(path, None, csv_limit()), path)
    return x, y, len(classes or ()), ""


class ImageFolder:
    """Class sub-folders of images (root/cat/1.png …), read from disk one image at a time.

    Images of the input's size are used as they are (as NN Designer reads them). Others are
    resized so that the input covers 227/256 of them (AlexNet's 256 for 227) and cropped to the
    input's size: in the centre, or at random for training with --augment (flipped with flip)."""

    def __init__(self, root):
        from PIL import Image
        self.files, labels, self.classes = image_files(Path(root))
        for path in self.files:  # each image's header, so that a file that is not one is said now
            try:
                with Image.open(path):
                    pass
            except Exception as e:  # noqa: BLE001 - Pillow fails in many ways
                raise unreadable_image(path, e) from None
        self.y = np.array(labels, np.int64)
        self.shape = None  # the network's input (D, H, W), set before reading

    def image(self, i, augment=None, rng=None):
        from PIL import Image
        depth, h, w = self.shape
        try:
            return self._image(Image, i, depth, h, w, augment, rng)
        except DataRefused:
            raise
        except Exception as e:  # noqa: BLE001 - a damaged image (cut short after its header)
            raise unreadable_image(self.files[i], e) from None

    def _image(self, Image, i, depth, h, w, augment, rng):
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
            raise Bad(f'argument --schedule: must be one of constant, step, plateau, not "{self.name}"')
        self.options = {k: d for k, (_, d) in SCHEDULE_OPTIONS[self.name].items()}
        for item in filter(None, (s.strip() for s in rest.split(","))):
            key, _, value = (s.strip() for s in item.partition("="))
            if key not in self.options:
                allowed = ", ".join(SCHEDULE_OPTIONS[self.name]) or "no options"
                raise Bad(f'the {self.name} schedule has no option "{key}" (it takes {allowed})')
            kind = SCHEDULE_OPTIONS[self.name][key][0]
            try:
                self.options[key] = kind(value)
            except ValueError:
                raise Bad(f'schedule option {key} must be a{"" if kind is float else " whole"} number, '
                          f'not "{value}"') from None
        for key, value in self.options.items():  # NN Designer's ranges (engine/schedules.py), its sentences
            lo, hi, low_open = SCHEDULE_RANGES[key]
            if SCHEDULE_OPTIONS[self.name][key][0] is int:
                if value < lo:
                    raise Bad(f"schedule option {key} must be a whole number of at least {lo}, not {value}")
            elif not math.isfinite(value) or value > hi or value < lo or (low_open and value == lo):
                bound = f"above {lo:g}" if low_open else f"at least {lo:g}"
                top = "" if hi == math.inf else f" and at most {hi:g}"
                raise Bad(f"schedule option {key} must be {bound}{top}, not {value:g}")
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
    x, y, classes, layout, name = data
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
        text = str(e)
        if text.startswith("Caught "):  # raised in a DataLoader worker: its last line is the sentence
            text = text.strip().splitlines()[-1].split(": ", 1)[-1]
        if os.environ.get("RANK", "0") == "0":
            print(f"train.py: {text}", file=sys.stderr)
        status = 2
    if "WORLD_SIZE" in os.environ:
        # Under torchrun, leave without the C++ static destructors: now and then one of torch's
        # communication threads is still joinable there and the process aborts ("terminate called
        # without an active exception") after all its work is done and written.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)
    sys.exit(status)
