"""The training loop: the course's recipe (SGD with momentum, L2 weight decay, a learning-rate
schedule, a seeded shuffle each epoch, a validation split) as a generator.

    trainer = Trainer(network, dataset, TrainConfig(epochs=15, lr=0.05))
    for event in trainer.run():      # BatchProgress ..., EpochProgress, ..., Finished
        ...

``run()`` yields a ``BatchProgress`` after every step, an ``EpochProgress`` after every epoch (with
the validation loss, accuracy and confusion matrix) and finally one ``Finished``. ``request_stop()``
(from any thread) stops it with ``Finished("stopped")``, abandoning a batch under way between two
of its layers (as if the stop had come just before that batch); a consumer may also just stop
iterating. A NaN or infinite loss, or a step that would make a weight non-finite, ends the run
with ``Finished("diverged")`` and the weights of the last step taken (its loss and its update were
finite): a step is checked before it is applied, so no copy of the weights is needed. ``save_checkpoint(path)`` / ``Trainer.resume(path, ...)``
continue a run exactly where it stopped, even in the middle of an epoch.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from dataclasses import dataclass
from typing import Optional

import numpy as np

from ..errors import UserError
from ..model import WeightsError, read_npz
from . import checkpoint as ckpt
from . import data as datamod
from .augment import make_augment
from .losses import FOLDED, SIGNED_OUTPUTS, check_loss, cross_entropy, make_targets, mse
from .net import EngineNet, Interrupted
from .optim import SGD
from .process import runs_engine
from .progress import BatchProgress, EpochProgress, Finished
from .schedules import schedule_from_spec
from .settings import SETTING, check_settings

# A k×k confusion matrix is k² counts: past this many classes it would cost more than the data it
# summarises (10⁴ outputs: 800 MB an epoch), and the window draws at most 30.
CONFUSION_MAX_CLASSES = 100


class TrainingError(UserError):
    """A training setting or a network/data pair that cannot be trained; one sentence."""


@dataclass
class TrainConfig:
    """Settings of a run: one field per setting of ``settings.SETTINGS``, with its default (the
    command line's, docs/cli.md) and its check.

    ``schedule`` is a spec such as ``"constant"``, ``"step:step_size=5,gamma=0.5"`` or
    ``"plateau:patience=2"`` (see schedules.py); ``augment`` an augmentation spec for image data
    (see augment.py) or None; ``shuffle`` False keeps the file order in every epoch.
    """

    epochs: int = SETTING["epochs"].default
    batch_size: int = SETTING["batch_size"].default
    lr: float = SETTING["lr"].default
    momentum: float = SETTING["momentum"].default
    weight_decay: float = SETTING["weight_decay"].default
    loss: str = SETTING["loss"].default
    val_split: float = SETTING["val_split"].default
    seed: int = SETTING["seed"].default
    schedule: str = SETTING["schedule"].default
    init: str = SETTING["init"].default
    augment: Optional[str] = SETTING["augment"].default
    dtype: str = SETTING["dtype"].default
    shuffle: bool = SETTING["shuffle"].default

    def check(self) -> "TrainConfig":
        """Raise SettingError (one sentence) for a setting that cannot be used; the values become
        plain Python values (JSON in checkpoints)."""
        for name, value in check_settings(self.to_dict()).items():
            setattr(self, name, value)
        schedule_from_spec(self.schedule, self.lr)  # a schedule's options against this rate
        return self

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class Trainer:
    """Trains one network on one data set. ``net`` is the EngineNet being trained."""

    def __init__(self, network, dataset, config: Optional[TrainConfig] = None, weights=None,
                 checkpoint=None, data_spec: Optional[str] = None):
        self.network, self.dataset = network, dataset
        self.data_spec = data_spec  # recorded in checkpoints, so a resume can read the data again
        self.config = config = (config or TrainConfig()).check()
        report = network.report()
        if report.problems:
            raise TrainingError(f"the network cannot train while it has errors: {report.problems[0]}")
        if report.input is None:
            raise TrainingError("the network cannot train: its first layer is not an input layer")
        datamod.check_fits(dataset, report.input)
        datamod.check_outputs(dataset, report.output)
        self.n_out = int(report.output[0])
        self.last_type = network.layers[-1].type
        check_loss(config.loss, self.last_type)
        if config.loss == "cross_entropy" and self.n_out < 2:
            raise TrainingError("the cross_entropy loss needs at least two outputs, but the network has one; "
                                "train it with the mse loss")

        self.dtype = np.dtype(config.dtype)
        self.net = EngineNet(network, dtype=self.dtype, seed=config.seed, init=config.init)
        if weights is not None:  # checked (once) as the net loads them
            arrays, source = (weights, "the weights") if isinstance(weights, dict) else \
                (read_npz(weights, WeightsError), str(weights))
            self.net.load_state_dict(arrays, source)

        train, val = datamod.split(dataset, config.val_split, config.seed)
        self.train_x, self.train_y = self._arrays(train)
        self.val_x, self.val_y = self._arrays(val) if val is not None and len(val) else (None, None)
        self.train_labels = None if dataset.has_targets else train.y
        self.val_labels = None if (dataset.has_targets or val is None) else val.y
        self.classes = None if dataset.has_targets else max(dataset.num_classes, 2 if self.n_out == 1 else self.n_out)
        if len(train) == 0:
            raise TrainingError(f"the data {dataset.name} leaves no samples to train on after the validation split")

        self.schedule = schedule_from_spec(config.schedule, config.lr)
        self.optimizer = SGD(self.net.params, lr=config.lr, momentum=config.momentum,
                             weight_decay=config.weight_decay)
        self.augment = _make_augment(config, dataset)
        # The shuffle has its own stream, apart from the net's (initialisation, dropout).
        self.rng = np.random.default_rng(np.random.SeedSequence(config.seed, spawn_key=(1,)))
        self._generators = ckpt.generators(self)  # every generator of the run, in a fixed order

        self.state = ckpt.RunState()  # epoch, batch, order, running sums, history: what resumes
        self._stop = threading.Event()
        self.net.interrupt = self._stop.is_set  # a long batch is abandoned between two layers
        self._epoch_start = None
        if checkpoint is not None:
            ckpt.restore(self, ckpt.as_checkpoint(checkpoint))

    # ------------------------------------------------------------------ public
    @classmethod
    def resume(cls, path, network, dataset, config: Optional[TrainConfig] = None) -> "Trainer":
        """A trainer that continues the run saved in ``path``. ``config`` defaults to the saved one;
        only ``epochs`` may differ from it (to train longer) without changing the result."""
        data = ckpt.as_checkpoint(path)
        if config is None:
            config = TrainConfig.from_dict(data["meta"]["config"])
        return cls(network, dataset, config, checkpoint=data)

    @functools.cached_property
    def data_fingerprint(self) -> dict:
        """The data set's fingerprint that checkpoints carry (a CRC of every sample), computed
        once: the data set does not change during a run."""
        return ckpt.data_fingerprint(self.dataset)

    def request_stop(self) -> None:
        """Stop as soon as possible: ``run()`` then yields ``Finished("stopped")``. A batch under
        way is abandoned between two of its layers and undone (random states, batchnorm
        statistics), so the run stops as if just before that batch. Thread-safe."""
        self._stop.set()

    # Read-only views of the run's state for the window and the command line.
    @property
    def epoch(self) -> int:
        """Finished epochs."""
        return self.state.epoch

    @property
    def batch(self) -> int:
        """Finished batches of the current epoch."""
        return self.state.batch

    @property
    def history(self) -> list:
        """One row per finished epoch (EpochProgress.record())."""
        return self.state.history

    @property
    def batches(self) -> int:
        return -(-len(self.train_x) // self.config.batch_size)

    def checkpoint(self) -> dict:
        """Everything needed to continue exactly: weights, optimizer, schedule, position, history,
        config and random states (a dict of ``meta`` and arrays)."""
        return ckpt.capture(self)

    def save_checkpoint(self, path) -> None:
        ckpt.save(path, self.checkpoint())

    @runs_engine  # one BLAS-thread policy for the app and the command line; memory kept between steps
    def run(self):
        """The generator of progress events; see the module docstring."""
        cfg, n = self.config, len(self.train_x)
        bs, batches, epochs = cfg.batch_size, self.batches, cfg.epochs
        # A single full batch in file order gives the same mean gradient as any shuffle.
        shuffle = cfg.shuffle and batches > 1
        run_samples, train_seconds, val_seconds = 0, 0.0, 0.0
        self.optimizer.lr = self.schedule.lr
        st = self.state
        while st.epoch < epochs:
            if st.batch == 0 or self._epoch_start is None:
                self._epoch_start = time.perf_counter()
            if st.order is None and shuffle:
                st.order = self.rng.permutation(n)
            while st.batch < batches:
                if self._stop.is_set():
                    yield self._finish("stopped")
                    return
                t0 = time.perf_counter()
                before = self._batch_start_state()
                lo, hi = st.batch * bs, min(n, (st.batch + 1) * bs)
                if shuffle:
                    idx = st.order[lo:hi]
                    xb, yb = self.train_x[idx], self.train_y[idx]
                    labels = self.train_labels[idx] if self.train_labels is not None else None
                else:
                    xb, yb = self.train_x[lo:hi], self.train_y[lo:hi]
                    labels = self.train_labels[lo:hi] if self.train_labels is not None else None
                if self.augment is not None:
                    xb = self.augment(xb)
                try:
                    with np.errstate(all="ignore"):  # overflow shows as a non-finite loss, said once
                        loss, out = self.net.loss_and_backward(xb, yb, cfg.loss)
                except Interrupted:  # Stop during a long batch: as if it had come just before it
                    self._restore_batch_start(before)
                    yield self._finish("stopped")
                    return
                with np.errstate(all="ignore"):
                    # The step is taken only when the loss and every updated weight are finite, so a
                    # diverging run stops with the weights it had, and no copy of them is kept.
                    stepped = math.isfinite(loss) and self.optimizer.step(self.net.grads)
                    correct = self._correct(out, labels) if stepped else 0
                if not stepped:
                    self._restore_batch_start(before)  # batchnorm statistics the pass changed
                    yield self._diverged(loss)
                    return
                m = hi - lo
                st.batch += 1
                st.loss_sum += loss * m
                st.correct += correct
                st.samples += m
                t1 = time.perf_counter()
                train_seconds += t1 - t0
                run_samples += m
                sps = run_samples / train_seconds if train_seconds > 0 else 0.0
                left = (epochs - st.epoch) * n - st.samples
                eta = left / sps + (epochs - st.epoch) * val_seconds if sps > 0 else math.inf
                acc = None if labels is None else correct / m
                yield BatchProgress(st.epoch + 1, epochs, st.batch, batches, float(loss), acc, sps, eta,
                                    self.optimizer.lr, st.loss_sum / st.samples, self._epoch_acc())
            t0 = time.perf_counter()
            try:
                event = self._end_epoch()
            except Interrupted:  # Stop during validation: the epoch ends when the run goes on
                yield self._finish("stopped")
                return
            val_seconds = time.perf_counter() - t0
            yield event
        yield self._finish("completed")

    # ------------------------------------------------------------------ pieces of the loop
    def _arrays(self, part):
        """(x, training targets) of a split part, in the engine's dtype."""
        x = np.ascontiguousarray(part.x, dtype=self.dtype)
        if self.config.loss == "mse":
            y = np.asarray(make_targets(part.y, self.n_out, self.last_type), dtype=self.dtype)
        else:
            y = part.y
        return x, y

    def _predicted(self, out: np.ndarray) -> np.ndarray:
        return predicted_classes(out, self.last_type)

    def _correct(self, out, labels) -> int:
        if labels is None:
            return 0
        return int(np.count_nonzero(self._predicted(out) == labels))

    def _epoch_acc(self) -> Optional[float]:
        if self.train_labels is None or not self.state.samples:
            return None
        return self.state.correct / self.state.samples

    def _batch_start_state(self) -> tuple:
        """What a training pass changes before the update: the random generators' states and the
        batchnorm statistics (small), so that a pass abandoned by Stop can be undone exactly."""
        states = [g.bit_generator.state for g in self._generators]
        stats = [(a, a.copy()) for layer in self.net.layers for a in layer.buffers.values()]
        return states, stats

    def _restore_batch_start(self, before: tuple) -> None:
        states, stats = before
        for g, state in zip(self._generators, states):
            g.bit_generator.state = state
        for live, saved in stats:
            np.copyto(live, saved)

    def _diverged(self, loss: float) -> Finished:
        self._stop.clear()
        # The remembered steps led to the blow-up (and hold the refused one): forget them.
        self.optimizer.reset()
        where = f"epoch {self.epoch + 1}, batch {self.batch + 1}"
        if math.isfinite(loss):
            what = f"the step at {where} would have made a weight NaN or infinite; it was not taken"
        else:
            what = f"the loss became {'NaN' if math.isnan(loss) else 'infinite'} at {where}"
        msg = f"{what}; the weights of the last good step are kept — try a lower learning rate"
        return Finished("diverged", msg, list(self.history))

    def evaluate(self, x: np.ndarray, y: np.ndarray, labels=None):
        """(mean loss, accuracy or None, confusion or None) of the net in evaluation mode, in
        chunks of the batch size (the memory check counted that many samples at a time).
        Raises Interrupted between two chunks once a stop is requested (it changes nothing)."""
        bs = self.config.batch_size
        # cross_entropy takes the input of a final softmax or log-softmax (folded into the loss).
        fold = self.config.loss == "cross_entropy" and self.last_type in FOLDED
        upto = len(self.net.layers) - 2 if fold else None
        total, preds = 0.0, []
        for lo in range(0, len(x), bs):
            if self._stop.is_set():
                raise Interrupted
            with np.errstate(all="ignore"):
                out = self.net.forward(x[lo:lo + bs], train=False, upto=upto)
                if self.config.loss == "cross_entropy":
                    value = cross_entropy(out.reshape(len(out), -1), y[lo:lo + bs])[0]
                else:
                    value = mse(out, y[lo:lo + bs])[0]
            total += value * len(out)
            if labels is not None:
                preds.append(self._predicted(out))
        loss = total / len(x)
        if labels is None:
            return loss, None, None
        pred = np.concatenate(preds)
        k = self.classes
        accuracy = float(np.count_nonzero(pred == labels)) / len(labels)
        if k > CONFUSION_MAX_CLASSES:
            return loss, accuracy, None
        confusion = np.bincount(labels * k + pred, minlength=k * k).reshape(k, k)
        return loss, accuracy, confusion

    def _end_epoch(self) -> EpochProgress:
        """Validate, then close the epoch. Nothing changes before the validation ends, so a
        Stop during it (Interrupted) leaves the trainer at the end of the epoch's batches."""
        st = self.state
        train_loss, train_acc = st.loss_sum / st.samples, self._epoch_acc()
        val_loss = val_acc = confusion = None
        if self.val_x is not None:
            val_loss, val_acc, confusion = self.evaluate(self.val_x, self.val_y, self.val_labels)
        lr = self.optimizer.lr
        epoch = st.epoch + 1
        watch = val_acc if val_acc is not None else (train_acc if train_acc is not None else
                                                      -(val_loss if val_loss is not None else train_loss))
        self.optimizer.lr = self.schedule.epoch_end(epoch, watch)
        seconds = time.perf_counter() - self._epoch_start
        event = EpochProgress(epoch, self.config.epochs, train_loss, train_acc, val_loss, val_acc,
                              lr, seconds, confusion)
        st.next_epoch(event.record())
        return event

    def _finish(self, reason: str) -> Finished:
        self._stop.clear()  # a later run() continues, even when Stop came as the run completed
        if reason == "stopped":
            msg = (f"stopped by request at epoch {self.epoch + 1}, batch {self.batch} "
                   f"after {len(self.history)} complete epoch{'s' if len(self.history) != 1 else ''}")
            return Finished("stopped", msg, list(self.history))
        msg = f"trained {self.epoch} epoch{'s' if self.epoch != 1 else ''}"
        if self.history:
            last = self.history[-1]
            acc = last["val_acc"] if last["val_acc"] is not None else last["train_acc"]
            which = "validation" if last["val_acc"] is not None else "training"
            if acc is not None:
                msg += f": {which} accuracy {100 * acc:.2f} %"
            else:
                loss = last["val_loss"] if last["val_loss"] is not None else last["train_loss"]
                msg += f": {which} loss {loss:.4g}"
        return Finished("completed", msg, list(self.history))


def predicted_classes(out: np.ndarray, last_type: str) -> np.ndarray:
    """Class predictions from a network's outputs: the arg-max, or for a single output a
    threshold (0 after sign and tanh, whose targets are ±1; 0.5 otherwise)."""
    out = np.asarray(out).reshape(len(out), -1)
    if out.shape[1] == 1:
        cut = 0.0 if last_type in SIGNED_OUTPUTS else 0.5
        return (out[:, 0] > cut).astype(np.int64)
    return out.argmax(axis=1)


def _make_augment(config: TrainConfig, dataset):
    """The batch augmentation function of the config, or None."""
    if not config.augment:
        return None
    if not dataset.is_image:
        raise TrainingError(f"augmentation works on images, but the data {dataset.name} holds vectors")
    return make_augment(config.augment, seed=np.random.SeedSequence(config.seed, spawn_key=(2,)))
