"""CIFAR-10 and CIFAR-100 batches (pickles) read into arrays with their checks, in the standard
library and NumPy: a restricted unpickler that builds only plain data (any other class or function
the pickle names is refused before it is touched, so a hostile file cannot run code), the batches'
checks and the folder and archive readers. Like formats.py (which tells a CIFAR folder or
archive apart from other data), the exported ``train.py`` holds a copy of this module between
``# >>> cifar_batches.py`` and ``# <<< cifar_batches.py``, kept equal by
tests/test_export_torchrun_rules.py. Refusals raise rules.DataRefused."""
import codecs
import io
import os
import pickle
import tarfile

from .formats import PARSE_ERRORS, brief, check_fits, cifar_choose, memory_limit, read_all, regular
from .rules import DataRefused
import numpy as np

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
