"""What the training loop reports: ``BatchProgress`` after every step, ``EpochProgress`` after every
epoch, and ``Finished`` once at the end; and the history CSV written from the epoch records.

Epochs and batches are counted from 1. Accuracies are fractions in [0, 1] and are ``None`` where
there are no class labels (target vectors); validation values are ``None`` without a validation set.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import Optional

import numpy as np

HISTORY_COLUMNS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "seconds")


@dataclass(frozen=True)
class BatchProgress:
    """After one training step. ``loss`` and ``acc`` are this batch's; ``epoch_loss`` and
    ``epoch_acc`` the running means over the epoch so far (what a progress bar shows)."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    loss: float
    acc: Optional[float]
    samples_per_second: float
    eta_seconds: float
    lr: float
    epoch_loss: float = float("nan")
    epoch_acc: Optional[float] = None


@dataclass(frozen=True)
class EpochProgress:
    """After one epoch and its validation. ``lr`` is the rate used during the epoch; ``confusion``
    is the k×k count matrix on the validation set (rows: true class, columns: predicted), or None
    (no validation, target vectors, or more than ``training.CONFUSION_MAX_CLASSES`` classes)."""

    epoch: int
    epochs: int
    train_loss: float
    train_acc: Optional[float]
    val_loss: Optional[float]
    val_acc: Optional[float]
    lr: float
    seconds: float
    confusion: Optional[np.ndarray] = field(default=None, compare=False)

    def record(self) -> dict:
        """The history row: the HISTORY_COLUMNS as a dict."""
        return {name: getattr(self, name) for name in HISTORY_COLUMNS}


@dataclass(frozen=True)
class Finished:
    """The end of a run. ``reason``: "completed", "stopped" or "diverged"; ``message``: one sentence;
    ``history``: one dict per finished epoch (HISTORY_COLUMNS), from the start of training."""

    reason: str
    message: str
    history: list


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return repr(float(value))


def history_csv(history: list) -> str:
    """The history as CSV text: a header row and one row per epoch; missing values are empty."""
    out = io.StringIO()
    out.write(",".join(HISTORY_COLUMNS) + "\n")
    for row in history:
        out.write(",".join(_cell(row.get(name)) for name in HISTORY_COLUMNS) + "\n")
    return out.getvalue()


def write_history(path, history: list) -> None:
    from ..atomic import write_text_atomic
    write_text_atomic(path, history_csv(history))


def clock_text(seconds, unknown: str = "—") -> str:
    """A duration as a clock: 0:42, 3:05, 1:02:03; ``unknown`` when it is not a finite, non-negative
    number (an ETA before the first batch)."""
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return unknown
    h, rest = divmod(int(round(seconds)), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
