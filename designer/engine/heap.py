"""Keep the memory a training step frees for the next step, instead of returning it to the system.

A training step allocates and frees the same large arrays every time (layer outputs and their
gradients, megabytes each). glibc's malloc gives freed memory back to the kernel when enough of it
is free at the top of the heap, or serves large blocks with mmap and unmaps them on free; the next
step then faults every page in again and the kernel zeroes it. Measured on 2 cores: a ResNet-20
step at batch 64 took 11,000 page faults and 32 ms of system time of its 250 ms; with freed memory
kept, none, and the step took ~20 % less time. The peak (what ``bench/suite.py`` compares) does not
change: it is the largest step, held either way.

``keep_freed_memory()`` raises both of malloc's thresholds once per process (the engine calls it
when it builds a net); ``give_back()`` returns what is free to the system (after a run, so the app
does not keep a finished run's memory). glibc only (Linux); elsewhere both do nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP = 1 << 30  # bytes of free memory malloc may hold before it trims; blocks below it from the heap

_lock = threading.Lock()
_libc = None
_kept = False


def _glibc():
    global _libc
    if _libc is None:
        try:
            lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc = lib if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") else False
        except OSError:
            _libc = False
    return _libc or None


def keep_freed_memory() -> bool:
    """Have malloc keep freed memory (both thresholds at ``KEEP``); True when it took effect."""
    global _kept
    with _lock:
        if _kept:
            return True
        lib = _glibc()
        if lib is None:
            return False
        _kept = bool(lib.mallopt(M_MMAP_THRESHOLD, KEEP)) & bool(lib.mallopt(M_TRIM_THRESHOLD, KEEP))
        return _kept


def give_back() -> None:
    """Return the memory malloc holds free to the system (malloc_trim)."""
    lib = _glibc()
    if lib is not None:
        lib.malloc_trim(0)


def gives_back_after(generator_function):
    """Decorate a generator function (a training run) to ``give_back()`` when it returns or is
    closed."""
    @functools.wraps(generator_function)
    def run(*args, **kwargs):
        try:
            yield from generator_function(*args, **kwargs)
        finally:
            give_back()
    return run
