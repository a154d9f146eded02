"""Peak memory of training steps: our training loop (``Trainer``, with its guard against a
diverging run) against PyTorch's, on the same network, batch and optimizer.

    python bench/train_memory.py [--model alexnet] [--batch-size 16] [--steps 2]

Each side runs in its own process and trains ``--steps`` steps (SGD, momentum 0.9, weight decay
5e-4, cross-entropy) on random data of the model's input shape. Reported: the growth of the
process's peak resident memory (ru_maxrss) from just before the model is built to the end of the
steps, so what the imports cost (PyTorch's libraries are much larger than NumPy's) is not
counted, and the weights, gradients, momentum buffers, activations and every temporary are.

Target: ours ≤ PyTorch's for AlexNet at batch 16. The training loop used to copy
every weight after each batch, so that a NaN could roll back (about 250 MB more for AlexNet); it
now checks each step before applying it (optim.SGD.step), and keeps no copy.
Besides, a large convolution works a tile of output rows at a time (engine/layers/conv.py) and
rebuilds the tiles' columns in backward rather than holding a whole batch's columns.
It prints its result first, as a "# result" comment line. Last measured (2 cores, NumPy 2.4,
torch 2.13 CPU, AlexNet, batch 16, 2 steps): ours 973 MB, PyTorch 1,088 MB (2026-12-02, tiled
convolutions; before: 940 MB against 1,126 with a columns buffer shared by the convolutions, 1,203 MB
with separate columns, and about 1,450 MB with the copy).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from designer.commands.bench import peak_memory_mb  # noqa: E402

LR, MOMENTUM, DECAY = 0.01, 0.9, 5e-4


def current_rss_mb() -> float:
    """The resident memory now (Linux's /proc; elsewhere the peak so far)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        return peak_memory_mb()


def run_ours(model: str, batch: int, steps: int) -> dict:
    import numpy as np
    from designer.engine.data import Dataset
    from designer.engine.training import TrainConfig, Trainer
    from designer.model import load_model

    network = load_model(model)
    w, h, d = network.report().input
    classes = network.report().output[0]
    rng = np.random.default_rng(0)
    x = rng.random((batch * steps, d, h, w), dtype=np.float32)
    y = rng.integers(0, classes, batch * steps)
    data = Dataset("random", x, y, None, "bench")
    base = current_rss_mb()
    trainer = Trainer(network, data, TrainConfig(epochs=1, batch_size=batch, lr=LR, momentum=MOMENTUM,
                                                 weight_decay=DECAY, val_split=0.0, shuffle=False))
    events = list(trainer.run())
    assert events[-1].reason == "completed", events[-1].message
    return {"growth_mb": peak_memory_mb() - base, "data_mb": x.nbytes / 2**20,
            "weights_mb": sum(a.nbytes for a in trainer.net.params.values()) / 2**20}


def run_torch(model: str, batch: int, steps: int) -> dict:
    import torch
    from designer.export.pytorch import pytorch_source
    from designer.model import load_model
    torch.set_num_threads(os.cpu_count() or 1)
    network = load_model(model)
    w, h, d = network.report().input
    classes = network.report().output[0]
    g = torch.Generator().manual_seed(0)
    x = torch.rand((batch * steps, d, h, w), generator=g)
    y = torch.randint(0, classes, (batch * steps,), generator=g)
    base = current_rss_mb()
    namespace = {"__name__": "bench_twin"}
    exec(compile(pytorch_source(network), "bench_twin", "exec"), namespace)
    net = namespace["Net"]()
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=DECAY)
    loss_fn = torch.nn.CrossEntropyLoss()
    scores = network.layers[-1].type == "softmax"  # folded into the loss, as our engine does
    for i in range(steps):
        opt.zero_grad()
        xb, yb = x[i * batch:(i + 1) * batch], y[i * batch:(i + 1) * batch]
        loss_fn(net(xb, scores=True) if scores else net(xb), yb).backward()
        opt.step()
    return {"growth_mb": peak_memory_mb() - base, "data_mb": x.numel() * 4 / 2**20,
            "weights_mb": sum(p.numel() * 4 for p in net.parameters()) / 2**20}


def worker(which: str, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", which, "--model", args.model,
           "--batch-size", str(args.batch_size), "--steps", str(args.steps)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"the {which} worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", default="alexnet")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=2, help="training steps (the second shows a steady state)")
    p.add_argument("--worker", choices=("ours", "torch"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        run = run_ours if args.worker == "ours" else run_torch
        print(json.dumps(run(args.model, args.batch_size, args.steps)))
        return
    ours, theirs = worker("ours", args), worker("torch", args)
    ok = ours["growth_mb"] <= theirs["growth_mb"]
    print(f"# result: {args.model} batch {args.batch_size}, {args.steps} steps: peak memory of training "
          f"ours {ours['growth_mb']:,.0f} MB, PyTorch {theirs['growth_mb']:,.0f} MB "
          f"(weights {ours['weights_mb']:,.0f} MB) — {'met' if ok else 'NOT met'}: ours ≤ PyTorch's")


if __name__ == "__main__":
    main()
