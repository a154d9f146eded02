"""The engine's process-wide settings, owned by one context: ``engine_running()``.

Two settings belong to the whole process, not to a net:

* glibc malloc's thresholds (``heap.py``): a training step frees and allocates the same large
  arrays every time, and memory given back to the kernel faults in again at the next step;
* the number of BLAS threads (``blas.py``): one core left for the GUI (or the shell) while a run
  goes on, and one number for the app and the command line so that they round alike. The engine's
  helper threads (``blocks.cores``) follow the BLAS number by themselves.

Building a net changes neither, so exporting, the Learn mode, ``predict`` and a summary get their
weights and leave the process as it was. A training run (``Trainer.run``) enters the context with
the training policy; a benchmark (``nn-designer bench``, ``bench/``) enters it with ``training=False``,
which keeps the heap settings and leaves the BLAS threads as the process has them (as PyTorch,
measured beside it, has its own). The first to enter applies the settings; the last to leave
restores the BLAS threads it found and gives the kept memory back (runs may overlap: the app's
run and a test's, or a run and a benchmark).
"""
from __future__ import annotations

import contextlib
import functools
import threading
from typing import Optional

from . import blas, heap

_lock = threading.Lock()
_users = 0                     # contexts entered and not yet left
_saved: Optional[int] = None   # the BLAS threads found when the first of them entered
_set = False                   # whether the first one changed them


@contextlib.contextmanager
def engine_running(training: bool = True):
    """Inside: freed memory kept for the next step and, with ``training``, BLAS threads set to
    ``blas.training_threads()``. Nested or concurrent users share one setting: the first applies
    it, the last restores what it found."""
    global _users, _saved, _set
    with _lock:
        if _users == 0:
            heap.keep_freed_memory()
            _saved, _set = blas.blas_threads(), training
            if training:
                blas.set_blas_threads(blas.training_threads())
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                if _set and _saved is not None:
                    blas.set_blas_threads(_saved)
                heap.let_go()


def entered() -> bool:
    """Whether some run or benchmark is inside ``engine_running()`` now."""
    return _users > 0


def runs_engine(generator_function):
    """Decorate a generator function (a training run) to run inside ``engine_running()`` from its
    first step until it returns or is closed."""
    @functools.wraps(generator_function)
    def run(*args, **kwargs):
        with engine_running():
            yield from generator_function(*args, **kwargs)
    return run
