"""Keep the memory a training step frees for the next step, instead of returning it to the system.

A training step allocates and frees the same large arrays every time (layer outputs and their
gradients, megabytes each). glibc's malloc gives freed memory back to the kernel when enough of it
is free at the top of the heap, or serves large blocks with mmap and unmaps them on free; the next
step then faults every page in again and the kernel zeroes it. Measured on 2 cores: a ResNet-20
step at batch 64 took 11,000 page faults and 32 ms of system time of its 250 ms; with freed memory
kept, none, and the step took ~20 % less time. The peak (what ``bench/suite.py`` compares) does not
change: it is the largest step, held either way.

``keep_freed_memory()`` raises both of malloc's thresholds; ``let_go()`` puts them back at glibc's
defaults and returns what is free to the system (``give_back``), so the app does not keep a finished
run's memory. Only ``engine/process.py``'s context calls them: a training run or a benchmark
enters it, and building a net changes nothing in the process. glibc only (Linux); elsewhere they
do nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import threading

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP = 1 << 30  # bytes of free memory malloc may hold before it trims; blocks below it from the heap
# glibc's documented defaults (mallopt(3)). Setting the mmap threshold, even back to its default,
# turns off glibc's dynamic adjustment of it; after a run the process keeps the fixed default.
DEFAULT = 128 * 1024

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
        lib = _glibc()
        if lib is None:
            return False
        _kept = bool(lib.mallopt(M_MMAP_THRESHOLD, KEEP)) & bool(lib.mallopt(M_TRIM_THRESHOLD, KEEP))
        return _kept


def kept() -> bool:
    """Whether malloc keeps freed memory now (``keep_freed_memory`` took effect, no ``let_go`` since)."""
    return _kept


def let_go() -> None:
    """Put malloc's thresholds back at glibc's defaults and give the free memory back."""
    global _kept
    with _lock:
        lib = _glibc()
        if lib is not None and _kept:
            lib.mallopt(M_MMAP_THRESHOLD, DEFAULT)
            lib.mallopt(M_TRIM_THRESHOLD, DEFAULT)
        _kept = False
    give_back()


def give_back() -> None:
    """Return the memory malloc holds free to the system (malloc_trim)."""
    lib = _glibc()
    if lib is not None:
        lib.malloc_trim(0)
