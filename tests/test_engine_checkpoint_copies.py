"""A checkpoint copies the weights once and fingerprints the data once per trainer."""
from __future__ import annotations

import numpy as np

from designer.engine import checkpoint as ckpt
from designer.engine.training import TrainConfig, Trainer
from designer.model import loads
from training_support import SMALL_CNN, images


def test_capture_copies_the_weights_once():
    trainer = Trainer(loads(SMALL_CNN), images(), TrainConfig(epochs=1, batch_size=16))
    copies = trainer.net.state_dict()
    trainer.net.state_dict = lambda: copies
    arrays = ckpt.capture(trainer)["arrays"]
    for key, value in copies.items():
        assert arrays[f"weights/{key}"] is value  # the state_dict's copy, not a copy of it
    del trainer.net.state_dict
    arrays = ckpt.capture(trainer)["arrays"]
    for key, live in trainer.net.arrays.items():
        assert not np.shares_memory(arrays[f"weights/{key}"], live)


def test_the_data_is_fingerprinted_once_per_trainer(monkeypatch, tmp_path):
    calls, real = [], ckpt.data_fingerprint
    monkeypatch.setattr(ckpt, "data_fingerprint", lambda d: calls.append(1) or real(d))
    config = TrainConfig(epochs=1, batch_size=16)
    trainer = Trainer(loads(SMALL_CNN), images(), config)
    for i in range(3):
        trainer.save_checkpoint(tmp_path / f"{i}.npz")
    assert len(calls) == 1
    calls.clear()
    resumed = Trainer.resume(tmp_path / "0.npz", loads(SMALL_CNN), images())
    resumed.checkpoint()
    assert len(calls) == 1
    assert ckpt.capture(resumed)["meta"]["data"] == real(images())
