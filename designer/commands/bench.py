"""``nn-designer bench MODEL [--batch-size N] [--steps N] [--json]``.

Times full training steps (forward, backward and an SGD update with momentum) on random data of
the model's input shape, after a few warm-up steps, and prints samples per second. The loss is
cross_entropy (mse for a single output). ``peak_memory_mb`` is the process's maximum resident set
size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``): everything the process held at its peak,
Python and NumPy included, not only the network's arrays.
"""
from __future__ import annotations

import json
import time

import numpy as np

from .args import batch_memory, non_negative_int, positive_int


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--batch-size", type=positive_int, default=64, metavar="N", help="samples per step (64)")
    p.add_argument("--steps", type=positive_int, default=None, metavar="N",
                   help="timed steps (default: as many as fit in about 2 s, at least 5)")
    p.add_argument("--warmup", type=non_negative_int, default=3, metavar="N", help="untimed steps first (3)")
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def peak_memory_mb() -> float:
    """The process's maximum resident set size in MB (ru_maxrss: KiB on Linux, bytes on macOS;
    the peak working set on Windows)."""
    import sys
    if sys.platform == "win32":
        return _windows_peak_working_set() / 2**20
    import resource
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _windows_peak_working_set() -> int:
    import ctypes
    from ctypes import wintypes

    class Counters(ctypes.Structure):
        _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                    ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                    ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                    ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                    ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

    counters = Counters(cb=ctypes.sizeof(Counters))
    process = ctypes.windll.kernel32.GetCurrentProcess()
    ctypes.windll.psapi.GetProcessMemoryInfo(process, ctypes.byref(counters), counters.cb)
    return counters.PeakWorkingSetSize


def bench(network, batch_size: int = 64, steps=None, warmup: int = 3, dtype="float32",
          seed: int = 0, min_seconds: float = 2.0) -> dict:
    """Time ``steps`` training steps after ``warmup`` untimed ones; the --json dict. Without
    ``steps``, as many as fit in ``min_seconds`` (at least 5), so a small net is timed long
    enough and a large one does not take minutes."""
    from ..engine import EngineNet, SGD, engine_running
    net = EngineNet(network, dtype=np.dtype(dtype), seed=seed)
    rng = np.random.default_rng(seed)
    x = rng.random((batch_size, *net.input_shape), dtype=np.float64).astype(net.dtype)
    n_out = net.n_outputs
    loss = "cross_entropy" if n_out >= 2 else "mse"
    y = rng.integers(0, max(n_out, 2), size=batch_size)
    opt = SGD(net.params, lr=0.01, momentum=0.9)

    def step():
        net.loss_and_backward(x, y, loss)
        opt.step(net.grads)

    # The engine's process settings as a run has them (engine/process.py), BLAS threads excepted:
    # a benchmark keeps the number the process has, as PyTorch beside it keeps its own.
    with engine_running(training=False):
        for _ in range(warmup):
            step()
        t0 = time.perf_counter()
        done = 0
        while (done < steps) if steps else (done < 5 or time.perf_counter() - t0 < min_seconds):
            step()
            done += 1
        seconds = time.perf_counter() - t0
    steps = done
    return {"samples_per_second": batch_size * steps / seconds, "batch_size": batch_size,
            "steps": steps, "seconds": seconds, "peak_memory_mb": peak_memory_mb()}


def run(args) -> int:
    from ..model import load_model
    network = load_model(args.model)
    with batch_memory(args.batch_size, network, args.dtype):
        result = bench(network, args.batch_size, args.steps, args.warmup, args.dtype)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{network.name}: {result['samples_per_second']:,.0f} samples/s "
              f"(batch {result['batch_size']}, {result['steps']} steps in {result['seconds']:.3f} s after "
              f"{args.warmup} warm-up; peak memory {result['peak_memory_mb']:.0f} MB, the process's maximum "
              f"resident set size)")
    return 0
