"""The training loop: progress events, stopping between batches, divergence, exact resumption
from checkpoints, the history CSV."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from designer.engine import checkpoint as ckpt
from designer.engine.data import Dataset
from designer.engine.progress import BatchProgress, EpochProgress, Finished, HISTORY_COLUMNS, history_csv, write_history
from designer.engine.training import TrainConfig, Trainer, TrainingError
from designer.errors import UserError
from designer.model import loads
from training_support import SMALL_CNN, images, run_stopping_inside

MLP = """{"format": "nn-designer", "version": 1, "name": "mlp", "layers": [
  {"type": "input", "features": 4},
  {"type": "dense", "units": 6},
  {"type": "tanh"},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def vectors(n=90, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    y = np.argmax(x[:, :3], axis=1).astype(np.int64)
    return Dataset("vectors", x, y, None, "test")


def run_all(trainer):
    return list(trainer.run())


# --------------------------------------------------------------------------- progress
def test_events_arrive_in_order_with_their_figures():
    data = images()
    config = TrainConfig(epochs=3, batch_size=16, lr=0.05, val_split=0.25, seed=1)
    trainer = Trainer(loads(SMALL_CNN), data, config)
    events = run_all(trainer)
    batches = [e for e in events if isinstance(e, BatchProgress)]
    epochs = [e for e in events if isinstance(e, EpochProgress)]
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    assert sum(isinstance(e, Finished) for e in events) == 1
    per_epoch = -(-90 // 16)  # 90 training samples after the 25 % split
    assert trainer.batches == per_epoch
    assert len(batches) == 3 * per_epoch and len(epochs) == 3
    assert [(b.epoch, b.batch) for b in batches[:per_epoch + 1]] == \
        [(1, i) for i in range(1, per_epoch + 1)] + [(2, 1)]
    for b in batches:
        assert b.epochs == 3 and b.batches == per_epoch and b.lr == 0.05
        assert np.isfinite(b.loss) and 0 <= b.acc <= 1 and 0 <= b.epoch_acc <= 1
        assert b.samples_per_second > 0 and b.eta_seconds >= 0
    assert batches[-1].eta_seconds == pytest.approx(0, abs=1e-9) or batches[-1].eta_seconds < 1
    for e in epochs:
        assert e.confusion.shape == (3, 3) and e.confusion.sum() == 30
        assert e.val_acc == pytest.approx(np.trace(e.confusion) / 30)
        assert e.seconds > 0
    # The epoch's training loss is the sample-weighted mean of its batch losses.
    first = batches[:per_epoch]
    sizes = [16] * (per_epoch - 1) + [90 - 16 * (per_epoch - 1)]
    assert epochs[0].train_loss == pytest.approx(sum(b.loss * m for b, m in zip(first, sizes)) / 90)
    assert first[-1].epoch_loss == pytest.approx(epochs[0].train_loss)
    assert events[-1].history == [e.record() for e in epochs]
    assert epochs[-1].val_acc > 0.6  # the classes are easy


def test_without_labels_accuracy_is_none_and_mse_trains():
    data = images(60)
    targets = np.eye(3, dtype=np.float32)[data.y]
    data = Dataset("targets", data.x, targets, None, "test")
    config = TrainConfig(epochs=2, batch_size=20, lr=0.1, loss="mse", val_split=0.2)
    events = run_all(Trainer(loads(SMALL_CNN), data, config))
    epoch = [e for e in events if isinstance(e, EpochProgress)][-1]
    assert epoch.train_acc is None and epoch.val_acc is None and epoch.confusion is None
    assert np.isfinite(epoch.val_loss)
    assert events[-1].reason == "completed" and "loss" in events[-1].message


def test_validation_split_zero_single_batch_keeps_file_order():
    data = vectors(30)
    config = TrainConfig(epochs=2, batch_size=64, lr=0.1, val_split=0.0)
    trainer = Trainer(loads(MLP), data, config)
    assert trainer.train_x.shape == (30, 4)
    np.testing.assert_array_equal(trainer.train_x, data.x)
    events = run_all(trainer)
    epoch = [e for e in events if isinstance(e, EpochProgress)][0]
    assert epoch.val_loss is None and epoch.val_acc is None and epoch.confusion is None
    assert events[-1].message.startswith("trained 2 epochs: training accuracy")


# --------------------------------------------------------------------------- stopping
def test_request_stop_stops_between_batches():
    data = images()
    trainer = Trainer(loads(SMALL_CNN), data, TrainConfig(epochs=5, batch_size=8, val_split=0.2))
    seen = []
    for event in trainer.run():
        seen.append(event)
        if isinstance(event, BatchProgress) and event.batch == 3:
            weights = trainer.net.state_dict()
            trainer.request_stop()
    assert isinstance(seen[-1], Finished) and seen[-1].reason == "stopped"
    assert sum(isinstance(e, BatchProgress) for e in seen) == 3
    assert "epoch 1, batch 3" in seen[-1].message
    for key, value in trainer.net.state_dict().items():
        np.testing.assert_array_equal(value, weights[key])


def test_request_stop_from_another_thread():
    data = images()
    trainer = Trainer(loads(SMALL_CNN), data, TrainConfig(epochs=1000, batch_size=8, val_split=0.2))
    started = threading.Event()
    events = []

    def consume():
        for event in trainer.run():
            events.append(event)
            started.set()

    worker = threading.Thread(target=consume)
    worker.start()
    assert started.wait(30)
    trainer.request_stop()
    worker.join(30)
    assert not worker.is_alive()
    assert events[-1].reason == "stopped"


def test_a_consumer_may_stop_iterating_and_the_trainer_continues_later():
    data = vectors()
    config = TrainConfig(epochs=2, batch_size=10, lr=0.1, val_split=0.0, seed=2)
    whole = Trainer(loads(MLP), data, config)
    run_all(whole)
    parts = Trainer(loads(MLP), data, config)
    for i, _event in enumerate(parts.run()):
        if i == 4:
            break
    run_all(parts)
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(parts.net.state_dict()[key], value)


# --------------------------------------------------------------------------- divergence
def test_nan_loss_stops_with_the_last_good_weights():
    data = vectors(20)
    x = data.x.copy()
    x[7] = np.nan  # the 8th sample, met by the 8th step in file order
    data = Dataset("with a NaN", x, data.y, None, "test")
    config = TrainConfig(epochs=3, batch_size=1, lr=0.1, val_split=0.0, shuffle=False)
    trainer = Trainer(loads(MLP), data, config)
    after = []
    for event in trainer.run():
        if isinstance(event, BatchProgress):
            after.append(trainer.net.state_dict())
        last = event
    assert last.reason == "diverged"
    assert last.message == ("the loss became NaN at epoch 1, batch 8; the weights of the last good step "
                            "are kept — try a lower learning rate")
    assert len(after) == 7
    # Kept: the weights after step 7 (its loss and update were finite, checked before it was
    # applied); batch 8's step was never taken.
    for key, value in trainer.net.state_dict().items():
        np.testing.assert_array_equal(value, after[6][key])
        assert np.all(np.isfinite(value))
    assert not any(v.any() for v in trainer.optimizer.state_dict().values())  # momentum forgotten


def test_a_huge_learning_rate_diverges_and_keeps_finite_weights():
    data = vectors(60)
    net = loads("""{"format": "nn-designer", "version": 1, "layers": [{"type": "input", "features": 4},
        {"type": "dense", "units": 16}, {"type": "relu"}, {"type": "dense", "units": 16}, {"type": "relu"},
        {"type": "dense", "units": 1}]}""")
    y = (data.y == 0).astype(np.int64)
    data = Dataset("binary", data.x * 100, y, None, "test")
    config = TrainConfig(epochs=50, batch_size=4, lr=1e6, momentum=0.9, loss="mse", val_split=0.0)
    trainer = Trainer(net, data, config)
    events = run_all(trainer)
    assert events[-1].reason == "diverged"
    # the loss became NaN, or (here) a step would have overflowed a weight and was refused
    assert "would have made a weight NaN or infinite" in events[-1].message
    assert "lower learning rate" in events[-1].message
    assert all(np.all(np.isfinite(v)) for v in trainer.net.state_dict().values())
    with np.errstate(all="ignore"):
        loss = trainer.net.loss_and_backward(data.x[:4], trainer.train_y[:4], "mse")[0]
    assert np.isfinite(loss)


# --------------------------------------------------------------------------- checkpoints
def _trained(config, stop_at=None, data=None, tmp_path=None):
    """Train SMALL_CNN; with ``stop_at=(epoch, batch)``, stop there, save a checkpoint, and resume
    in a new Trainer from the file."""
    data = data or images()
    trainer = Trainer(loads(SMALL_CNN), data, config)
    events = []
    for event in trainer.run():
        events.append(event)
        if stop_at and isinstance(event, BatchProgress) and (event.epoch, event.batch) == stop_at:
            trainer.request_stop()
    if stop_at:
        assert events[-1].reason == "stopped"
        path = tmp_path / "run.ckpt.npz"
        trainer.save_checkpoint(path)
        trainer = Trainer.resume(path, loads(SMALL_CNN), data)
        events = [e for e in events if not isinstance(e, Finished)] + run_all(trainer)
    return trainer, events


@pytest.mark.parametrize("stop_at", [(2, 3), (1, 6)], ids=["mid-epoch", "epoch-end"])
def test_resume_gives_exactly_the_uninterrupted_result(tmp_path, stop_at):
    config = TrainConfig(epochs=3, batch_size=16, lr=0.05, momentum=0.9, weight_decay=1e-3,
                         val_split=0.25, seed=4, augment="flip,shift=1", schedule="step:step_size=1,gamma=0.5")
    whole, whole_events = _trained(config)
    resumed, resumed_events = _trained(config, stop_at, tmp_path=tmp_path)
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(resumed.net.state_dict()[key], value, err_msg=key)
    np.testing.assert_array_equal(resumed.optimizer.velocity["1.weight"], whole.optimizer.velocity["1.weight"])
    strip = [{k: v for k, v in row.items() if k != "seconds"} for row in whole.history]
    assert [{k: v for k, v in row.items() if k != "seconds"} for row in resumed.history] == strip
    assert [e.loss for e in resumed_events if isinstance(e, BatchProgress)] == \
        [e.loss for e in whole_events if isinstance(e, BatchProgress)]
    assert [row["lr"] for row in resumed.history] == [0.05, 0.025, 0.0125]


def test_checkpoint_refuses_other_data_or_network(tmp_path):
    config = TrainConfig(epochs=1, batch_size=16, val_split=0.25)
    trainer = Trainer(loads(SMALL_CNN), images(), config)
    run_all(trainer)
    path = tmp_path / "c.npz"
    trainer.save_checkpoint(path)
    with pytest.raises(ckpt.CheckpointError, match="other data"):
        Trainer.resume(path, loads(SMALL_CNN), images(seed=9))
    other = loads(SMALL_CNN.replace('"units": 12', '"units": 10'))
    with pytest.raises(ckpt.CheckpointError, match="different network"):
        Trainer.resume(path, other, images())
    with pytest.raises(ckpt.CheckpointError, match="lr"):
        Trainer.resume(path, loads(SMALL_CNN), images(), TrainConfig(epochs=1, batch_size=16, val_split=0.25, lr=1))
    longer = Trainer.resume(path, loads(SMALL_CNN), images(), TrainConfig(epochs=2, batch_size=16, val_split=0.25))
    assert [type(e).__name__ for e in run_all(longer)][-2:] == ["EpochProgress", "Finished"]
    assert len(longer.history) == 2


def test_damaged_checkpoint_files_are_one_sentence(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    for path, words in [(bad, "not a readable checkpoint"), (tmp_path / "none.npz", "no such file"),
                        (tmp_path, "is a folder")]:
        with pytest.raises(ckpt.CheckpointError, match=words) as info:
            ckpt.load(path)
        assert "\n" not in str(info.value)
    weights = tmp_path / "w.npz"
    np.savez(weights, a=np.zeros(3))
    with pytest.raises(ckpt.CheckpointError, match="not an NN Designer checkpoint"):
        ckpt.load(weights)


# --------------------------------------------------------------------------- settings and history
@pytest.mark.parametrize("change, words", [
    ({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch size"), ({"lr": 0}, "learning rate"),
    ({"momentum": 1.0}, "momentum"), ({"weight_decay": -1}, "weight decay"), ({"loss": "hinge"}, "loss must be one of"),
    ({"val_split": 1.0}, "validation split"), ({"dtype": "float16"}, "dtype"), ({"schedule": "cosine"}, "schedule"),
    ({"lr": float("nan")}, "learning rate"),
])
def test_bad_settings_are_one_sentence(change, words):
    with pytest.raises(UserError, match=words):
        TrainConfig(**change).check()


def test_networks_and_data_that_do_not_fit_are_refused():
    with pytest.raises(UserError, match="input"):
        Trainer(loads(MLP), images(), TrainConfig())
    one = loads(MLP.replace('"units": 3', '"units": 1').replace(', {"type": "softmax"}', "")
                .replace(',\n  {"type": "softmax"}', ""))
    with pytest.raises(TrainingError, match="mse"):
        Trainer(one, Dataset("b", vectors().x, (vectors().y > 0).astype(np.int64), None, "t"), TrainConfig())
    broken = loads(SMALL_CNN.replace('"kernel": 3, "padding": 1', '"kernel": 30'))
    with pytest.raises(TrainingError, match="errors"):
        Trainer(broken, images(), TrainConfig())


def test_history_csv(tmp_path):
    history = [{"epoch": 1, "train_loss": 0.5, "train_acc": 0.75, "val_loss": None, "val_acc": None,
                "lr": 0.01, "seconds": 1.5}]
    assert history_csv(history) == ("epoch,train_loss,train_acc,val_loss,val_acc,lr,seconds\n"
                                    "1,0.5,0.75,,,0.01,1.5\n")
    trainer = Trainer(loads(MLP), vectors(), TrainConfig(epochs=2, batch_size=30, lr=0.1))
    run_all(trainer)
    path = tmp_path / "h.csv"
    write_history(path, trainer.history)
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(HISTORY_COLUMNS)
    assert len(lines) == 3
    for line, row in zip(lines[1:], trainer.history):
        cells = line.split(",")
        assert int(cells[0]) == row["epoch"]
        assert [float(c) for c in cells[1:]] == [row[k] for k in HISTORY_COLUMNS[1:]]


def test_stop_during_a_batch_abandons_it_and_resume_is_still_exact(tmp_path):
    """Stop pressed while a (long) batch runs: the pass is dropped between two layers, nothing it
    changed stays (weights, batchnorm statistics, dropout and shuffle states), and continuing
    from the checkpoint gives exactly the uninterrupted run."""
    config = TrainConfig(epochs=2, batch_size=16, lr=0.05, momentum=0.9, val_split=0.25, seed=4,
                         augment="flip,shift=1")
    whole, whole_events = _trained(config)

    trainer = Trainer(loads(SMALL_CNN), images(), config)
    events, calls = run_stopping_inside(trainer, trainer.net.layers[5], 4)  # the 4th batch, past its dense layer
    assert events[-1].reason == "stopped"
    assert [e.batch for e in events if isinstance(e, BatchProgress)] == [1, 2, 3]
    assert trainer.batch == 3 and len(calls) == 4
    path = tmp_path / "run.ckpt.npz"
    trainer.save_checkpoint(path)
    resumed = Trainer.resume(path, loads(SMALL_CNN), images())
    rest = run_all(resumed)
    assert rest[-1].reason == "completed"
    for key, value in whole.net.state_dict().items():  # batchnorm statistics included
        np.testing.assert_array_equal(resumed.net.state_dict()[key], value, err_msg=key)
    losses = [e.loss for e in events + rest if isinstance(e, BatchProgress)]
    assert losses == [e.loss for e in whole_events if isinstance(e, BatchProgress)]


def _stop_in_validation(trainer, epoch):
    """Make Stop land while ``epoch``'s validation runs (in its first chunk)."""
    forward, calls = trainer.net.forward, []

    def forward_then_stop(x, train=False, upto=None):
        if not train and trainer.epoch + 1 == epoch:
            calls.append(len(x))
            if len(calls) == 1:
                trainer.request_stop()
        return forward(x, train, upto)
    trainer.net.forward = forward_then_stop
    return calls


def test_stop_during_validation_stops_and_resume_is_still_exact(tmp_path):
    """Stop pressed while the validation runs: it ends between two chunks, the run finishes
    "stopped" at the end of the epoch's batches, and a checkpoint then resumes exactly."""
    config = TrainConfig(epochs=2, batch_size=16, lr=0.05, momentum=0.9, val_split=0.25, seed=4,
                         augment="flip,shift=1", schedule="plateau:patience=0")
    whole, whole_events = _trained(config)

    trainer = Trainer(loads(SMALL_CNN), images(), config)
    calls = _stop_in_validation(trainer, 1)
    events = list(trainer.run())
    assert events[-1].reason == "stopped" and calls == [16]  # 30 validation samples: 16, then stop
    assert not any(isinstance(e, EpochProgress) for e in events)
    assert trainer.epoch == 0 and trainer.batch == trainer.batches and trainer.history == []
    path = tmp_path / "run.ckpt.npz"
    trainer.save_checkpoint(path)
    resumed = Trainer.resume(path, loads(SMALL_CNN), images())
    rest = run_all(resumed)
    assert rest[-1].reason == "completed"
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(resumed.net.state_dict()[key], value, err_msg=key)
    losses = [e.loss for e in events + rest if isinstance(e, BatchProgress)]
    assert losses == [e.loss for e in whole_events if isinstance(e, BatchProgress)]
    drop = ("seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in resumed.history] == \
        [{k: v for k, v in r.items() if k not in drop} for r in whole.history]


def test_stop_in_the_last_validation_or_at_the_end_does_not_stop_a_continued_run():
    """Stop during the last epoch's validation gives "stopped" (not "completed"), and Continue
    (run() again) finishes the epoch; Stop that comes as the run completes is forgotten, so a
    run continued for more epochs trains them."""
    config = TrainConfig(epochs=2, batch_size=16, lr=0.05, val_split=0.25, seed=4)
    whole, _ = _trained(config)
    trainer = Trainer(loads(SMALL_CNN), images(), config)
    _stop_in_validation(trainer, 2)
    events = run_all(trainer)
    assert events[-1].reason == "stopped" and trainer.epoch == 1
    rest = run_all(trainer)
    assert rest[-1].reason == "completed" and [type(e) for e in rest] == [EpochProgress, Finished]
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(trainer.net.state_dict()[key], value, err_msg=key)

    trainer.config.epochs = 3  # Train mode's Continue with more epochs
    for event in trainer.run():  # Stop arrives after the last validation, as the run completes
        if isinstance(event, EpochProgress):
            trainer.request_stop()
    assert event.reason == "completed" and trainer.epoch == 3
    trainer.config.epochs = 4
    more = run_all(trainer)
    assert more[-1].reason == "completed" and trainer.epoch == 4
    assert sum(isinstance(e, BatchProgress) for e in more) == trainer.batches
