"""Checks shared by the readers that take arrays as given (NPZ, CSV): finite values, class labels
that are whole numbers from 0. The rules themselves are in rules.py (which train.py copies);
these raise our DataError."""
from __future__ import annotations

import contextlib

from . import rules
from .dataset import DataError
from .rules import MAX_CLASSES, first_bad  # noqa: F401 (the readers import them from here)


@contextlib.contextmanager
def as_data_error():
    """A rules.DataRefused inside becomes a DataError with the same sentence."""
    try:
        yield
    except rules.DataRefused as e:
        raise DataError(str(e)) from None


def labels_from_numbers(values, where):
    with as_data_error():
        return rules.labels_from_numbers(values, where)


def check_finite(x, where, what: str = "the data") -> None:
    with as_data_error():
        rules.check_finite(x, where, what)
