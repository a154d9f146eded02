"""The training progress bar on the terminal (standard error).

On a terminal, one line is redrawn in place (at most ten times a second) with the epoch, the batch,
the running loss and accuracy, samples per second and the time left; each finished epoch leaves one
line with its training and validation figures. When standard error is not a terminal (a log file),
only the epoch lines are written.
"""
from __future__ import annotations

import sys
import time

from ..engine import BatchProgress, EpochProgress, Finished, clock_text


def duration(seconds: float) -> str:
    """12 s, 3:05, 1:02:03; ? when unknown."""
    if seconds == seconds and 0 <= seconds < 59.5:
        return f"{int(round(seconds))} s"
    return clock_text(seconds, "?")


def _pct(acc) -> str:
    return "–" if acc is None else f"{100 * acc:.2f} %"


class ProgressBar:
    def __init__(self, stream=None, unit: str = "samples", width: int = 24, interval: float = 0.1):
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.unit, self.width, self.interval = unit, width, interval
        self._last = 0.0
        self._drawn = False

    def update(self, event) -> None:
        if isinstance(event, BatchProgress):
            if self.tty:
                now = time.monotonic()
                if now - self._last >= self.interval or event.batch == event.batches:
                    self._last = now
                    self._draw(self.batch_line(event))
        elif isinstance(event, EpochProgress):
            self._clear()
            self.stream.write(self.epoch_line(event) + "\n")
            self.stream.flush()
        elif isinstance(event, Finished):
            self._clear()

    def batch_line(self, e: BatchProgress) -> str:
        filled = int(self.width * e.batch / e.batches)
        bar = "#" * filled + "." * (self.width - filled)
        acc = "" if e.epoch_acc is None else f"  acc {_pct(e.epoch_acc)}"
        return (f"epoch {e.epoch}/{e.epochs} [{bar}] {e.batch}/{e.batches}  loss {e.epoch_loss:.4f}{acc}"
                f"  {e.samples_per_second:,.0f} {self.unit}/s  ETA {duration(e.eta_seconds)}")

    @staticmethod
    def epoch_line(e: EpochProgress) -> str:
        text = f"epoch {e.epoch}/{e.epochs}  train loss {e.train_loss:.4f}"
        if e.train_acc is not None:
            text += f" acc {_pct(e.train_acc)}"
        if e.val_loss is not None:
            text += f"  val loss {e.val_loss:.4f}"
            if e.val_acc is not None:
                text += f" acc {_pct(e.val_acc)}"
        return text + f"  lr {e.lr:g}  {duration(e.seconds)}"

    def _draw(self, line: str) -> None:
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
