"""The training worker: a QObject moved to a QThread that drives the engine's ``Trainer.run()``
generator and relays what happens as signals.

* Batch progress is throttled to about ten signals a second (``BatchUpdate`` carries every batch
  loss since the previous one, so the loss curve misses nothing); epoch ends, the final result
  and failures are always delivered.
* Stop, pause and resume are thread-safe flags. Stop reaches the trainer, which abandons a batch
  under way between two of its layers (and undoes it), so even an AlexNet batch of several
  seconds stops within one layer's time; pause waits for the end of the batch.
* Views' data (feature maps, the first convolution's filters, the decision boundary) are computed
  here between two batches, while the weights are still, and sent as copies.
* The worker never touches a widget; every failure becomes one sentence on ``failed``, and a
  failure that is a bug is also reported as one (``report_failure``: the bug dialog and its log).

The GUI side is ``TrainingRun``: it owns the thread, starts it, and at shutdown stops the worker
and waits for the thread a bounded time.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
from PySide6.QtCore import QObject, Signal

from ...engine import BatchProgress, EpochProgress, Finished, clock_text
from ...errors import UserError, describe
from ..bug_report import report_bug
from . import probes
from .threads import Background, ThreadWorker

UPDATE_INTERVAL = 0.1   # seconds between two batch signals (≈10 a second)
PROBE_INTERVAL = 0.5    # seconds between two refreshes of feature maps, filters and boundary


@dataclass
class BatchUpdate:
    """Batches since the previous update: ``x`` is the position in epochs (epoch − 1 + batch /
    batches) of each, ``loss`` and ``acc`` their values; ``latest`` the last BatchProgress."""
    latest: BatchProgress
    x: list = field(default_factory=list)
    loss: list = field(default_factory=list)
    acc: list = field(default_factory=list)


def position(event: BatchProgress) -> float:
    """Where a batch lies on the plots' x axis, in epochs."""
    return event.epoch - 1 + event.batch / max(1, event.batches)


def is_bug(exc: BaseException) -> bool:
    """Whether an exception is a bug in NN Designer: not bad input (UserError), not the machine
    running out of memory, not the system refusing a file."""
    return not isinstance(exc, (UserError, MemoryError, OSError))


def failure_sentence(exc: BaseException, doing: str) -> str:
    """One sentence for an exception: a UserError's own, else what failed and why; a bug is said
    to be one."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return f"{doing} ran out of memory; try a smaller batch size"
    if is_bug(exc):
        return f"{doing} stopped because of a bug in NN Designer ({describe(exc)}); the bug report has the details"
    text = str(exc) or exc.__class__.__name__
    return f"{doing} failed: {text} ({exc.__class__.__name__})"


def report_failure(exc: BaseException, doing: str) -> str:
    """``failure_sentence``, after reporting a bug as one (the dialog and the log)."""
    if is_bug(exc):
        report_bug(exc)
    return failure_sentence(exc, doing)


def sentence(text: str) -> str:
    """``text`` as a sentence: capital first letter and a full stop."""
    text = (text or "").strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "?", "!", "…")) else text + "."


class TrainWorker(ThreadWorker):
    ready = Signal(object)       # the Trainer, once built (the GUI reads it only when no batch runs)
    batch = Signal(object)       # BatchUpdate, throttled
    epoch = Signal(object)       # EpochProgress, every one
    probed = Signal(object)      # dict: "maps" (layer, array), "filters" array, "boundary" Boundary
    paused = Signal()            # the worker now waits between two batches
    resumed = Signal()
    note = Signal(str)           # a non-fatal problem (a view that could not be computed)
    finished = Signal(object)    # Finished: the last signal of a run that ended normally
    failed = Signal(str)         # one sentence: the last signal of a run that could not go on

    def __init__(self, make_trainer: Callable, spec: Optional[probes.ProbeSpec] = None,
                 update_interval: float = UPDATE_INTERVAL, probe_interval: float = PROBE_INTERVAL):
        super().__init__()
        self._make_trainer = make_trainer
        self.spec = spec or probes.ProbeSpec()
        self.update_interval = update_interval
        self.probe_interval = probe_interval
        self.trainer = None
        self._stop = threading.Event()
        self._go = threading.Event()
        self._go.set()
        self._lock = threading.Lock()
        self._prober = probes.Prober()
        self._want_probe = threading.Event()

    # ------------------------------------------------------------------ thread-safe controls
    def request_stop(self) -> None:
        with self._lock:
            self._stop.set()
            if self.trainer is not None:
                self.trainer.request_stop()
        self._go.set()

    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    def refresh_probes(self) -> None:
        """Recompute the views at the next batch boundary (the user chose another layer or sample)."""
        self._want_probe.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # ------------------------------------------------------------------ the run, in the worker thread
    def work(self) -> None:
        try:
            trainer = self._make_trainer()
        except Exception as e:  # noqa: BLE001 — shown as a sentence
            self.failed.emit(report_failure(e, "preparing the training"))
            return
        with self._lock:
            self.trainer = trainer
            if self._stop.is_set():
                trainer.request_stop()
        self.ready.emit(trainer)
        self._probe(trainer)
        pending: Optional[BatchUpdate] = None
        last_update = last_probe = time.monotonic()
        try:
            for event in trainer.run():
                now = time.monotonic()
                if isinstance(event, BatchProgress):
                    if pending is None:
                        pending = BatchUpdate(event)
                    pending.latest = event
                    pending.x.append(position(event))
                    pending.loss.append(event.loss)
                    pending.acc.append(event.acc)
                    if now - last_update >= self.update_interval:
                        self.batch.emit(pending)
                        pending, last_update = None, now
                    if now - last_probe >= self.probe_interval or self._want_probe.is_set():
                        self._probe(trainer)
                        last_probe = time.monotonic()
                    if pending is not None and not self._go.is_set():
                        # Pausing: the batches not sent yet go first, so that the paused state
                        # names the batch the run waits after.
                        self.batch.emit(pending)
                        pending, last_update = None, now
                    self._wait_while_paused(trainer)
                    continue
                if pending is not None:
                    self.batch.emit(pending)
                    pending, last_update = None, now
                if isinstance(event, EpochProgress):
                    self.epoch.emit(event)
                    if now - last_probe >= self.probe_interval or event.epoch == event.epochs:
                        self._probe(trainer)
                        last_probe = time.monotonic()
                    self._wait_while_paused(trainer)
                elif isinstance(event, Finished):
                    self._probe(trainer)
                    self.finished.emit(event)
        except Exception as e:  # noqa: BLE001 — shown as a sentence
            if pending is not None:
                self.batch.emit(pending)
            self.failed.emit(report_failure(e, "training"))

    def _wait_while_paused(self, trainer) -> None:
        if self._go.is_set():
            return
        self.paused.emit()
        while not self._go.wait(0.02):
            if self._want_probe.is_set():
                self._probe(trainer)
        if not self._stop.is_set():
            self.resumed.emit()

    # ------------------------------------------------------------------ views
    def _probe(self, trainer) -> None:
        self._want_probe.clear()
        data, notes = self._prober.compute(trainer, self.spec)
        for what, exc in notes:
            self.note.emit(report_failure(exc, f"drawing {what}"))
        if data:
            self.probed.emit(data)


class ProbeWorker(ThreadWorker):
    """Computes the views once for a trainer that is not running (the user chose another layer
    or sample after training), off the GUI thread."""

    probed = Signal(object)
    note = Signal(str)

    def __init__(self, trainer, spec: probes.ProbeSpec):
        super().__init__()
        self.trainer, self.spec = trainer, probes.ProbeSpec(spec.layer, spec.sample)

    def request_stop(self) -> None:
        pass  # one short computation

    def work(self) -> None:
        data, notes = probes.Prober().compute(self.trainer, self.spec)
        for what, exc in notes:
            self.note.emit(report_failure(exc, f"drawing {what}"))
        if data:
            self.probed.emit(data)


class TrainingRun(Background):
    """One run on its own thread, seen from the GUI: ``start``, ``pause``, ``resume``, ``stop``,
    ``shutdown`` (stop and join, bounded). Connect to the worker's signals with ``deliver`` before
    ``start``."""

    def __init__(self, make_trainer: Callable, spec: Optional[probes.ProbeSpec] = None,
                 parent: Optional[QObject] = None, **intervals):
        super().__init__(TrainWorker(make_trainer, spec, **intervals), "nn-designer training", parent)

    def pause(self) -> None:
        self.worker.pause()

    def resume(self) -> None:
        self.worker.resume()


def eta_text(seconds: float) -> str:
    """0:42, 1:05:09, or — when unknown."""
    return clock_text(seconds)


def finite(value) -> bool:
    return value is not None and isinstance(value, (int, float, np.floating)) and math.isfinite(value)
