"""The app and ``nn-designer train`` are one program: the same settings and seed give the same
history, and weights and checkpoints saved in the app continue runs exactly."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from designer import cli
from designer.engine.data import load_data
from designer.engine.progress import HISTORY_COLUMNS
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model, load_weights
from designer.ui.training.state import TrainState
from train_ui_support import RUN_MS, run_to_end, settings, train_mode
from ui_support import dialog_log, window  # noqa: F401

COMPARED = [c for c in HISTORY_COLUMNS if c != "seconds"]


def rows_of_csv(path) -> list:
    with open(path, newline="") as f:
        return [{k: (float(v) if v else None) for k, v in row.items()} for row in csv.DictReader(f)]


def comparable(history: list) -> list:
    return [{k: (None if row[k] is None else float(row[k])) for k in COMPARED} for row in history]


def set_seed(mode, qtbot, seed: int) -> None:
    """A new seed regenerates a built-in set (as the command line generates it from --seed)."""
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.panel.seed.setValue(seed)


@pytest.mark.slow
def test_the_app_and_the_command_line_give_the_same_history(window, qtbot, tmp_path, capsys):
    history_csv = tmp_path / "history.csv"
    status = cli.main(["train", "lenet5", "--data", "shapes:150", "--epochs", "3", "--batch-size", "16",
                       "--lr", "0.05", "--momentum", "0.8", "--weight-decay", "0.0005",
                       "--val-split", "0.2", "--seed", "3", "--schedule", "plateau",
                       "--history", str(history_csv), "--quiet"])
    assert status == 0
    from_cli = rows_of_csv(history_csv)
    assert len(from_cli) == 3

    mode = train_mode(window, qtbot, data="shapes:150")
    settings(mode, epochs=3, batch_size=16, lr=0.05, momentum=0.8, weight_decay=5e-4, val_split=0.2,
             schedule="plateau")
    set_seed(mode, qtbot, 3)
    assert mode.panel.config() == TrainConfig(epochs=3, batch_size=16, lr=0.05, momentum=0.8,
                                              weight_decay=5e-4, val_split=0.2, seed=3,
                                              schedule="plateau")
    finished = run_to_end(mode, qtbot)
    assert comparable(finished.history) == comparable(from_cli)


def trainer_history(network, dataset, config, **kw) -> list:
    trainer = Trainer(network, dataset, config, **kw)
    return list(trainer.run())[-1].history


@pytest.mark.slow
def test_weights_saved_and_loaded_in_the_app_start_the_next_run(window, qtbot, tmp_path):
    mode = train_mode(window, qtbot, data="shapes:120")
    settings(mode, epochs=1, batch_size=16)
    run_to_end(mode, qtbot)
    path = tmp_path / "trained"                                   # the suffix is added
    mode.save_weights(str(path))
    saved = load_weights(tmp_path / "trained.npz", window.network)
    trained = mode.trainer.net.state_dict()
    assert saved.keys() == trained.keys()
    assert all(np.array_equal(saved[k], trained[k]) for k in saved)
    assert "trained.npz" in mode.panel.message.text()

    with qtbot.waitSignal(mode.weights_loaded, timeout=30000):
        mode.load_weights(str(tmp_path / "trained.npz"))
    assert "next run starts from them" in mode.panel.message.text()
    finished = run_to_end(mode, qtbot)
    expected = trainer_history(load_model("lenet5"), load_data("shapes:120"), mode.panel.config(),
                               weights=str(tmp_path / "trained.npz"))
    assert comparable(finished.history) == comparable(expected)


def test_weights_of_another_network_are_refused_with_a_sentence(window, qtbot, tmp_path):
    mode = train_mode(window, qtbot, data="shapes:60")
    other = tmp_path / "other.npz"
    np.savez(other, **{"1.weight": np.zeros((3, 1, 5, 5), np.float32)})
    with qtbot.waitSignal(mode.weights_loaded, timeout=30000):
        mode.load_weights(str(other))
    text = mode.panel.message.text()
    assert "other.npz" in text and '"1.weight"' in text and "\n" not in text
    assert mode.start_weights is None
    (tmp_path / "junk.npz").write_text("not a zip")
    with qtbot.waitSignal(mode.weights_loaded, timeout=30000):
        mode.load_weights(str(tmp_path / "junk.npz"))
    assert "junk.npz" in mode.panel.message.text()


@pytest.mark.slow
def test_a_checkpoint_saved_mid_epoch_resumes_to_the_same_history(window, qtbot, tmp_path):
    mode = train_mode(window, qtbot, data="shapes:300")
    settings(mode, epochs=2, batch_size=16, val_split=0.2)
    uninterrupted = comparable(run_to_end(mode, qtbot).history)

    def stop_at_the_first_batch(state):
        # Connected from the "starting" state: runs in the worker thread at its first batch
        # signal (sent after every batch), so the stop lands in the first epoch.
        if state is TrainState.STARTING:
            mode.run.worker.update_interval = 0.0
            mode.run.worker.batch.connect(lambda _update: mode.run.stop())
    mode.state_changed.connect(stop_at_the_first_batch)
    run_to_end(mode, qtbot)
    mode.state_changed.disconnect(stop_at_the_first_batch)
    assert mode.trainer.epoch == 0 and mode.trainer.batch >= 1
    mode.save_checkpoint(str(tmp_path / "ck.npz"))
    assert "checkpoint" in mode.panel.message.text()
    mode.panel.epochs.setValue(1)                  # the checkpoint's own settings win (2 epochs)
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.resume_checkpoint(str(tmp_path / "ck.npz"))
    assert comparable(blocker.args[0].history) == uninterrupted
    assert mode.panel.epochs.value() == 2
    assert mode.views.curves.epoch_loss.x == [1.0, 2.0]


@pytest.mark.slow
def test_a_checkpoint_of_other_data_is_refused_with_a_sentence(window, qtbot, tmp_path):
    mode = train_mode(window, qtbot, data="shapes:120")
    settings(mode, epochs=1, batch_size=16)
    run_to_end(mode, qtbot)
    mode.save_checkpoint(str(tmp_path / "ck.npz"))
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load("shapes:90")
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.resume_checkpoint(str(tmp_path / "ck.npz"))
    assert blocker.args[0] is None
    text = mode.panel.message.text()
    assert "ck.npz" in text and "\n" not in text and mode.state is TrainState.IDLE
