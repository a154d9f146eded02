"""How long can the GUI event loop stall while LeNet-5 trains in the window?

A 5 ms QTimer probe records the time between its ticks while the Train mode trains LeNet-5 at
batch 64 (the real window, plots, feature maps and confusion matrix updating). A stall is a tick
that comes later than it should: gap − 5 ms. The goal is a longest stall under 50 ms.
Then three more runs are stopped in the middle, timing Stop until the run has ended (goal:
under 200 ms).

    /work/venv/bin/python bench/gui_stall.py [--data shapes] [--epochs 10] [--switch-interval S]

Runs offscreen unless QT_QPA_PLATFORM says otherwise; prints a summary line and, with --json,
one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PROBE_MS = 5


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="shapes", help="data set for LeNet-5 (default: shapes, 2000 images)")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--switch-interval", type=float, default=None,
                   help="sys.setswitchinterval for the run (Python's default is 0.005 s)")
    p.add_argument("--blas-threads", type=int, default=None,
                   help="BLAS threads while training (default: the app's choice, every core but one)")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)

    from PySide6.QtCore import QElapsedTimer, QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from designer.ui.main_window import MainWindow
    from designer.engine import blas
    from designer.ui.training.state import TrainState

    if args.blas_threads is not None:
        blas.training_threads = lambda: args.blas_threads

    settings = QSettings(tempfile.mktemp(suffix=".ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, recovery_dir=Path(tempfile.mkdtemp()))
    window.files.new_from_template("lenet5")
    window.resize(1600, 1000)
    window.show()
    window.set_mode("Train")
    mode = window.train_mode

    def wait(condition, seconds=120.0):
        end = time.monotonic() + seconds
        while not condition() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.002)

    mode.data.load(args.data)
    wait(lambda: mode.dataset is not None and not mode.data.loading)
    mode.panel.set_config(dict(epochs=args.epochs, batch_size=args.batch_size, lr=0.05, momentum=0.9))

    gaps: list = []
    clock = QElapsedTimer()
    probe = QTimer()
    probe.setInterval(PROBE_MS)
    last = [None]

    def tick():
        now = clock.nsecsElapsed() / 1e6
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now

    probe.timeout.connect(tick)
    updates = {"batch": 0, "probed": 0}
    done = {"finished": None}

    def started(state):
        if state is TrainState.STARTING and mode.run is not None:
            mode.run.worker.batch.connect(lambda _u: updates.__setitem__("batch", updates["batch"] + 1))
            mode.run.worker.probed.connect(lambda _d: updates.__setitem__("probed", updates["probed"] + 1))

    mode.state_changed.connect(started)
    mode.run_finished.connect(lambda f: (done.__setitem__("finished", f), app.quit()))
    clock.start()
    probe.start()
    t0 = time.perf_counter()
    QTimer.singleShot(0, mode.start)
    app.exec()
    seconds = time.perf_counter() - t0
    probe.stop()
    finished = done["finished"]
    trainer = mode.trainer
    samples = trainer.epoch * len(trainer.train_x) if trainer is not None else 0

    # Stop latency: from pressing Stop in the middle of a run to the end of the run (the worker
    # stops between batches), measured a few times.
    latencies, early = [], 0
    for _ in range(3):
        pressed = {}

        def press():
            if "ended" in pressed:
                return  # the run finished before Stop could be pressed (a fast machine)
            pressed["t"] = time.perf_counter()
            mode.panel.stop.click()

        def ended(_finished):
            nonlocal early
            pressed["ended"] = True
            if "t" in pressed:
                latencies.append((time.perf_counter() - pressed["t"]) * 1000)
            else:
                early += 1
            app.quit()

        mode.run_finished.disconnect()
        mode.run_finished.connect(ended)
        QTimer.singleShot(0, mode.start)
        QTimer.singleShot(700, press)
        app.exec()
    window.close()

    stalls = sorted(max(0.0, g - PROBE_MS) for g in gaps)
    result = {
        "data": args.data, "batch_size": args.batch_size, "epochs": args.epochs,
        "switch_interval": sys.getswitchinterval(), "blas_threads": blas.training_threads(),
        "outcome": finished.reason if finished else "failed",
        "seconds": round(seconds, 2),
        "samples_per_second": round(samples / seconds, 1) if seconds else 0.0,
        "ticks": len(gaps),
        "longest_stall_ms": round(stalls[-1], 2) if stalls else None,
        "p99_stall_ms": round(stalls[int(0.99 * (len(stalls) - 1))], 2) if stalls else None,
        "median_gap_ms": round(sorted(gaps)[len(gaps) // 2], 2) if gaps else None,
        "stalls_over_50ms": sum(1 for s in stalls if s > 50),
        "batch_signals": updates["batch"], "view_updates": updates["probed"],
        "stop_latency_ms": [round(v, 1) for v in latencies],
        "runs_ended_before_stop": early,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"LeNet-5 on {args.data}, batch {args.batch_size}, {args.epochs} epochs "
              f"({result['outcome']}, {result['seconds']} s, {result['samples_per_second']} img/s): "
              f"longest GUI stall {result['longest_stall_ms']} ms, p99 {result['p99_stall_ms']} ms, "
              f"{result['stalls_over_50ms']} stalls over 50 ms in {result['ticks']} ticks; "
              f"Stop took {', '.join(f'{v:.0f}' for v in result['stop_latency_ms']) or '(not measured)'} ms"
              + (f" ({early} run(s) ended before Stop: use more --epochs) " if early else " ")
              + 
              f"(switch interval {result['switch_interval']} s, {result['blas_threads']} BLAS threads)")
    ok = result["longest_stall_ms"] is not None and result["longest_stall_ms"] < 50 \
        and latencies and max(latencies) < 200
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
