"""The rules a data file's numbers must follow, in one module that imports only NumPy: the
exported training folder's ``train.py`` (designer/export/torchrun_train.py) holds a copy of this
module between the markers ``# >>> rules.py`` and ``# <<< rules.py``, and
tests/test_export_torchrun_rules.py keeps the copy equal to this file, so that ``train.py``
refuses every CSV and NPZ data file ``nn-designer train`` refuses, with the same sentence
(49 data cases gave train.py a traceback where nn-designer gave one sentence).

Every refusal raises ``DataRefused`` (our readers turn it into a DataError, train.py into its
exit status 2). CSV: ``csv_table(data, path)``; NPZ: ``npz_arrays(x, y, classes, path)``.
"""
import numpy as np

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
