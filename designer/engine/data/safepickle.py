"""Unpickling plain data only: dicts, lists, tuples, strings, bytes, numbers and NumPy arrays of
numbers. Any other class or function named in the pickle is refused before it is touched, so a
hostile file cannot run code. (CIFAR batches are pickles: Python 2's cPickle, protocol 2.)"""
from __future__ import annotations

import codecs
import io
import pickle

import numpy as np

try:  # NumPy 2
    from numpy._core.multiarray import _reconstruct as _np_reconstruct
    from numpy._core.multiarray import scalar as _np_scalar
except ImportError:  # pragma: no cover - NumPy 1.x
    from numpy.core.multiarray import _reconstruct as _np_reconstruct
    from numpy.core.multiarray import scalar as _np_scalar


class Refused(pickle.UnpicklingError):
    """The pickle names a class or function that is not plain data."""

    def __init__(self, what: str):
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
    return _np_reconstruct(np.ndarray, shape, _dtype(dtype))


def _scalar(dtype, data=None):
    if not isinstance(dtype, np.dtype) or dtype.hasobject:
        raise Refused("a NumPy scalar of Python objects")
    return _np_scalar(dtype, data) if data is not None else _np_scalar(dtype)


def _frombuffer(buf, dtype, shape, order):
    dt = _dtype(dtype)
    return np.frombuffer(buf, dtype=dt).reshape(shape, order=order).copy()


def _encode(text, encoding="utf-8"):
    if str(encoding).lower().replace("-", "") not in ("latin1", "utf8"):
        raise Refused(f"the text encoding {encoding!r}")
    return codecs.encode(text, encoding)


_ALLOWED = {}
for _mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
    _ALLOWED[(_mod, "_reconstruct")] = _reconstruct
    _ALLOWED[(_mod, "scalar")] = _scalar
for _mod in ("numpy.core.numeric", "numpy._core.numeric"):
    _ALLOWED[(_mod, "_frombuffer")] = _frombuffer
_ALLOWED[("numpy", "ndarray")] = np.ndarray
_ALLOWED[("numpy", "dtype")] = _dtype
_ALLOWED[("_codecs", "encode")] = _encode
_ALLOWED[("codecs", "encode")] = _encode


class PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise Refused(f"{module}.{name}") from None

    def persistent_load(self, pid):
        raise Refused("a persistent reference")


def loads_plain(data: bytes):
    """Unpickle ``data`` (Python 2 strings are decoded as Latin-1, as the CIFAR pages advise);
    raises Refused for anything but plain data, and the pickle module's usual errors otherwise."""
    return PlainUnpickler(io.BytesIO(data), encoding="latin1").load()
