"""One BLAS-thread policy for every training run, in the app and on the command line.

NumPy's OpenBLAS starts one thread per core for every matrix product. Two reasons to choose the
number of threads once, here, for every run:

* The app's GUI thread needs a core while a run goes on: with every core taken by BLAS threads
  (which spin while they wait) the event loop stalls and, on a busy machine, training itself slows
  down many times over (bench/gui_stall.py: LeNet-5 on 2 cores went from ~600 to ~5000 images a
  second with one BLAS thread).
* A float32 product may round differently with another number of threads (the split of the work
  changes the order of the sums), so the app and ``nn-designer train`` give the same history only
  when they use the same number.

``Trainer.run()`` applies ``training_threads()`` while it runs and restores the previous number
when it ends (``engine/process.py``'s ``engine_running``, which owns the process-wide settings), so
the policy holds wherever a run is driven from and leaves nothing behind. NumPy only; nothing
happens when the library cannot be found.
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import threading
from typing import Optional

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")
_lib = None


def _openblas():
    """The loaded OpenBLAS library (found among the process's mapped files), or None."""
    global _lib
    if _lib is None:
        import numpy  # noqa: F401 — loads the library
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as f:
                files = {line.split()[-1] for line in f if line.count(" ") >= 5}
            paths = sorted(p for p in files if "openblas" in p.lower() and ".so" in p)
            _lib = ctypes.CDLL(paths[0]) if paths else False
        except (OSError, IndexError):
            _lib = False
    return _lib or None


def _function(names):
    lib = _openblas()
    for name in names if lib is not None else ():
        if hasattr(lib, name):
            return getattr(lib, name)
    return None


def blas_threads() -> Optional[int]:
    """The number of BLAS threads now, or None when it cannot be known."""
    get = _function(_GETTERS)
    return int(get()) if get is not None else None


def set_blas_threads(n: int) -> bool:
    """Set the number of BLAS threads; False when the library offers no way to."""
    setter = _function(_SETTERS)
    if setter is None:
        return False
    setter(ctypes.c_int(max(1, int(n))))
    return True


def usable_cores() -> int:
    """The cores this process may run on (``taskset`` counts; ``os.cpu_count`` would not)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def training_threads() -> int:
    """The policy: every usable core but one, which stays for the GUI (or the shell), at least one."""
    return max(1, usable_cores() - 1)


_single_lock = threading.Lock()
_single_users = 0
_single_saved: Optional[int] = None


@contextlib.contextmanager
def one_blas_thread():
    """Inside: one BLAS thread, so that the engine's own threads (``blocks.blockwise(...,
    threads=usable_cores())``) can run independent small products side by side, each on its
    core, instead of every product being split between cores and its neighbours' element-wise
    work waiting. Nested or concurrent users share it; the last to leave restores the number
    found (which ``process.engine_running`` may itself have set)."""
    global _single_users, _single_saved
    with _single_lock:
        if _single_users == 0:
            _single_saved = blas_threads()
            if _single_saved is not None and _single_saved > 1:
                set_blas_threads(1)
        _single_users += 1
    try:
        yield
    finally:
        with _single_lock:
            _single_users -= 1
            if _single_users == 0 and _single_saved is not None and _single_saved > 1:
                set_blas_threads(_single_saved)
