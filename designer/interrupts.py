"""Signals that end a command as Ctrl-C does (SIGTERM, SIGHUP, SIGINT: a closed terminal, a job
scheduler's kill) raise KeyboardInterrupt at the next Python instruction, so that atomic writes
remove their temporary files and ``train`` stops after its batch (``cli.entry`` installs
``interrupt`` as their handler while a command runs).

Except inside ``deferred()``: there the signal is noted and raised when the block ends. A
KeyboardInterrupt raised while an extension module initialises itself (onnx's protobuf descriptors,
NumPy, Qt) crashed the process now and then (exit -11, seen for ``import onnx``); the imports of such
modules on a command's path are therefore deferred. Pure Python, no dependencies (any layer may use
it).
"""
from __future__ import annotations

import contextlib

_depth = 0           # deferred() blocks entered and not yet left
_pending = False     # a signal came inside one of them
interrupted = False  # a signal (or Ctrl-C) has ended, or is ending, the command


def interrupt(signum, frame) -> None:
    """The handler of the stopping signals."""
    global _pending, interrupted
    interrupted = True
    if _depth:
        _pending = True
        return
    raise KeyboardInterrupt


@contextlib.contextmanager
def deferred():
    """Inside, a stopping signal waits for the block's end (then raises KeyboardInterrupt)."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if not _depth and _pending:
            _pending = False
            raise KeyboardInterrupt
