"""In-process alternating A/B timing of one convolution's training pass (forward + backward) by
two of the engine's paths, for a machine shared with other work.

    python bench/ab_layer.py [--rounds N] [--cpu] [--forward]

For each shape of the suite's 3×3 stride-1 convolutions (16–128 channels, 8–32 px maps, batch
64; or ``--shapes``) it builds one layer per path of ``--paths`` (two of ``winograd``, ``rows``:
row_conv's kernel rows, ``im2col``) and times them in turn, A B A B …, ``--rounds`` times; prints the median of each and the spread of the ratio (the
25th–75th percentile of the per-round ratios). Alternating in one process means other work on
the machine slows both alike; a ratio whose spread straddles 1 is "no measurable difference".
``--cpu`` times the thread's CPU time (run it with OPENBLAS_NUM_THREADS=1).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from designer.engine.layers import make_layer, row_conv, winograd  # noqa: E402
from designer.model import KINDS  # noqa: E402

SHAPES = [(16, 32, 16), (32, 16, 32), (64, 8, 64), (32, 32, 32), (64, 16, 64), (128, 8, 128),
          (16, 16, 32), (32, 8, 64)]  # (input channels, map size, filters)


PATHS = ("winograd", "rows", "im2col")


def build(c: int, size: int, f: int, path: str):
    """A 3×3 convolution (padding 1) that takes ``path``: winograd, rows (kernel rows) or im2col."""
    kind = KINDS["conv"]
    cfg = kind.resolve(kind.check({"filters": f, "kernel": 3, "padding": 1}))
    shape = (size, size, c)
    old = winograd.ENABLED, winograd.FORWARD_ONLY, row_conv.MIN_INNER
    winograd.ENABLED = winograd.FORWARD_ONLY = path == "winograd"
    row_conv.MIN_INNER = 0 if path == "rows" else 10 ** 9
    row_conv.MIN_COLUMNS = 0  # every call by kernel rows when that is the path
    try:
        layer = make_layer("conv", cfg, [shape], kind.rule(cfg, [shape]).shape, np.float32)
    finally:
        winograd.ENABLED, winograd.FORWARD_ONLY, row_conv.MIN_INNER = old
    layer.reuse_scratch = True
    rng = np.random.default_rng(0)
    for p in layer.params.values():
        p[...] = rng.normal(size=p.shape) * 0.1
    assert (layer.winograd, layer.by_rows) == (path == "winograd", path == "rows")
    return layer


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--cpu", action="store_true")
    p.add_argument("--forward", action="store_true", help="forward only (train=False)")
    p.add_argument("--shapes", default="", help="C,size,F;C,size,F;... instead of the suite's")
    p.add_argument("--paths", default="winograd,rows", help="the two paths compared (of winograd, rows, im2col)")
    args = p.parse_args()
    clock = time.thread_time if args.cpu else time.perf_counter
    from designer.engine.process import engine_running
    with engine_running(training=False):
        shapes = [tuple(int(v) for v in s.split(",")) for s in args.shapes.split(";") if s] or SHAPES
        for c, size, f in shapes:
            rng = np.random.default_rng(1)
            x = rng.normal(size=(c, size, size, args.batch)).astype(np.float32).transpose(3, 0, 1, 2)
            d = rng.normal(size=(f, size, size, args.batch)).astype(np.float32).transpose(3, 0, 1, 2)
            a, b = args.paths.split(",")
            layers = {a: build(c, size, f, a), b: build(c, size, f, b)}

            def step(layer):
                winograd.FORWARD_ONLY = layer.winograd  # read per call
                out, cache = layer.forward(x, not args.forward)
                if not args.forward:
                    layer.backward(d, cache)
            times = {k: [] for k in layers}
            for layer in layers.values():
                step(layer)
                step(layer)
            for _ in range(args.rounds):
                for k, layer in layers.items():
                    t0 = clock()
                    step(layer)
                    times[k].append(clock() - t0)
            ratios = sorted(tb / ta for ta, tb in zip(times[a], times[b]))
            q = len(ratios) // 4
            print(f"C={c:>3} {size:>2}x{size:<2} F={f:>3}: {a} {statistics.median(times[a]) * 1e3:6.2f} ms, "
                  f"{b} {statistics.median(times[b]) * 1e3:6.2f} ms, {b}/{a} median "
                  f"{statistics.median(ratios):.2f} (IQR {ratios[q]:.2f}–{ratios[-q - 1]:.2f})", flush=True)


if __name__ == "__main__":
    main()
