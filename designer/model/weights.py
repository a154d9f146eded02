"""The weights file (docs/model-format.md): an ``.npz`` with ``"{i}.weight"``, ``"{i}.bias"``
(and ``running_mean`` / ``running_var`` for batchnorm) in PyTorch's layouts."""
from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..atomic import write_bytes_atomic
from ..errors import UserError, file_errors
from .catalogue import quoted
from .npz_headers import check_npz


class WeightsError(UserError):
    """A weights file that does not fit the network; the message names the file and key."""


def expected_arrays(network) -> dict:
    """Key -> shape of every array the network's weights file holds, in layer order: each kind's
    parameters then its buffers, as the kind declares them (``param_shapes``, ``buffer_shapes``)."""
    report = network.report()
    if report.problems:
        raise WeightsError(f"the network has errors, so its weights are undefined: {report.problems[0]}")
    shapes = {}
    for info, layer in zip(report.layers, network.layers):
        kind, cfg = layer.kind, layer.resolved()
        for arrays in (kind.param_shapes(cfg, info.inputs), kind.buffer_shapes(cfg, info.inputs)):
            for name, shape in (arrays or {}).items():
                shapes[f"{info.index}.{name}"] = tuple(shape)
    return shapes


def check_arrays(arrays: dict, network, source: str = "the weights") -> dict:
    """Check that ``arrays`` fit the network exactly; raise WeightsError naming the key."""
    want = expected_arrays(network)
    for key, shape in want.items():
        if key not in arrays:
            raise WeightsError(f'{source}: key "{key}" is missing (the network needs an array of shape {list(shape)})')
        got = tuple(arrays[key].shape)
        if got != shape:
            raise WeightsError(f'{source}: key "{key}" has shape {list(got)}, but the network needs {list(shape)}')
        if arrays[key].dtype.kind != "f":
            raise WeightsError(f'{source}: key "{key}" holds {arrays[key].dtype} values, not floats')
        if not np.all(np.isfinite(arrays[key])):
            raise WeightsError(f'{source}: key "{key}" holds NaN or infinite values')
    for key in arrays:
        if key not in want:
            raise WeightsError(f"{source}: key {quoted(key)} is not a weight of this network (extra key)")
    return arrays


def read_npz(path, error=UserError, what: str = ".npz weights file") -> dict:
    """Every array of an ``.npz`` archive (nothing is unpickled). A missing, damaged or truncated
    file, a folder or a single ``.npy`` array raises ``error``: one sentence naming the file."""
    path = Path(path)
    unreadable = f"{path}: is not a readable {what}"
    check_npz(path, error, what)  # its headers: what it would allocate, before anything is
    try:
        with file_errors(path, error), np.load(path, allow_pickle=False) as archive:
            return {key: archive[key] for key in archive.files}
    except UserError:
        raise
    except MemoryError:
        raise error(f"{path}: its arrays do not fit in the memory this machine has available") from None
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise error(f"{unreadable} (it holds Python objects, which are never unpickled)") from None
        raise error(f"{unreadable} ({e})") from None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise error(f"{unreadable} (damaged or truncated: {e})") from None


def load_weights(path, network) -> dict:
    """Read and check a weights file; returns key -> array (float32 unless stored as float64)."""
    return check_arrays(read_npz(path, WeightsError), network, str(path))


def save_weights(path, arrays: dict, follow: bool = True) -> None:
    """Write an ``.npz`` atomically (``follow``: see atomic.write_atomic)."""
    buf = io.BytesIO()
    np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    write_bytes_atomic(path, buf.getvalue(), follow=follow)
