"""In-process alternating A/B of a whole training step with one of the engine's switches on and off.

    python bench/ab_step.py MODEL [--switch winograd] [--batch 64] [--rounds 15] [--cpu]

Builds two nets of the design, one with the switch on and one with it off (each built and
stepped with its own setting, so switches read when a layer is built and those read on every
call both hold), and times their steps in turn, A B A B …; prints the median of each and the
25th–75th percentile of the per-round ratio. Other work on a shared machine slows both alike;
a ratio whose spread straddles 1 is "no measurable difference". ``--cpu``: the thread's CPU time
(with OPENBLAS_NUM_THREADS=1; the BLAS's and helper threads' time is not counted otherwise).
"""
from __future__ import annotations

import argparse
import importlib
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from designer.engine import SGD, EngineNet  # noqa: E402
from designer.engine.process import engine_running  # noqa: E402
from designer.model import load_model  # noqa: E402

SWITCHES = {  # name -> (module, attribute, value when on, value when off)
    "winograd": ("designer.engine.layers.winograd", "ENABLED", True, False),
    "winograd_threads": ("designer.engine.layers.winograd", "OWN_THREADS", True, False),
    "row_conv": ("designer.engine.layers.row_conv", "MIN_INNER", 48, 10 ** 9),
    "depthwise": ("designer.engine.layers.depthwise", "ENABLED", True, False),
    "stack": ("designer.engine.layers.row_conv", "STACK_UP_TO", 128, 0),
    "fold": ("designer.engine.plan", "FOLD", True, False),  # read when a plan is made: per net
    "clip": ("designer.engine.plan", "CLIP", True, False),  # read when a plan is made: per net
    # element-wise blocks on every core (2) beside the BLAS's threads, against blocks.cores()' rule
    "helpers": ("designer.engine.blocks", "_threads", 2, None),
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--switch", default="winograd", choices=sorted(SWITCHES))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--cpu", action="store_true")
    p.add_argument("--forward", action="store_true", help="evaluation-mode forward passes only")
    args = p.parse_args()
    module, attr, on, off = SWITCHES[args.switch]
    module = importlib.import_module(module)
    clock = time.thread_time if args.cpu else time.perf_counter
    designs = ROOT / "bench" / "designs"
    model = str(designs / args.model) if (designs / args.model).exists() else args.model
    network = load_model(model)
    variants = {}
    for name, value in (("on", on), ("off", off)):
        setattr(module, attr, value)
        net = EngineNet(network, np.float32, seed=0)
        variants[name] = (value, net, SGD(net.params, lr=0.01, momentum=0.9))
    rng = np.random.default_rng(0)
    x = rng.random((args.batch,) + variants["on"][1].input_shape, dtype=np.float32)
    y = rng.integers(0, variants["on"][1].n_outputs, args.batch)

    def step(value, net, opt):
        setattr(module, attr, value)
        if args.forward:
            net.forward(x)
        else:
            net.loss_and_backward(x, y)
            opt.step(net.grads)
    times = {k: [] for k in variants}
    with engine_running(training=False):
        for v in variants.values():
            step(*v)
            step(*v)
        for _ in range(args.rounds):
            for k, v in variants.items():
                t0 = clock()
                step(*v)
                times[k].append(clock() - t0)
    ratios = sorted(b / a for a, b in zip(times["on"], times["off"]))
    q = len(ratios) // 4
    print(f"{Path(model).stem} batch {args.batch}, {args.switch} on {statistics.median(times['on']) * 1e3:.1f} ms, "
          f"off {statistics.median(times['off']) * 1e3:.1f} ms per {'forward' if args.forward else 'step'}; "
          f"off/on median {statistics.median(ratios):.2f} (IQR {ratios[q]:.2f}–{ratios[-q - 1]:.2f})")


if __name__ == "__main__":
    main()
