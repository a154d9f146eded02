"""Freed memory kept between training steps (designer/engine/heap.py): after the first steps, a
step of a convolutional network makes (next to) no page faults, and a training run gives the
memory back to the system when it ends."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from designer.engine import heap
from designer.engine.data import load_data
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model

glibc = pytest.mark.skipif(heap._glibc() is None, reason="malloc is not glibc's")

# A fresh process (no other test's allocations): the page faults of 3 steps of ResNet-20 at batch
# 32, after 2 warm-up steps. Freed memory returned to the kernel would fault in again every step
# (thousands of faults: the activations are tens of megabytes).
STEPS = textwrap.dedent("""
    import resource, sys
    sys.path.insert(0, "bench")
    from engine_vs_torch import step_ours
    from designer.engine.process import engine_running
    settings = engine_running(training=False)   # as a benchmark; kept referenced: this process ends
    settings.__enter__()
    step = step_ours("resnet20", 32)
    step(); step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(3):
        step()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
""")


@glibc
@pytest.mark.slow
def test_training_steps_reuse_the_memory_the_last_step_freed():
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", STEPS], capture_output=True, text=True, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr
    faults = int(done.stdout.split()[-1])
    assert faults < 1000, f"{faults} page faults in 3 steps"


@glibc
def test_keeping_freed_memory_takes_effect_and_is_let_go():
    try:
        assert heap.keep_freed_memory() is True and heap.kept()
        assert heap.keep_freed_memory() is True  # idempotent
    finally:
        heap.let_go()
    assert not heap.kept()


def test_a_run_gives_its_memory_back_when_it_ends(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "give_back", lambda: calls.append(1))
    trainer = Trainer(load_model("perceptron"), load_data("blobs:60"), TrainConfig(epochs=1, batch_size=16, loss="mse"))
    events = trainer.run()
    next(events)
    assert calls == []
    events.close()  # a run stopped early (a closed window) gives back too
    assert calls == [1]
    list(Trainer(load_model("perceptron"), load_data("blobs:60"),
                 TrainConfig(epochs=1, batch_size=16, loss="mse")).run())
    assert calls == [1, 1]
