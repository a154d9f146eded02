"""Saving and loading weights (.npz, docs/model-format.md) and checkpoints for the Train mode.

The file dialogs are module functions so that tests can replace them. Every failure is one
sentence for the message line, never a dialog, so nothing modal appears while a run is paused.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from PySide6.QtWidgets import QFileDialog, QWidget

from ...errors import UserError
from ...model import load_weights, save_weights

NPZ_FILTER = "NumPy archives (*.npz);;All files (*)"


def ask_save(parent: QWidget, title: str, suggested: str) -> str:
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, NPZ_FILTER)
    return path


def ask_open(parent: QWidget, title: str) -> str:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", NPZ_FILTER)
    return path


def with_suffix(path: str) -> Path:
    p = Path(path)
    return p if p.suffix.lower() == ".npz" else p.with_name(p.name + ".npz")


def file_stem(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in (name or "network").lower()).strip("-")


def save_weights_file(arrays: dict, path: str) -> str:
    """Write the weights; returns the sentence to show."""
    target = with_suffix(path)
    try:
        save_weights(target, arrays)
    except OSError as e:
        raise UserError(f"{target}: the weights cannot be written ({e.strerror or e})") from None
    return f"Saved the weights to {target}."


def load_weights_file(path: str, network) -> dict:
    """Read and check weights for ``network``; raises WeightsError with one sentence."""
    return load_weights(path, network)


def save_checkpoint_file(trainer, path: str) -> str:
    target = with_suffix(path)
    try:
        trainer.save_checkpoint(target)
    except OSError as e:
        raise UserError(f"{target}: the checkpoint cannot be written ({e.strerror or e})") from None
    done = trainer.epoch
    where = f"after epoch {done}" + (f", batch {trainer.batch} of the next" if trainer.batch else "")
    return f"Saved a checkpoint {where} to {target}; Resume checkpoint… continues from it."


def resumed_trainer(path: str, network, dataset, epochs: Optional[int] = None):
    """A Trainer continuing the run saved in ``path`` with its own settings (only the number of
    epochs may grow, as ``nn-designer train --resume`` allows). Runs on the worker thread."""
    from ...engine import checkpoint as ckpt
    from ...engine.training import TrainConfig, Trainer

    data = ckpt.load(path)
    config = TrainConfig.from_dict(data["meta"]["config"])
    if epochs is not None and epochs > config.epochs:
        config.epochs = epochs
    return Trainer(network, dataset, config, checkpoint=data)
