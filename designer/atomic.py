"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over the
target, so that a crash never leaves half a file and an old file is never damaged. A symbolic
link is written through, never replaced by a plain file. An output that exists and is not a
regular file (``/dev/null``, a FIFO, a terminal) is written into as a shell redirection would,
never replaced: renaming over ``/dev/null`` as root replaced the system's own.

Inputs are checked the same way before they are opened (``regular_input``): a FIFO would block
the read for ever and ``/dev/zero`` would fill memory, so anything that is not a regular file
(or, where a command reads folders, a folder) is refused in one sentence, at once."""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import threading
from pathlib import Path
from typing import IO, Callable, Optional

from .errors import UserError


def _kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular_input(path, error: Callable[[str], Exception] = UserError, what: str = "a file",
                  folders: bool = False, limit: Optional[int] = None) -> None:
    """Refuse (``error``, one sentence) an input that is a FIFO, a device or a socket (and a folder
    unless ``folders``), or a regular file larger than ``limit`` bytes, before anything opens it.
    A missing file is left to the reader, which says so in its own words."""
    try:
        st = os.stat(path)
    except OSError:
        return
    if stat.S_ISDIR(st.st_mode):
        if not folders:
            raise error(f"{path}: is a folder, not {what}")
        return
    if not stat.S_ISREG(st.st_mode):
        raise error(f"{path}: is {_kind(st.st_mode)}, not {what}; give a regular file")
    if limit is not None and st.st_size > limit:
        raise error(f"{path}: is {_size(st.st_size)}, more than the limit of {_size(limit)} for {what}; "
                    "it is not read")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("kB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def _open_existing(path: Path, mode: int, binary: bool) -> IO:
    """Open a non-regular output for writing, as ``>`` in a shell does; a FIFO that nobody reads
    is refused rather than waited for (opening it would block for ever)."""
    if stat.S_ISDIR(mode):
        raise UserError(f"{path} is a folder; give the name of a file to write")
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        raise UserError(f"{path} is {_kind(mode)}, not a regular file; it is neither written nor replaced")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ENXIO:
            raise UserError(f"{path} is a named pipe (FIFO) that nothing reads; start its reader first") from None
        raise
    os.set_blocking(fd, True)
    kwargs = {} if binary else {"encoding": "utf-8", "newline": "\n"}
    return os.fdopen(fd, "wb" if binary else "w", **kwargs)


def write_atomic(path, write: Callable[[IO], None], mode: str = "w", follow: bool = True) -> None:
    """Call ``write(fileobj)`` on a temporary file, then move it to ``path``. A ``path`` that is a
    symbolic link is written through to its target (in the target's folder), as editors do: the
    link stays a link. A ``path`` that is a device or a FIFO is written into, never replaced.
    With ``follow=False`` (the entries of a folder this program owns, a training folder) whatever
    is at ``path`` (a link, a FIFO) is replaced by the new file, never written through."""
    path = Path(path)
    if follow and path.is_symlink():
        path = Path(os.path.realpath(path))
    binary = "b" in mode
    try:
        st = os.stat(path) if follow else os.lstat(path)
    except FileNotFoundError:
        st = None
    if st is not None and follow and not stat.S_ISREG(st.st_mode):
        with _open_existing(path, st.st_mode, binary) as f:
            write(f)
        return
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UserError(f"{path} is a folder; it is not replaced by a file")
    if st is not None and not stat.S_ISREG(st.st_mode):
        st = None  # a link or a FIFO replaced: the new file gets the usual permissions
    fd, tmp = _temporary(path)
    try:
        kwargs = {"encoding": "utf-8", "newline": "\n"} if not binary else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if st is not None:
            with contextlib.suppress(OSError):
                os.chmod(tmp, st.st_mode & 0o777)
        else:
            with contextlib.suppress(OSError):
                os.chmod(tmp, 0o644)
        if _stage.pairs is not None:
            _stage.pairs.append((tmp, path))
            return
        os.replace(tmp, path)
        _made.remove(tmp)
    except BaseException:
        _discard(tmp)
        raise


# Temporary files written and not yet renamed: removed on any exit (a signal's, too: see cli.py).
_made: list = []


def _temporary(path: Path) -> tuple:
    """(fd, name) of a new, empty temporary file beside ``path``, its name in ``_made`` before the
    file exists: a signal arriving as mkstemp returns (before its name was recorded) left the
    file behind, since the interrupt's clean-up knew nothing of it."""
    while True:
        tmp = os.path.join(path.parent, f".{path.name}.{secrets.token_hex(4)}.tmp")
        _made.append(tmp)
        try:
            return os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600), tmp
        except FileExistsError:
            _made.remove(tmp)
        except BaseException:
            _discard(tmp)
            raise


class _Staged(threading.local):
    """While ``together()`` runs in this thread: (temporary file, target) pairs renamed only when
    it ends without error (per thread: the window writes files from worker threads too)."""
    pairs: Optional[list] = None


_stage = _Staged()


def _discard(tmp: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)
    with contextlib.suppress(ValueError):
        _made.remove(tmp)


def discard_temporaries() -> None:
    """Remove every temporary file not yet renamed into place (the process is being stopped)."""
    for tmp in list(_made):
        _discard(tmp)


@contextlib.contextmanager
def together():
    """Every ``write_atomic`` inside this block writes its temporary file, and the files are moved
    into place only when the whole block succeeds: a command that writes several outputs (a model
    and its weights, a training folder) leaves all of them or none, never the first alone."""
    outer, staged = _stage.pairs, []
    _stage.pairs = staged
    try:
        yield
    except BaseException:
        for tmp, _ in staged:
            _discard(tmp)
        raise
    finally:
        _stage.pairs = outer
    if outer is not None:
        outer.extend(staged)
        return
    for tmp, path in staged:
        try:
            os.replace(tmp, path)
        except BaseException:
            for rest, _ in staged:
                _discard(rest)
            raise
        with contextlib.suppress(ValueError):
            _made.remove(tmp)


def write_text_atomic(path, text: str, follow: bool = True) -> None:
    write_atomic(path, lambda f: f.write(text), follow=follow)


def write_bytes_atomic(path, data: bytes, follow: bool = True) -> None:
    write_atomic(path, lambda f: f.write(data), mode="wb", follow=follow)


def _is_device(path) -> bool:
    """Whether ``path`` is a character device (``/dev/null``): written into, it overwrites nothing."""
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


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
    file twice (an ensemble of one weights file); None paths are skipped. Two outputs that are
    both ``/dev/null`` are allowed: a device is written into, nothing is overwritten."""
    outs = [(option, str(path)) for option, path in outputs if path]
    ins = [(option, str(path)) for option, path in inputs if path]
    for i, (option, path) in enumerate(outs):
        for j, (other_option, other) in enumerate(ins + outs[:i]):
            if j >= len(ins) and _is_device(path):
                continue
            if _same(path, other):
                shown = path if path == other else f"{other} and {path}"
                raise UserError(f"{other_option} and {option} name the same file ({shown}); give each its "
                                "own, so that no output overwrites an input or another output")


def output_problem(text: str) -> Optional[str]:
    """Why ``text`` cannot be written as a file, in words (None when it can): a folder (or a link
    to one), a missing parent folder, a parent that is a file, a folder that is not writable or on
    a read-only file system, a link whose target's folder is missing. Checked before any work, so
    a long run is not lost to a typo; a full disk is only found when writing (``writing``)."""
    path = Path(text)
    if path.is_dir():
        return f"{text} is a folder; give the name of a file to write"
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    folder = target.parent
    shown = text if target == path else f"{text} (a link to {target})"
    if not folder.exists():
        return f"the folder {folder} does not exist, so {shown} cannot be written"
    if not folder.is_dir():
        return f"{folder} is not a folder, so {shown} cannot be written"
    try:
        st = os.stat(target)
    except OSError:
        st = None
    if st is not None and (stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode)):
        return None  # written into, as a shell's > would: the folder need not be writable
    if st is not None and not stat.S_ISREG(st.st_mode):
        return f"{text} is {_kind(st.st_mode)}, not a regular file; it is neither written nor replaced"
    if not os.access(folder, os.W_OK | os.X_OK):
        why = "is on a read-only file system" if _read_only(folder) else "is not writable"
        return f"the folder {folder} {why}, so {shown} cannot be written"
    return None


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):
        return False


@contextlib.contextmanager
def writing(path):
    """Turn a failure to write ``path`` (disk full, permissions changed meanwhile) into one sentence.
    The writes are atomic, so an existing file is left as it was."""
    try:
        yield
    except OSError as e:
        raise UserError(f"{path} cannot be written ({e.strerror or e})") from None
