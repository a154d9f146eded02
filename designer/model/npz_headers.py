"""What an ``.npz`` archive is about to cost, read from its headers before any array is: the
weights, checkpoint and data readers call ``check_npz`` first, so that a member whose header
claims a (10⁶, 10⁶) array is refused in one sentence (how much, and why) instead of NumPy
trying to allocate it. Also the machine's available memory (``available_memory``), for every
check of what a command is about to allocate. No NumPy arrays are made here.
"""
from __future__ import annotations

import math
import os
import re
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Optional

import numpy as np

from ..atomic import regular_input
from ..errors import UserError, file_errors
from .words import human_bytes


def available_memory() -> Optional[int]:
    """Bytes of memory available to a new allocation (MemAvailable), or None when it cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _header(f) -> tuple:
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(f)
    return np.lib.format.read_array_header_2_0(f, max_header_size=100_000)


def declared_arrays(path) -> dict:
    """name -> (shape, dtype, bytes it declares, bytes the archive holds for it) of every ``.npy``
    member, from the headers alone. Raises ValueError / zipfile.BadZipFile / OSError for a
    damaged archive."""
    out = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            with archive.open(info) as f:
                shape, _, dtype = _header(f)
                header = f.tell()
            values = math.prod(int(d) for d in shape)
            out[info.filename[:-4]] = (tuple(shape), dtype, values * dtype.itemsize, info.file_size - header)
    return out


def check_npz(path, error: Callable[[str], Exception] = UserError, what: str = ".npz file",
              available: Callable[[], Optional[int]] = available_memory) -> dict:
    """Refuse (``error``, one sentence naming the file) an archive that cannot be read as it claims:
    not there, unreadable for lack of permission, not a zip archive, a member holding Python
    objects, a member that declares more bytes than it holds (truncated or damaged), or arrays
    that together declare more memory than the machine has available. Returns declared_arrays."""
    path = Path(path)
    unreadable = f"{path}: is not a readable {what}"
    regular_input(path, error, f"an {what}" if what[0] in ".aeiou" else f"a {what}")
    try:
        with file_errors(path, error), open(path, "rb") as f:
            magic = f.read(6)
    except OSError as e:
        raise error(f"{path}: cannot be read ({e.strerror or e})") from None
    if magic == b"\x93NUMPY":
        raise error(f"{unreadable} (it holds a single .npy array, not an .npz archive of arrays)")
    if not magic.startswith(b"PK"):
        kind = "an empty file" if not magic else ("a text file" if _is_text(magic) else "another kind of file")
        raise error(f"{unreadable} (it is {kind}, not a zip archive of .npy arrays)")
    try:
        arrays = declared_arrays(path)
    except (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile, zipfile.LargeZipFile) as e:
        raise error(f"{unreadable} (damaged or truncated: {_plain(e)})") from None
    total = 0
    for name, (shape, dtype, declared, held) in arrays.items():
        if dtype.hasobject:
            raise error(f"{unreadable} (its array '{name}' holds Python objects, which are never unpickled)")
        if declared > held:
            raise error(f"{unreadable} (damaged or truncated: its array '{name}' of shape {shape} declares "
                        f"{human_bytes(declared)} but holds {human_bytes(max(0, held))})")
        total += declared
    have = available()
    if have is not None and total > have:
        name, (shape, dtype, declared, _) = max(arrays.items(), key=lambda item: item[1][2])
        raise error(f"{path}: its arrays would need {human_bytes(total)} of memory (the array '{name}' alone "
                    f"declares shape {shape} of {dtype}, {human_bytes(declared)}), but this machine has "
                    f"{human_bytes(have)} available; it is not read")
    return arrays


def _plain(e: BaseException) -> str:
    """A library's reason in words: NumPy's header parser says "malformed node or string:
    <ast.BinOp object at 0x7f…>" for a header such as shape (1+2,), which means nothing to a user."""
    text = " ".join(str(e).split())
    if "malformed node" in text or re.search(r"<[\w.]+ object at 0x[0-9a-f]+>", text):
        return "an array's header is not a plain description of its shape and type"
    return text[:200]


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head
