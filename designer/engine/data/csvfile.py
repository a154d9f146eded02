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

from . import rules
from .checks import as_data_error
from .dataset import Dataset
from .formats import MAX_CSV_BYTES, csv_limit  # noqa: F401 (the limit is train.py's too)
from .reading import Progress, read_all


def load_csv(path: Path, progress: Progress = None) -> Dataset:
    data = read_all(path, progress, csv_limit())
    with as_data_error():
        x, y, classes = rules.csv_table(data, path)  # the rules train.py applies too
    name = path.name
    for suffix in (".gz", ".csv"):
        name = name[: -len(suffix)] if name.lower().endswith(suffix) else name
    return Dataset(name, x, y, classes, f"CSV file {path}")
