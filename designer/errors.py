"""Errors, in two classes that are never confused.

``UserError`` is bad input: a model, weights or data file that cannot be used, or an impossible
setting. ``str(error)`` is one plain sentence saying what and where; the command line prints it and
exits with status 2, the app shows it in a dialog or next to the thing at fault. It is its own
``Exception`` (not a ``ValueError``), so that catching it never catches a bug: a ValueError from
inside NumPy is not the user's mistake.

Any other exception that reaches the top (the command line's ``main``, the window's exception hook)
is a bug in NN Designer: ``bug_report`` writes its traceback, with the versions that ran it, to a
log file in the app's data folder (``log_folder()``), which the command line names and the app's
bug dialog shows.
"""
from __future__ import annotations

import contextlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path
from typing import Optional


class UserError(Exception):
    pass


@contextlib.contextmanager
def file_errors(path, error=UserError, folder: str = "is a folder, not a file"):
    """Turn the operating system's refusal to open ``path`` into one sentence (``error``) that says
    why: no such file, a folder, or permission denied."""
    try:
        yield
    except FileNotFoundError:
        raise error(f"{path}: no such file") from None
    except IsADirectoryError:
        raise error(f"{path}: {folder}") from None
    except PermissionError:
        raise error(f"{path}: cannot be read (permission denied)") from None


def data_folder(environ=os.environ, system: str = sys.platform) -> Path:
    """The app's data folder, where Qt's ``QStandardPaths.AppDataLocation`` puts it for our
    organisation and application names (the recovery files live there too), found without Qt:
    ``$XDG_DATA_HOME/nn-designer/nn-designer`` (``~/.local/share`` by default) on Linux,
    ``~/Library/Application Support/…`` on macOS, ``%APPDATA%\\…`` on Windows."""
    home = Path.home()
    if system.startswith("win"):
        base = Path(environ.get("APPDATA") or home / "AppData" / "Roaming")
    elif system == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "nn-designer" / "nn-designer"


def log_folder() -> Path:
    """Where bug reports are written (the app's data folder, ``logs``)."""
    return data_folder() / "logs"


def describe(exc: BaseException) -> str:
    """``ZeroDivisionError: division by zero``, on one line and cut short."""
    text = " ".join(str(exc).split())
    name = type(exc).__name__
    return f"{name}: {text[:200]}" if text else name


def bug_report(exc: BaseException) -> str:
    """The text of a bug report: what ran it (versions, platform) and the traceback."""
    from . import __version__
    versions = [f"NN Designer {__version__}", f"Python {platform.python_version()}",
                f"{platform.platform()}"]
    for name in ("numpy", "PySide6", "onnx"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return (f"NN Designer bug report, {time.strftime('%Y-%m-%d %H:%M:%S')}\n"
            f"{', '.join(versions)}\n\n{trace}")


def write_bug_log(text: str, folder: Optional[Path] = None) -> Optional[Path]:
    """Write a bug report to a new file in ``folder`` (``log_folder()``); its path, or None when
    it cannot be written (a report must never raise)."""
    try:
        folder = Path(folder) if folder is not None else log_folder()
        folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(100):
            path = folder / f"bug-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.log"
            try:
                with open(path, "x", encoding="utf-8") as f:
                    f.write(text)
                return path
            except FileExistsError:
                continue
    except OSError:
        pass
    return None
