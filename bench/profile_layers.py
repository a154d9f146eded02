"""Where a training step of our engine spends its time, layer by layer.

    python bench/profile_layers.py MODEL [--batch N] [--steps N] [--cpu] [--forward]

Times each layer's forward and backward pass (and the loss and the SGD update) over ``--steps``
training steps after two warm-up steps, as EngineNet.loss_and_backward runs them, and prints
milliseconds per step, slowest first (``--forward``: evaluation-mode forward passes as
``predict`` runs them). Used to choose what to optimise.

On a shared, loaded machine wall-clock times of single layers swing by several times; with
``--cpu`` the clock is the calling thread's CPU time (time.thread_time), which other processes do
not inflate. Run it so with one BLAS thread (OPENBLAS_NUM_THREADS=1), or the BLAS threads' work
is not counted.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from designer.engine import SGD, EngineNet  # noqa: E402
from designer.engine.process import engine_running  # noqa: E402
from designer.model import load_model  # noqa: E402

CLOCK = [time.perf_counter]


def instrument(net: EngineNet, totals: dict) -> None:
    """Wrap every layer's forward and backward with a timer adding into ``totals``."""
    for i, layer in enumerate(net.layers):
        label = f"{i:>2} {layer.type}"
        for name in ("forward", "backward"):
            inner = getattr(layer, name)

            def timed(*a, _inner=inner, _key=(label, name), **k):
                t0 = CLOCK[0]()
                result = _inner(*a, **k)
                totals[_key] += CLOCK[0]() - t0
                return result
            setattr(layer, name, timed)


def main() -> None:
    # As bench/suite.py: freed memory kept between steps (engine/process.py), or every step's
    # page faults on fresh arrays are counted in the layers that allocate them.
    with engine_running(training=False):
        profile()


def profile() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--cpu", action="store_true", help="time the main thread's CPU time")
    p.add_argument("--forward", action="store_true", help="evaluation-mode forward passes (predict) only")
    args = p.parse_args()
    if args.cpu:
        CLOCK[0] = time.thread_time
    designs = ROOT / "bench" / "designs"
    model = str(designs / args.model) if (designs / args.model).exists() else args.model
    net = EngineNet(load_model(model), np.float32, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((args.batch,) + net.input_shape, dtype=np.float32)
    y = rng.integers(0, net.n_outputs, args.batch)
    opt = SGD(net.params, lr=0.01, momentum=0.9)
    totals: dict = defaultdict(float)
    def step():
        if args.forward:
            net.predict(x)
            return 0.0
        net.loss_and_backward(x, y)
        t1 = CLOCK[0]()
        opt.step(net.grads)
        return CLOCK[0]() - t1
    for _ in range(2):
        step()
    instrument(net, totals)
    t_all = t_opt = 0.0
    for _ in range(args.steps):
        t0 = CLOCK[0]()
        t_opt += step()
        t_all += CLOCK[0]() - t0
    if not args.forward:
        totals[("optimizer", "step")] = t_opt
    n = args.steps
    print(f"{model} batch {args.batch}: {t_all / n * 1e3:.1f} ms per step, "
          f"{args.batch * n / t_all:,.0f} images/s")
    accounted = sum(totals.values())
    totals[("(rest)", "")] = t_all - accounted
    for (label, what), t in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"{t / n * 1e3:8.2f} ms  {100 * t / t_all:5.1f}%  {label} {what}")


if __name__ == "__main__":
    main()
