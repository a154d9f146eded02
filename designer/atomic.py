"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over the
target, so that a crash never leaves half a file and an old file is never damaged. A symbolic
link is written through, never replaced by a plain file."""
from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Callable, IO

from .errors import UserError


def write_atomic(path, write: Callable[[IO], None], mode: str = "w") -> None:
    """Call ``write(fileobj)`` on a temporary file, then move it to ``path``. A ``path`` that is a
    symbolic link is written through to its target (in the target's folder), as editors do: the
    link stays a link."""
    path = Path(path)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        kwargs = {"encoding": "utf-8", "newline": "\n"} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if path.exists():
            with contextlib.suppress(OSError):
                os.chmod(tmp, path.stat().st_mode & 0o777)
        else:
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text_atomic(path, text: str) -> None:
    write_atomic(path, lambda f: f.write(text))


def write_bytes_atomic(path, data: bytes) -> None:
    write_atomic(path, lambda f: f.write(data), mode="wb")


def _same(a: str, b: str) -> bool:
    """Whether two paths name the same file: the files themselves when both exist (hard and
    symbolic links), else their resolved real paths (./, .., relative, a link to a file not yet written)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def different_files(*outputs, inputs=()) -> None:
    """Refuse an output (option, path) naming the same file as an input or another output (it
    would overwrite it), whatever the spelling: links, ./, relative paths. Inputs may name one
    file twice (an ensemble of one weights file); None paths are skipped."""
    outs = [(option, str(path)) for option, path in outputs if path]
    ins = [(option, str(path)) for option, path in inputs if path]
    for i, (option, path) in enumerate(outs):
        for other_option, other in ins + outs[:i]:
            if _same(path, other):
                shown = path if path == other else f"{other} and {path}"
                raise UserError(f"{other_option} and {option} name the same file ({shown}); give each its "
                                "own, so that no output overwrites an input or another output")
