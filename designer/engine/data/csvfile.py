"""Comma-separated numbers, one sample a line, the label in the last column (``.csv``,
``.csv.gz``, and the UCI style ``.tra`` / ``.tes`` / ``.data`` / ``.txt`` files).

- Blank lines are skipped. A first row with a non-numeric feature cell is a header (column
  names) and is skipped too.
- The separator is a comma; a file without commas may use semicolons, tabs or spaces.
- Labels are whole numbers from 0, or class names: when the first row's label is not a number,
  every label is a class name and the classes are their sorted set.
- Features are used as given (float32). Errors name the line: wrong number of values,
  a cell that is not a number, NaN or infinity, a bad label.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .checks import check_finite, first_bad, labels_from_numbers
from .dataset import DataError, Dataset
from .reading import Progress, memory_limit, read_all


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _delimiter(line: str):
    for d in (",", ";", "\t"):
        if d in line:
            return d
    return None  # runs of white space


def _cells(line: str, delim) -> list:
    return [c.strip().strip('"').strip() for c in line.split(delim)]


def _text(data: bytes, path: Path) -> str:
    if b"\x00" in data:
        raise DataError(f"{path} is not a text file of comma-separated numbers")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(f"{path} is not a UTF-8 text file (byte {e.start} cannot be decoded)") from None


def _has_header(rows: list, delim) -> bool:
    first = _cells(rows[0][1], delim)
    if not all(_number(c) for c in first[:-1]):
        return True
    if _number(first[-1]) or len(rows) < 2:
        return False
    second = _cells(rows[1][1], delim)
    return _number(second[-1])


def _slow_parse(rows: list, path: Path, delim, ncols: int, named_labels: bool):
    """Parse cell by cell (used when the fast path fails): names the first bad line."""
    first_line = rows[0][0]
    feats = np.empty((len(rows), ncols - 1), dtype=np.float64)
    labels = []
    for i, (lineno, line) in enumerate(rows):
        cells = _cells(line, delim)
        if len(cells) != ncols:
            raise DataError(f"{path} line {lineno} has {len(cells)} values where line {first_line} "
                            f"has {ncols}")
        for j, cell in enumerate(cells[:-1] if named_labels else cells):
            try:
                value = float(cell)
            except ValueError:
                what = "is empty" if cell == "" else f"'{cell[:30]}' is not a number"
                raise DataError(f"{path} line {lineno}, column {j + 1}: {what}") from None
            if j < ncols - 1:
                feats[i, j] = value
            else:
                labels.append(value)
        if named_labels:
            if cells[-1] == "":
                raise DataError(f"{path} line {lineno}: the label (last column) is empty")
            labels.append(cells[-1])
    return feats, labels


def load_csv(path: Path, progress: Progress = None) -> Dataset:
    text = _text(read_all(path, progress, memory_limit(1 / 16)), path)  # parsing takes ~16× the text
    rows = [(n, line) for n, line in enumerate(text.split("\n"), start=1) if line.strip()]
    if not rows:
        raise DataError(f"{path} holds no data rows")
    delim = _delimiter(rows[0][1])
    if _has_header(rows, delim):
        rows = rows[1:]
        if not rows:
            raise DataError(f"{path} holds a header but no data rows")
    first = _cells(rows[0][1], delim)
    ncols = len(first)
    if ncols < 2:
        raise DataError(f"{path} line {rows[0][0]} has a single value; each row needs features "
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
        raise DataError(f"{where(i)}: a value is too large for 32-bit floats")
    if named_labels:
        classes = sorted(set(labels))
        index = {c: k for k, c in enumerate(classes)}
        y = np.array([index[c] for c in labels], dtype=np.int64)
    else:
        classes = None
        y = labels_from_numbers(np.asarray(labels, dtype=np.float64), where)
    name = path.name
    for suffix in (".gz", ".csv"):
        name = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    return Dataset(name, x, y, classes, f"CSV file {path}")
