"""Training throughput of our engine against PyTorch CPU across a suite of designs.

    python bench/suite.py [--quick] [--rounds N] [--only NAME,...] [--markdown]

The designs and batch sizes are listed in ``bench/designs/suite.json`` (a template name or a
file beside it). For each design, each engine runs in its own fresh process (so neither's peak
memory includes the other, and each gets a fresh allocator), and the rounds alternate between
the two: ours, PyTorch, ours, PyTorch... A worker warms up, picks the number of steps that
fills about ``--seconds`` per block, and reports the fastest of its blocks (other work on a
shared machine only ever slows a block down). A design's speed is its best round.

A step is one training step on a random batch: forward, backward, cross-entropy with the final
softmax folded in, SGD with momentum 0.9 (``engine_vs_torch.step_ours`` / ``step_torch``; the
PyTorch side is the module ``nn-designer export --to pytorch`` writes). Peak memory is each
worker process's maximum resident set (ru_maxrss), imports included. The load column is the
highest 1-minute load average seen between the design's workers.

A design that fails to load (e.g. a template this version does not have) or that an engine
cannot run (a layer kind it lacks) is skipped with a note.
``--quick`` is a check (1 round, short blocks, a few minutes); the default is the measurement
for the README (3 rounds). If OPENBLAS_CORETYPE is set, the workers run without it (it can pin
OpenBLAS to slower kernels), as engine_vs_torch does; tests never touch it.

On a shared machine whose other jobs keep both cores busy, wall-clock rounds say little.
``--single`` then compares the engines on one core each (the worker pinned to one CPU, one BLAS
and one PyTorch thread) by the process's CPU time per step, which other processes do not
inflate: the ratio of the work each engine does, without the gain of the second core.

Targets: every design ≥ 0.9× PyTorch (the vocabulary's MobileNetV2 ≥ 0.8×), the
geometric mean ≥ 1.2×, and our peak memory no more than PyTorch's for each design.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
DESIGNS = HERE / "designs"
FLOOR, FLOORS, GMEAN = 0.9, {"mobilenet-v2": 0.8}, 1.2  # the targets


def designs() -> list:
    """The suite: dicts of name, model (a template name or a path) and batch."""
    listed = json.loads((DESIGNS / "suite.json").read_text(encoding="utf-8"))["designs"]
    for d in listed:
        if (DESIGNS / d["model"]).exists():
            d["model"] = str(DESIGNS / d["model"])
    return listed


def load_problem(model: str):
    """None when the design loads and can run in both engines, else one sentence why not."""
    from designer.errors import UserError
    from designer.model import load_model
    try:
        network = load_model(model)
        problems = network.report().problems
    except UserError as e:
        return str(e)
    return problems[0] if problems else None


def timed_blocks(step, batch: int, seconds: float, blocks: int, clock=time.perf_counter) -> dict:
    """Images per second of the fastest of ``blocks`` blocks of steps, each about ``seconds``."""
    from designer.commands.bench import peak_memory_mb
    step()
    step()
    t0 = clock()
    step()
    steps = max(1, round(seconds / max(clock() - t0, 1e-6)))
    times = []
    for _ in range(blocks):
        t0 = clock()
        for _ in range(steps):
            step()
        times.append(clock() - t0)
    return {"images_per_second": batch * steps / min(times), "steps": steps,
            "peak_memory_mb": peak_memory_mb()}


def run_worker(args) -> None:
    if args.single:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from engine_vs_torch import step_ours, step_torch
    from designer.engine.process import engine_running
    make = step_ours if args.worker == "ours" else step_torch
    clock = time.process_time if args.single else time.perf_counter
    with engine_running(training=False):   # ours keeps freed memory between steps (engine/process.py)
        print(json.dumps(timed_blocks(make(args.model, args.batch), args.batch, args.seconds, args.blocks, clock)))


def worker(which: str, design: dict, args) -> dict:
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    cmd = [sys.executable, __file__, "--worker", which, "--model", design["model"],
           "--batch", str(design["batch"]), "--seconds", str(args.seconds), "--blocks", str(args.blocks)]
    if args.single:
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        cmd.append("--single")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        raise WorkerFailed(f"{'our' if which == 'ours' else 'the PyTorch'} engine could not run it: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class WorkerFailed(Exception):
    """A worker process ended with an error (e.g. an engine without a layer kind the design uses)."""


def measure(design: dict, args) -> dict:
    ours, theirs, load = [], [], 0.0
    for _ in range(args.rounds):
        ours.append(worker("ours", design, args))
        load = max(load, os.getloadavg()[0])
        theirs.append(worker("torch", design, args))
        load = max(load, os.getloadavg()[0])
    o = max(r["images_per_second"] for r in ours)
    t = max(r["images_per_second"] for r in theirs)
    return {"name": design["name"], "batch": design["batch"], "ours": o, "torch": t, "ratio": o / t,
            "ours_mb": max(r["peak_memory_mb"] for r in ours),
            "torch_mb": max(r["peak_memory_mb"] for r in theirs), "load": load}


def table(rows: list, markdown: bool) -> str:
    head = ["design", "batch", "ours img/s", "PyTorch img/s", "ratio", "ours MB", "PyTorch MB", "load"]
    lines = []
    cells = [[r["name"], str(r["batch"]), f"{r['ours']:,.0f}", f"{r['torch']:,.0f}", f"{r['ratio']:.2f}",
              f"{r['ours_mb']:.0f}", f"{r['torch_mb']:.0f}", f"{r['load']:.1f}"] for r in rows]
    if rows:
        gmean = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
        cells.append(["geometric mean", "", "", "", f"{gmean:.2f}", "", "", ""])
    if markdown:
        lines.append("| " + " | ".join(head) + " |")
        lines.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        lines += ["| " + " | ".join(c) + " |" for c in cells]
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *cells)]
        fmt = lambda c: "  ".join(x.ljust(w) if i == 0 else x.rjust(w)  # noqa: E731
                                  for i, (x, w) in enumerate(zip(c, widths)))
        lines += [fmt(head)] + [fmt(c) for c in cells]
    return "\n".join(lines)


def verdict(rows: list, single: bool, skipped: int = 0) -> list:
    """One line per target not met, or a single line saying all are; a warning first when the
    machine was busy during wall-clock rounds (other jobs slow the two engines unequally:
    PyTorch's threads wait for each other). A skipped design is a target not met."""
    if not rows:
        return ["no design ran"]
    busy = [r["name"] for r in rows if r["load"] > (os.cpu_count() or 1)]
    warn = [] if single or not busy else [
        f"warning: the machine was busy (load average above {os.cpu_count()}) while measuring "
        f"{', '.join(busy)}: these wall-clock ratios are not reliable; run again, or use --single"]
    gmean = math.exp(sum(math.log(r["ratio"]) for r in rows) / len(rows))
    floor = lambda r: FLOORS.get(r["name"], FLOOR)  # noqa: E731
    missed = [f"{r['name']}: ratio {r['ratio']:.2f} < {floor(r):.2f}" for r in rows if r["ratio"] < floor(r)]
    missed += [f"{r['name']}: peak memory {r['ours_mb']:.0f} MB > PyTorch's {r['torch_mb']:.0f} MB"
               for r in rows if r["ours_mb"] > r["torch_mb"]]
    if gmean < GMEAN:
        missed.append(f"geometric mean {gmean:.2f} < {GMEAN:.2f}")
    if skipped:
        missed.append(f"{skipped} design(s) did not run (see above)")
    return warn + ([f"target NOT met: {m}" for m in missed] or [
        f"targets met: every design >= {FLOOR:.2f} (mobilenet-v2 >= 0.80), geometric mean >= {GMEAN:.2f}, "
        "memory <= PyTorch's"])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="a check: 1 round of 3 short blocks")
    p.add_argument("--rounds", type=int, default=None, help="alternating rounds per design (3)")
    p.add_argument("--blocks", type=int, default=None, help="timed blocks per worker (5)")
    p.add_argument("--seconds", type=float, default=None, help="seconds per block (0.6)")
    p.add_argument("--only", default="", help="comma-separated design names")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    p.add_argument("--single", action="store_true",
                   help="one core per engine, timed by CPU time (for a machine busy with other work)")
    p.add_argument("--worker", choices=("ours", "torch"), help=argparse.SUPPRESS)
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        run_worker(args)
        return
    quick = (1, 3, 0.3) if args.quick else (3, 5, 0.6)
    args.rounds = args.rounds or quick[0]
    args.blocks = args.blocks or quick[1]
    args.seconds = args.seconds or quick[2]
    only = {n for n in args.only.split(",") if n}
    rows, notes = [], []
    for design in designs():
        if only and design["name"] not in only:
            continue
        problem = load_problem(design["model"])
        if problem:
            notes.append(f"skipped {design['name']}: {problem}")
            continue
        try:
            rows.append(measure(design, args))
        except WorkerFailed as e:
            notes.append(f"skipped {design['name']}: {e}")
            continue
        print(f"# {design['name']}: ratio {rows[-1]['ratio']:.2f}", file=sys.stderr, flush=True)
    import numpy as np
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}, NumPy {np.__version__}; {args.rounds} round(s) of "
          f"{args.blocks} blocks of ~{args.seconds} s per engine and design"
          + ("; one core each, CPU time" if args.single else "; all cores, wall-clock time"))
    print(table(rows, args.markdown))
    for line in notes + verdict(rows, args.single, len(notes)):
        print(line)


if __name__ == "__main__":
    main()
