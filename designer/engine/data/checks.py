"""Checks shared by the readers that take arrays as given (NPZ, CSV): finite values, class labels
that are whole numbers from 0."""
from __future__ import annotations

import numpy as np

from .dataset import DataError

# The most classes a data set may have. A label is a class's number, so the label 1000000000 is
# refused here, by the command line and the window alike, before anything counts 10⁹ classes.
MAX_CLASSES = 100_000


def first_bad(mask: np.ndarray) -> int:
    """Index of the first sample (axis 0) where ``mask`` is true anywhere, else -1."""
    rows = mask.reshape(len(mask), -1).any(axis=1)
    hit = np.flatnonzero(rows)
    return int(hit[0]) if len(hit) else -1


def labels_from_numbers(values: np.ndarray, where) -> np.ndarray:
    """int64 labels from numbers that must be whole and >= 0; ``where(i)`` names sample i."""
    values = np.asarray(values)
    if values.dtype.kind == "b":
        return values.astype(np.int64)
    if values.dtype.kind == "f":
        i = first_bad(~np.isfinite(values))
        if i >= 0:
            raise DataError(f"{where(i)}: the label is {values[i]}, not a number")
        i = first_bad(values != np.round(values))
        if i >= 0:
            raise DataError(f"{where(i)}: the label {values[i]:g} is not a whole number "
                            f"(class labels are 0, 1, 2, …)")
    elif values.dtype.kind not in "iu":
        raise DataError(f"{where(0)}: the labels are {values.dtype} values, not numbers")
    i = first_bad(values < 0)
    if i >= 0:
        raise DataError(f"{where(i)}: the label {values[i]:g} is negative; class labels are "
                        f"0, 1, 2, … (for ±1 targets use 0 and 1: a sign or tanh output makes "
                        f"the −1/+1 targets itself)")
    if len(values) and values.max() >= MAX_CLASSES:
        raise DataError(f"{where(int(np.argmax(values)))}: the label {values.max():,.0f} is too large; class "
                        f"labels count 0, 1, 2, … up to {MAX_CLASSES - 1:,} (one number per class)")
    return values.astype(np.int64)


def check_finite(x: np.ndarray, where, what: str = "the data") -> None:
    if x.dtype.kind == "f":
        i = first_bad(~np.isfinite(x))
        if i >= 0:
            raise DataError(f"{where(i)}: {what} holds NaN or infinite values")
