"""Reading files for the data readers: gzip detected by its magic bytes, reads in chunks that
report progress, and every low-level failure turned into a DataError that names the file."""
from __future__ import annotations

import contextlib
import gzip
import struct
import zlib
from pathlib import Path
from typing import Callable, Optional

from ...atomic import regular_input
from ...model import available_memory, human_bytes
from .dataset import DataError

GZIP_MAGIC = b"\x1f\x8b"

# What parsing a damaged file with a library (zipfile, numpy's .npy header, tarfile) may raise.
PARSE_ERRORS = (ValueError, OSError, EOFError, zlib.error, KeyError, IndexError, NotImplementedError,
                struct.error, UnicodeDecodeError, SyntaxError, TypeError, OverflowError, MemoryError)
CHUNK = 1 << 20

Progress = Optional[Callable[[float], None]]


def regular(path: Path) -> None:
    """Refuse a FIFO, a device or a socket before it is opened (a FIFO blocks, /dev/zero never ends)."""
    regular_input(path, DataError, "a data file", folders=True)


def memory_limit(share: float = 1.0) -> Optional[int]:
    """``share`` of the memory available now, the most a reader may inflate a file into."""
    have = available_memory()
    return None if have is None else int(have * share)


def check_fits(path, n: int, what: str, share: float = 1.0) -> None:
    """Refuse, before reading, ``n`` bytes that a file's header announces and memory cannot hold."""
    limit = memory_limit(share)
    if limit is not None and n > limit:
        raise DataError(f"{path} announces {human_bytes(n)} of {what}, more than reading them can take of the "
                        f"{human_bytes(available_memory() or 0)} of memory this machine has available; it is not read")


def is_gzip(path: Path) -> bool:
    regular(path)
    with guarded(path), open(path, "rb") as f:
        return f.read(2) == GZIP_MAGIC


def brief(e: BaseException) -> str:
    """A library's error as a short phrase for a one-line message: 'TypeName: first line'."""
    text = (str(e).strip().splitlines() or [""])[0].strip()
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


@contextlib.contextmanager
def guarded(path):
    """Turn the errors of reading ``path`` (missing, unreadable, damaged gzip) into DataError."""
    try:
        yield
    except DataError:
        raise
    except (EOFError, zlib.error, gzip.BadGzipFile) as e:
        raise DataError(f"{path} is a damaged or truncated gzip file ({brief(e)})") from None
    except IsADirectoryError:
        raise DataError(f"{path} is a folder, not a file") from None
    except OSError as e:
        raise DataError(f"{path} cannot be read ({e.strerror or brief(e)})") from None


def open_binary(path: Path):
    """The file's bytes, decompressed when it is gzipped (whatever its name)."""
    regular(path)
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def read_exact(f, n: int, path, what: str, progress: Progress = None, done: int = 0,
               total: int = 0) -> bytes:
    """Read exactly ``n`` bytes of ``what`` or raise DataError saying the file is truncated;
    ``progress`` gets (done + bytes read) / total after every chunk."""
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
        raise DataError(f"{path} is truncated: it ends after {got} of the {n} bytes of {what}")
    return b"".join(parts)


def read_all(path: Path, progress: Progress = None, limit: Optional[int] = None, what: str = "text") -> bytes:
    """The whole (decompressed) content of a file, with progress by compressed position. A file
    that inflates past ``limit`` bytes (a gzip bomb: a few kB that expand to gigabytes) is refused
    as soon as it does, in a stream, before the rest is decompressed."""
    regular(path)
    with guarded(path):
        size = max(1, path.stat().st_size)
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
                    raise DataError(f"{path} {'inflates' if gz else 'grows'} to more than {human_bytes(limit)} "
                                    f"of {what}, more than a data file may hold here (and than its memory can "
                                    "take to read it); it is not read")
                if progress is not None:
                    progress(min(1.0, raw.tell() / size))
            return b"".join(parts)
