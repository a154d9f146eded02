"""The trainer's resumable state is one RunState that the checkpoint writes and reads: nothing
outside the trainer reaches into its private attributes, and a checkpoint gives back the state
it was taken from, field by field."""
from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import numpy as np

from designer.engine import checkpoint as ckpt
from designer.engine.data import Dataset
from designer.engine.progress import BatchProgress
from designer.engine.training import TrainConfig, Trainer
from designer.model import loads

ROOT = Path(__file__).resolve().parents[1]
MLP = """{"format": "nn-designer", "version": 1, "name": "mlp", "layers": [
  {"type": "input", "features": 4}, {"type": "dense", "units": 5}, {"type": "tanh"},
  {"type": "dense", "units": 3}, {"type": "softmax"}]}"""


def vectors(n=60):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    return Dataset("vectors", x, np.argmax(x[:, :3], axis=1).astype(np.int64), None, "test")


def stopped_trainer(epoch: int, batch: int) -> Trainer:
    """A trainer stopped after ``batch`` batches of epoch ``epoch`` (1-based)."""
    trainer = Trainer(loads(MLP), vectors(), TrainConfig(epochs=4, batch_size=8, val_split=0.2, seed=2))
    for event in trainer.run():
        if isinstance(event, BatchProgress) and (event.epoch, event.batch) == (epoch, batch):
            break
    return trainer


def assert_same_state(a: ckpt.RunState, b: ckpt.RunState):
    for f in dataclasses.fields(ckpt.RunState):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
            assert np.array_equal(x, y), f.name
        else:
            assert x == y, f.name


def test_a_checkpoint_gives_back_every_field_of_the_run_state(tmp_path):
    for epoch, batch in [(1, 2), (2, 6), (3, 1)]:  # mid-epoch, an epoch's last batch, a later epoch
        trainer = stopped_trainer(epoch, batch)
        state = trainer.state
        assert (state.epoch, state.batch) == (epoch - 1, batch)
        assert state.order is not None and state.samples == min(48, 8 * batch) and len(state.history) == epoch - 1
        path = tmp_path / f"run{epoch}.npz"
        trainer.save_checkpoint(path)
        again = Trainer.resume(path, loads(MLP), vectors())
        assert_same_state(again.state, state)
        assert again.state.order is not state.order and again.state.history is not state.history


def test_the_file_keeps_its_names_for_the_run_state():
    trainer = stopped_trainer(2, 3)
    saved = trainer.checkpoint()
    st = trainer.state
    assert saved["meta"]["sums"] == [st.loss_sum, st.correct, st.samples]
    assert (saved["meta"]["epoch"], saved["meta"]["batch"]) == (1, 3)
    assert np.array_equal(saved["arrays"]["perm"], st.order)
    saved["arrays"]["perm"][0] += 1  # a copy: the file does not alias the live order
    assert not np.array_equal(saved["arrays"]["perm"], st.order)


def test_no_module_reads_a_trainers_private_attributes():
    """``trainer._x`` outside the Trainer class is what RunState replaced."""
    found = []
    for path in [*(ROOT / "designer").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id == "trainer"):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} trainer.{node.attr}")
    assert not found, found
