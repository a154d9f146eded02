"""Element-wise work in cache-sized blocks, spread over the cores.

NumPy runs a chain of ufuncs one full pass at a time, each on one core, and each temporary is a
new array the size of the batch: for a volume batch of many megabytes every pass goes to main
memory. ``blockwise`` cuts the work into blocks of about ``BLOCK`` elements instead, so that the
temporaries of a chain stay in the core's L2 cache, and shares the blocks among the caller and
a few helper threads (NumPy's ufuncs and copies release the GIL), one per core the BLAS's
threads leave free (``cores``). The BLAS keeps its own threads; this pool serves only the
element-wise work between the matrix products.

A block function must only touch its own block (no nesting of ``blockwise`` calls either: a
pool thread never waits for another).
"""
from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from .blas import blas_threads, usable_cores

# Elements per block: 512 KB of float32. A block and a temporary or two fit in a current core's L2
# (1–2 MB), and each block costs a hand-off between threads and a few NumPy calls: measured on
# 2 cores, batchnorm on 32×16×16×64 took 0.35 ms in blocks of 2^17 against 0.79 ms in blocks of
# 2^15, and a ResNet-20 training step ~10 % less time.
BLOCK = 1 << 17
MIN_SPLIT = 1 << 18  # below this many elements one thread is faster than handing work out

_pool = None
_threads = None  # set_threads' override (tests and experiments), else None


def set_threads(n) -> None:
    """Use at most ``n`` threads (the caller included) for block work; None: as ``cores()`` decides
    from the BLAS threads (which already follow the training policy). For tests and experiments."""
    global _threads
    _threads = None if n is None else max(1, int(n))


def cores() -> int:
    """The threads block work may use: ``set_threads``' number, else the cores the BLAS leaves
    free, plus the caller's. OpenBLAS's threads spin-wait on their cores for a while after each
    product, and a training step has products every few milliseconds: a helper thread on one of
    those cores only competes with them. Measured on 2 cores with 2 BLAS threads, a batchnorm conv
    net's step took 13 % less time with no helper (47 ms against 54), LeNet-5's and ResNet-20's
    no more. With the app's policy (one core left for the GUI) one helper remains."""
    if _threads is not None:
        return _threads
    n = usable_cores()
    used = blas_threads()
    return n if used is None else max(1, min(n, n - used + 1))


def pool() -> ThreadPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(max(1, usable_cores() - 1), thread_name_prefix="engine-blocks")
    return _pool


def blockwise(fn, n: int, unit: int = 1, block: int = 0, threads: int = 0) -> None:
    """Call ``fn(start, stop)`` for consecutive pieces of ``range(n)`` covering it, each about
    ``block`` (default ``BLOCK``) elements (``unit`` elements per index: a row length), in
    parallel when the work is large enough, on ``threads`` threads (default ``cores()``; a caller
    that has set the BLAS to one thread for its pieces' products asks for every usable core).
    Exceptions of any piece are raised here.

    The pieces are taken one at a time from a shared counter by the caller and by the helper
    threads (``next`` on an ``itertools.count`` is atomic under the GIL), and the caller waits
    only for pieces a helper has taken, never for a helper to start: on a machine busy with other
    work a helper that is not scheduled in time simply gets nothing to do."""
    if n <= 0:
        return
    step = max(1, (block or BLOCK) // max(1, unit))
    pieces = [(s, min(n, s + step)) for s in range(0, n, step)]
    wanted = threads if threads and _threads is None else cores()
    helpers = min(wanted, len(pieces)) - 1 if n * unit >= MIN_SPLIT else 0
    if helpers <= 0:
        for start, stop in pieces:
            fn(start, stop)
        return
    counter = itertools.count()
    done = threading.Semaphore(0)
    errors: list = []

    def work() -> None:
        while True:
            i = next(counter)
            if i >= len(pieces):
                return
            try:
                if not errors:
                    fn(*pieces[i])
            except BaseException as e:  # noqa: BLE001 (raised again in the caller)
                errors.append(e)
            finally:
                done.release()
    for _ in range(helpers):
        pool().submit(work)
    work()
    for _ in pieces:
        done.acquire()
    if errors:
        raise errors[0]
