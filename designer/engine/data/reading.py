"""Reading files for the data readers: gzip detected by its magic bytes, reads in chunks that
report progress, and every low-level failure turned into a DataError that names the file. The
work is formats.py's (which train.py copies, so that both programs say the same); these give
our DataError."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Callable, Optional

from . import formats
from .checks import as_data_error
from .formats import CHUNK, GZIP_MAGIC, PARSE_ERRORS, brief  # noqa: F401 (the readers import them from here)

Progress = Optional[Callable[[float], None]]


def regular(path: Path) -> None:
    """Refuse a FIFO, a device or a socket before it is opened (a FIFO blocks, /dev/zero never ends)."""
    with as_data_error():
        formats.regular(path)


def memory_limit(share: float = 1.0) -> Optional[int]:
    """``share`` of the memory available now, the most a reader may inflate a file into."""
    return formats.memory_limit(share)


def check_fits(path, n: int, what: str, share: float = 1.0) -> None:
    """Refuse, before reading, ``n`` bytes that a file's header announces and memory cannot hold."""
    with as_data_error():
        formats.check_fits(path, n, what, share)


def is_gzip(path: Path) -> bool:
    with as_data_error():
        return formats.is_gzip(path)


@contextlib.contextmanager
def guarded(path):
    """Turn the errors of reading ``path`` (missing, unreadable, damaged gzip) into DataError."""
    with as_data_error(), formats.guarded(path):
        yield


def open_binary(path: Path):
    """The file's bytes, decompressed when it is gzipped (whatever its name)."""
    with as_data_error():
        return formats.open_binary(path)


def read_exact(f, n: int, path, what: str, progress: Progress = None, done: int = 0,
               total: int = 0) -> bytes:
    """Read exactly ``n`` bytes of ``what`` or raise DataError saying the file is truncated."""
    with as_data_error():
        return formats.read_exact(f, n, path, what, progress, done, total)


def read_all(path: Path, progress: Progress = None, limit: Optional[int] = None, what: str = "text") -> bytes:
    """The whole (decompressed) content of a file; one that inflates past ``limit`` bytes (a gzip
    bomb) is refused as soon as it does, in a stream (formats.read_all)."""
    with as_data_error():
        return formats.read_all(path, progress, limit, what)
