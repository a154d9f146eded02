"""Training throughput of the NumPy engine against PyTorch on CPU, side by side.

    python bench/engine_vs_torch.py [--model lenet5] [--batch-size 64] [--steps 25] [--rounds 5]

Both run the same network (the LeNet-5 template by default: docs/model-format.md) on the same
random batch: forward, backward, SGD update with momentum 0.9, cross-entropy with the final
softmax folded in. Each engine runs in its own process (so the engine's peak memory is not
inflated by PyTorch, and each gets a fresh allocator), after warm-up steps; the rounds
alternate between the two. PyTorch uses as many threads as there are cores; NumPy's OpenBLAS
does too. A round reports the fastest of 8 timed blocks (other work on a shared machine only
ever slows a block down). Reported: images per second of each engine's best round and the
median round, the ratio ours/PyTorch of both, and our process's peak resident memory
(ru_maxrss).

Targets: ratio ≥ 0.7 on this 2-core machine, peak memory < 300 MB.
It prints its result first, as a "# result" comment line. Last measured (2 cores, NumPy 2.4 with
OpenBLAS, torch 2.13 CPU, machine shared with other jobs): ours 16,276 images/s, PyTorch 16,339
images/s, ratio 1.00 best-vs-best (medians 15,489 vs 10,328); our peak memory 54 MB.

If OPENBLAS_CORETYPE is set in the environment, it is removed for the workers only (it can pin
OpenBLAS to slower kernels); tests never touch it.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from designer.commands.bench import peak_memory_mb  # noqa: E402


def step_ours(model: str, batch: int):
    """One training step of our engine on a random batch (the step function to time). Time it
    inside ``engine_running(training=False)`` (engine/process.py), as a benchmark does: memory kept
    between steps, the BLAS threads left as the process has them."""
    import numpy as np
    from designer.engine import SGD, EngineNet
    from designer.model import load_model

    net = EngineNet(load_model(model), np.float32, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((batch,) + net.input_shape, dtype=np.float32)
    y = rng.integers(0, net.n_outputs, batch)
    opt = SGD(net.params, lr=0.01, momentum=0.9)

    def step():
        net.loss_and_backward(x, y, "cross_entropy")
        opt.step(net.grads)
    return step


def run_ours(model: str, batch: int, steps: int, warmup: int) -> dict:
    from designer.engine.process import engine_running
    with engine_running(training=False):
        return _time(step_ours(model, batch), batch, steps, warmup)


def torch_model(network):
    """The PyTorch twin of the network: the module `nn-designer export --to pytorch` writes."""
    from designer.export.pytorch import pytorch_source
    namespace = {"__name__": "bench_twin"}
    exec(compile(pytorch_source(network), "bench_twin", "exec"), namespace)
    return namespace["Net"]()


def step_torch(model: str, batch: int):
    """One training step of the exported PyTorch module on a random batch, as ``step_ours``."""
    import torch
    from designer.model import load_model
    torch.set_num_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    network = load_model(model)
    net = torch_model(network)
    shape = network.report().input
    x = torch.rand((batch, shape[2], shape[1], shape[0])) if len(shape) == 3 else torch.rand((batch,) + shape)
    n_out = network.report().output[0]
    y = torch.randint(0, n_out, (batch,))
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()

    scores = network.layers[-1].type == "softmax"  # folded into the loss, as our engine does

    def step():
        opt.zero_grad()
        loss_fn(net(x, scores=True) if scores else net(x), y).backward()
        opt.step()
    return step


def run_torch(model: str, batch: int, steps: int, warmup: int) -> dict:
    import torch
    result = _time(step_torch(model, batch), batch, steps, warmup)
    result["threads"] = torch.get_num_threads()
    return result


def _time(step, batch: int, steps: int, warmup: int, blocks: int = 8) -> dict:
    """Throughput of the fastest of ``blocks`` timed blocks of ``steps`` steps (the least
    disturbed by other work on the machine), and of all blocks together."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(blocks):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        times.append(time.perf_counter() - t0)
    return {"images_per_second": batch * steps / min(times),
            "overall_images_per_second": batch * steps * blocks / sum(times),
            "peak_memory_mb": peak_memory_mb()}


def worker(which: str, args) -> dict:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    cmd = [sys.executable, __file__, "--worker", which, "--model", args.model,
           "--batch-size", str(args.batch_size), "--steps", str(args.steps), "--warmup", str(args.warmup)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"the {which} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="lenet5")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=25, help="steps per timed block (8 blocks)")
    p.add_argument("--warmup", type=int, default=20)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--worker", choices=("ours", "torch"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        run = run_ours if args.worker == "ours" else run_torch
        print(json.dumps(run(args.model, args.batch_size, args.steps, args.warmup)))
        return
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(worker("ours", args))
        theirs.append(worker("torch", args))
    o = [r["images_per_second"] for r in ours]
    t = [r["images_per_second"] for r in theirs]
    best_ratio = max(o) / max(t)
    median_ratio = statistics.median(o) / statistics.median(t)
    mem = max(r["peak_memory_mb"] for r in ours)
    print(f"# result: {args.model} batch {args.batch_size}: ours {max(o):,.0f} images/s, PyTorch "
          f"{max(t):,.0f} images/s, ratio {best_ratio:.2f} (best rounds; medians {statistics.median(o):,.0f} "
          f"vs {statistics.median(t):,.0f}, ratio {median_ratio:.2f}); our peak memory {mem:.0f} MB")
    print(f"cores: {os.cpu_count()}, torch threads: {theirs[0]['threads']}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}")
    print(f"{'round':>5} {'ours img/s':>12} {'torch img/s':>12} {'ratio':>6} {'ours MB':>8} {'torch MB':>9}")
    for i, (a, b) in enumerate(zip(ours, theirs), 1):
        print(f"{i:>5} {a['images_per_second']:>12,.0f} {b['images_per_second']:>12,.0f} "
              f"{a['images_per_second'] / b['images_per_second']:>6.2f} {a['peak_memory_mb']:>8.0f} "
              f"{b['peak_memory_mb']:>9.0f}")
    print(f"targets: ratio >= 0.70 ({'met' if best_ratio >= 0.7 else 'NOT met'}), "
          f"peak memory < 300 MB ({'met' if mem < 300 else 'NOT met'})")


if __name__ == "__main__":
    main()
