"""Saving and loading weights (.npz, docs/model-format.md) and checkpoints for the Train mode.

The file dialogs are module functions so that tests can replace them. Every failure is one
sentence for the message line, never a dialog, so nothing modal appears while a run is paused.
Weights are read on a worker thread (``WeightsReader``): a 1 MB file may hold 800 MB of arrays,
which took the window 3 s to read.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QFileDialog, QWidget

from ...errors import UserError
from ...model import Network, check_arrays, clones, load_weights, save_weights
from .threads import Background, ThreadWorker
from .worker import report_failure, sentence

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
    from ...engine import TrainConfig, Trainer, checkpoint as ckpt

    data = ckpt.load(path)
    config = TrainConfig.from_dict(data["meta"]["config"])
    if epochs is not None and epochs > config.epochs:
        config.epochs = epochs
    return Trainer(network, dataset, config, checkpoint=data)


class WeightsReader(ThreadWorker):
    """Reads and checks a weights file on a worker thread, against a copy of the network made
    on the GUI thread (the document itself is only touched there)."""

    loaded = Signal(object)   # (path, arrays)
    failed = Signal(str)

    def __init__(self, path: str, network):
        super().__init__()
        self.path = path
        self.network = Network(clones(network.layers), network.name)

    def request_stop(self) -> None:
        pass   # one read, not interruptible; its answer is dropped when nobody waits for it

    def work(self) -> None:
        try:
            self.loaded.emit((self.path, load_weights(self.path, self.network)))
        except Exception as e:  # noqa: BLE001 — one sentence, never a crash
            self.failed.emit(sentence(report_failure(e, "the file operation")))


class WeightsActions:
    """The Train mode's weights and checkpoint actions (a mixin of ``TrainMode``, which provides
    ``weights`` (the window's WeightsHolder), ``trainer``, ``state``, ``busy``, ``network``, ``left``,
    ``say``, ``_refresh`` and ``resume_from``)."""

    def save_weights(self, path: Optional[str] = None) -> None:
        if not self.state.weights_still:
            return
        weights = self.weights.current(shipped=False)   # trained or loaded
        if weights is None:
            return
        path = path or ask_save(self.left, "Save weights", file_stem(self.network.name) + ".npz")
        if path:
            self._try(lambda: self.say(save_weights_file(weights, path), "good"))

    def load_weights(self, path: Optional[str] = None) -> None:
        """Read weights on a worker thread; the next run starts from them (``weights_loaded``
        tells when they have arrived, ``loading_weights`` while they are read)."""
        if self.busy or self.loading_weights:
            return
        path = path or ask_open(self.left, "Load weights")
        if not path:
            return
        job = Background(WeightsReader(path, self.network), "nn-designer weights")
        job.deliver(loaded=self._weights_read, failed=self._weights_failed,
                    thread_finished=self._weights_job_ended)
        self._weights_job, self._weights_report = job, self.network.report()
        self.say(f"Reading the weights in {path}…")
        job.start()

    @property
    def loading_weights(self) -> bool:
        return getattr(self, "_weights_job", None) is not None

    @Slot(object)
    def _weights_read(self, result) -> None:
        path, arrays = result
        if self.busy:
            self.say(f"The weights in {path} arrived after the run had started; they were not used.", "warn")
            return
        if self.network.report() is not self._weights_report:   # edited while they were read
            try:
                check_arrays(arrays, self.network, path)
            except UserError as e:
                self.say(sentence(str(e)), "error")
                return
        self.hold_weights(arrays, f"Loaded the weights in {path}")

    @Slot(str)
    def _weights_failed(self, text: str) -> None:
        self.say(text, "error")

    @Slot()
    def _weights_job_ended(self) -> None:
        self._weights_job = None
        self.weights_loaded.emit()

    def end_weights_job(self, timeout_ms: int) -> None:
        """Wait (bounded) for a weights read under way; for shutdown."""
        job = getattr(self, "_weights_job", None)
        if job is not None:
            job.shutdown(timeout_ms)

    def hold_weights(self, arrays: dict, what: str) -> None:
        """Hold ``arrays`` (checked against the network) as the weights the next run starts from,
        and that Learn and the exports use (through the window's WeightsHolder); ``what`` says
        where they came from."""
        self.trainer = None
        self.weights.set_loaded(arrays)
        self.say(f"{what}; the next run starts from them.", "good")
        self._refresh()

    def save_checkpoint(self, path: Optional[str] = None) -> None:
        if self.trainer is None or not self.state.weights_still:
            return
        path = path or ask_save(self.left, "Save checkpoint", file_stem(self.network.name) + "-checkpoint.npz")
        if path:
            self._try(lambda: self.say(save_checkpoint_file(self.trainer, path), "good"))

    def resume_checkpoint(self, path: Optional[str] = None) -> None:
        if self.busy:
            return
        path = path or ask_open(self.left, "Resume from a checkpoint")
        if path:
            self.resume_from(path)

    def _try(self, action: Callable) -> None:
        try:
            action()
        except Exception as e:  # noqa: BLE001 — one sentence, never a crash
            self.say(sentence(report_failure(e, "the file operation")), "error")

