"""The one base class for bad input: a model, weights or data file that cannot be used, or an
impossible setting. ``str(error)`` is one plain sentence saying what and where; the command line
prints it and exits with status 2, the app shows it in a dialog or next to the thing at fault."""
from __future__ import annotations

import contextlib


class UserError(ValueError):
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
