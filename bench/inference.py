"""``predict``'s forward pass against onnxruntime on the same exported model.

    python bench/inference.py [--rounds 3] [--repeats 5] [--only resnet18,...] [--markdown]

For each model (ResNet-18 and MobileNetV2 from the templates; GoogLeNet imported from the onnx
package's ``light_inception_v1.onnx``) the parent process builds the design with seeded random
weights, writes the weights file and exports it with ``nn-designer``'s ONNX export (a batch
dimension of any size), so both engines run the same network with the same weights. Then, for
batch 1 and batch 8, each engine runs in its own fresh process, alternating ours, onnxruntime,
ours, onnxruntime… for ``--rounds`` rounds: a worker warms up with two passes and reports the best
of ``--repeats`` timed passes (other work on a shared machine only ever slows a pass down) and
its peak memory (VmHWM, imports included). A figure is the median of the rounds' bests; the
ratio is onnxruntime's time over ours (above 1: ours is faster). The load column is the highest
1-minute load average seen. Ours is ``EngineNet.predict`` as ``nn-designer predict`` calls it
(evaluation mode, no engine settings entered); onnxruntime its default CPU session (all cores).

Each worker also prints a checksum of its outputs; the parent checks the two engines agree.
Target: ours/onnxruntime speed ratio at least 0.5.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

MODELS = ["resnet18", "mobilenet_v2", "googlenet"]
BATCHES = [1, 8]


def load_network(name: str):
    """The design of ``name``: a template, or GoogLeNet imported from the onnx package's light copy."""
    if name == "googlenet":
        import onnx
        from designer.onnx_import import import_onnx
        light = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light" / "light_inception_v1.onnx"
        return import_onnx(light).network
    from designer.model import load_model
    return load_model(name)


def prepare(name: str, folder: Path) -> tuple:
    """(weights .npz, model .onnx) of the design with seeded random weights."""
    from designer.engine.net import EngineNet
    from designer.export.onnx import onnx_model
    network = load_network(name)
    arrays = EngineNet(network, np.float32, seed=0).state_dict()
    weights, model = folder / f"{name}.npz", folder / f"{name}.onnx"
    np.savez(weights, **arrays)
    model.write_bytes(onnx_model(network, arrays).SerializeToString())
    return weights, model


def timed(run, repeats: int) -> tuple:
    """(best seconds of ``repeats`` calls after two warm-up calls, the last output)."""
    out = run()
    run()
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t0)
    return best, out


def peak_mb() -> float:
    """This process's peak resident memory: VmHWM, which starts afresh at exec (ru_maxrss would
    carry the parent's peak over, and the parent holds the models it exported)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_worker(args) -> None:
    x = np.random.default_rng(1).random((args.batch, 3, 224, 224), dtype=np.float32)
    if args.worker == "ours":
        from designer.engine.net import EngineNet
        net = EngineNet(load_network(args.name), np.float32)
        with np.load(args.weights) as f:
            net.load_state_dict({k: f[k] for k in f.files})
        best, out = timed(lambda: net.predict(x), args.repeats)
    else:
        import onnxruntime as ort
        session = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
        best, out = timed(lambda: session.run(None, {"input": x})[0], args.repeats)
    out = np.asarray(out, np.float64).reshape(len(x), -1)
    print(json.dumps({"seconds": best, "peak_mb": peak_mb(),
                      "checksum": [float(out.sum()), float(np.abs(out).sum())]}))


def worker(which: str, name: str, batch: int, files: tuple, args) -> dict:
    cmd = [sys.executable, __file__, "--worker", which, "--name", name, "--batch", str(batch),
           "--weights", str(files[0]), "--onnx", str(files[1]), "--repeats", str(args.repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{which} on {name}: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--only", default="")
    p.add_argument("--markdown", action="store_true")
    p.add_argument("--worker", choices=("ours", "onnxruntime"), help=argparse.SUPPRESS)
    p.add_argument("--name", help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, help=argparse.SUPPRESS)
    p.add_argument("--weights", help=argparse.SUPPRESS)
    p.add_argument("--onnx", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        run_worker(args)
        return
    names = [n for n in args.only.split(",") if n] or MODELS
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            files = prepare(name, Path(tmp))
            for batch in BATCHES:
                ours, theirs, load = [], [], 0.0
                for _ in range(args.rounds):
                    ours.append(worker("ours", name, batch, files, args))
                    load = max(load, os.getloadavg()[0])
                    theirs.append(worker("onnxruntime", name, batch, files, args))
                    load = max(load, os.getloadavg()[0])
                a, b = ours[-1]["checksum"], theirs[-1]["checksum"]
                agree = abs(a[0] - b[0]) <= 1e-3 * max(b[1], 1e-12)
                o = statistics.median(r["seconds"] for r in ours)
                t = statistics.median(r["seconds"] for r in theirs)
                rows.append([name, str(batch), f"{o * 1e3:.1f}", f"{t * 1e3:.1f}", f"{t / o:.2f}",
                             f"{max(r['peak_mb'] for r in ours):.0f}", f"{max(r['peak_mb'] for r in theirs):.0f}",
                             f"{load:.1f}", "yes" if agree else "NO"])
                print(f"# {name} batch {batch}: ratio {t / o:.2f}", file=sys.stderr, flush=True)
    head = ["model", "batch", "ours ms", "onnxruntime ms", "ratio", "ours MB", "onnxruntime MB", "load", "outputs agree"]
    import platform
    print(f"# {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores ({platform.machine()}), NumPy {np.__version__}; "
          f"median of {args.rounds} alternating rounds, each the best of {args.repeats} passes")
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(head, *rows)]
        for r in [head] + rows:
            print("  ".join(x.ljust(w) if i == 0 else x.rjust(w) for i, (x, w) in enumerate(zip(r, widths))))
    low = [f"{r[0]} batch {r[1]}: {r[4]}" for r in rows if float(r[4]) < 0.5]
    print("target NOT met (ratio < 0.50): " + "; ".join(low) if low else "target met: every ratio >= 0.50")


if __name__ == "__main__":
    main()
