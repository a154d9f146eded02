"""Element-wise work in cache-sized blocks, spread over the cores.

NumPy runs a chain of ufuncs one full pass at a time, each on one core, and each temporary is a
new array the size of the batch: for a volume batch of many megabytes every pass goes to main
memory. ``blockwise`` cuts the work into blocks of about ``BLOCK`` elements instead, so that the
temporaries of a chain stay in the core's L2 cache, and gives contiguous runs of blocks to a
few threads (NumPy's ufuncs and copies release the GIL), one per core, the caller taking the
first run itself. The BLAS keeps its own threads; this pool serves only the element-wise work
between the matrix products.

A block function must only touch its own block (no nesting of ``blockwise`` calls either: a
pool thread never waits for another).
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

BLOCK = 1 << 15      # elements per block: 128 KB of float32, a few of them fit in L2
MIN_SPLIT = 1 << 17  # below this many elements one thread is faster than handing work out

_pool = None


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(1, cores() - 1), thread_name_prefix="engine-blocks")
    return _pool


def blockwise(fn, n: int, unit: int = 1, block: int = 0) -> None:
    """Call ``fn(start, stop)`` for consecutive pieces of ``range(n)`` covering it, each about
    ``block`` (default ``BLOCK``) elements (``unit`` elements per index: a row length), in parallel when the work
    is large enough. Exceptions of any piece are raised here."""
    if n <= 0:
        return
    step = max(1, (block or BLOCK) // max(1, unit))
    pieces = [(s, min(n, s + step)) for s in range(0, n, step)]
    k = min(cores(), len(pieces)) if n * unit >= MIN_SPLIT else 1

    def run(group):
        for start, stop in group:
            fn(start, stop)
    if k <= 1:
        run(pieces)
        return
    size = -(-len(pieces) // k)
    groups = [pieces[i:i + size] for i in range(0, len(pieces), size)]
    futures = [pool().submit(run, g) for g in groups[1:]]
    try:
        run(groups[0])
    finally:
        for f in futures:
            f.result()
