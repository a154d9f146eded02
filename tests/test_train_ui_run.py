"""The Train mode driven through the window: LeNet-5 trained on a small `shapes` set to the end,
a run stopped in the middle of an epoch, pause and resume, the window closed while training,
failures shown as sentences, and the architecture locked while a run goes on."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.training import Trainer
from designer.ui.training import threads
from designer.ui.training.state import TrainState
from designer.ui.training.worker import BatchUpdate
from train_ui_support import RUN_MS, record, run_to_end, settings, train_mode
from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401

def test_lenet5_trains_on_shapes_through_the_ui_to_the_end(window, qtbot):
    mode = train_mode(window, qtbot)
    assert mode.dataset.describe() == "240 samples of 28×28×1 images, 6 classes"
    assert not mode.views.boundary.isVisibleTo(mode.right)          # images: no boundary
    assert mode.data.fit_problem() is None
    assert mode.data.thumbs.count == 24            # a grid of sample thumbnails
    settings(mode)
    got = record(mode)
    locked = []
    mode.state_changed.connect(lambda s: locked.append((s, window.editor.enabled)))

    finished = run_to_end(mode, qtbot)

    assert finished.reason == "completed" and len(finished.history) == 2
    assert (TrainState.RUNNING, False) in locked            # read-only while training
    assert window.editor.enabled                   # editable again afterwards
    # progress signals arrived, throttled but complete: every batch of both epochs is on the curve
    assert got["batch"] and all(isinstance(u, BatchUpdate) for u in got["batch"])
    batches = mode.trainer.batches
    assert sum(len(u.x) for u in got["batch"]) == 2 * batches
    assert [e.epoch for e in got["epoch"]] == [1, 2]
    curves = mode.views.curves
    assert len(curves.batch_loss) == 2 * batches
    assert curves.epoch_loss.x == [1.0, 2.0] and len(curves.val_acc) == 2
    assert curves.c_loss_smooth.getData()[0].size == 2 * batches   # the plot holds the points
    # feature maps of conv #1 (6 filters), the filters, the confusion matrix of 6 classes
    assert mode.views.maps.chosen_layer() == 1
    assert mode.views.maps.count == 6
    assert mode.views.maps.grid.grid[0] * mode.views.maps.grid.grid[1] >= 6
    assert mode.views.filters.count == 6
    matrix = mode.views.confusion.matrix
    assert matrix.shape == (6, 6) and matrix.sum() == 60
    assert any("maps" in p for p in got["probed"])
    bar = mode.panel.bar
    assert bar.value() == 1000 and bar.format().startswith("epoch 2/2")
    assert "img/s" in mode.panel.rate.text() and "ETA" in mode.panel.rate.text()
    assert mode.panel.message.text().startswith("Trained 2 epochs: validation accuracy")
    actions = {a.text(): a for a in mode.menu.actions() if a.text()}
    assert window.menuBar().actions()[-3].text() == "T&raining"       # before Learn and Help, in Train mode
    assert actions["Start"].isEnabled() and actions["Save weights…"].isEnabled()
    assert not actions["Stop"].isEnabled() and actions["Start"].shortcut().toString() == "F5"


@pytest.mark.slow
def test_another_layer_shows_its_number_of_maps_after_training(window, qtbot):
    mode = train_mode(window, qtbot)
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    maps = mode.views.maps
    with qtbot.waitSignal(maps.grid_changed, timeout=RUN_MS):
        maps.layer.setCurrentIndex(maps.layer.findData(4))     # #4 conv: 16 filters
    assert maps.count == 16
    with qtbot.waitSignal(maps.grid_changed, timeout=RUN_MS):
        maps.layer.setCurrentIndex(maps.layer.findData(9))     # dense 84
    assert maps.count == 84


@pytest.mark.slow
def test_stop_takes_effect_in_the_middle_of_an_epoch(window, qtbot):
    # 240 batches an epoch: the first (throttled) progress signal comes after about 0.1 s, so an
    # epoch must last well beyond that for the Stop it triggers to land mid-epoch.
    mode = train_mode(window, qtbot, data="shapes:4800")
    settings(mode, epochs=3, batch_size=16, val_split=0.2)
    got = record(mode)
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.start()
        qtbot.waitUntil(lambda: bool(got["batch"]), timeout=RUN_MS)
        mode.panel.stop.click()
        assert mode.state is TrainState.STOPPING
    finished = blocker.args[0]
    assert finished.reason == "stopped"
    trainer = mode.trainer
    assert trainer.epoch == 0 and 0 < trainer.batch < trainer.batches   # mid-epoch
    assert finished.history == []
    assert mode.state is TrainState.IDLE and window.editor.enabled
    assert mode.panel.message.text().startswith("Stopped")
    assert mode.panel.save_w.isEnabled() and mode.panel.save_c.isEnabled()


@pytest.mark.slow
def test_pause_waits_between_batches_and_resume_goes_on(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:1200")
    settings(mode, epochs=5, batch_size=16)
    got = record(mode)
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.start()
        qtbot.waitUntil(lambda: bool(got["batch"]), timeout=RUN_MS)
        mode.panel.pause.click()
        qtbot.waitUntil(lambda: mode.state is TrainState.PAUSED, timeout=RUN_MS)
        assert mode.panel.pause.text() == "Resume"
        held = (mode.trainer.epoch, mode.trainer.batch)
        with qtbot.waitSignal(mode.run.worker.probed, timeout=RUN_MS):  # the paused worker answers …
            mode.run.worker.refresh_probes()
        assert (mode.trainer.epoch, mode.trainer.batch) == held   # … and trains no further
        assert mode.panel.save_w.isEnabled()                       # weights can be saved while paused
        mode.panel.pause.click()
        qtbot.waitUntil(lambda: mode.state is TrainState.RUNNING, timeout=RUN_MS)
        assert mode.panel.pause.text() == "Pause"
        qtbot.waitUntil(lambda: (mode.trainer.epoch, mode.trainer.batch) != held, timeout=RUN_MS)
        mode.panel.stop.click()
    assert blocker.args[0].reason in ("stopped", "completed")


@pytest.mark.slow
def test_closing_the_window_during_training_stops_and_joins_the_thread(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:1200")
    settings(mode, epochs=5, batch_size=16)
    got = record(mode)
    mode.start()
    qtbot.waitUntil(lambda: bool(got["batch"]), timeout=RUN_MS)
    thread = mode.run.thread
    assert thread.isRunning()
    window.close()
    assert not thread.isRunning()
    assert threads.running() == []
    assert mode.trainer.epoch < 5


@pytest.mark.slow
def test_a_nan_loss_is_a_sentence_not_a_crash(window, qtbot):
    mode = train_mode(window, qtbot)
    settings(mode, epochs=2, lr=1e6)
    finished = run_to_end(mode, qtbot)
    assert finished.reason == "diverged"
    text = mode.panel.message.text()
    assert "the loss became" in text.lower() and "learning rate" in text
    assert "Traceback" not in text and mode.state is TrainState.IDLE and window.editor.enabled


@pytest.mark.slow
def test_an_exception_in_the_worker_is_a_sentence(window, qtbot, monkeypatch, tmp_path):
    """One that is not bad input is a bug: the sentence says so, and the bug report (its dialog
    and log) has the traceback."""
    from designer.ui import bug_report
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    reporter = bug_report.install(window)
    mode = train_mode(window, qtbot)
    settings(mode, epochs=1)

    def broken(self):
        yield from ()
        raise RuntimeError("the disk caught fire")
    monkeypatch.setattr(Trainer, "run", broken)
    try:
        assert run_to_end(mode, qtbot) is None
        text = mode.panel.message.text()
        assert text == ("Training stopped because of a bug in NN Designer (RuntimeError: the disk caught fire); "
                        "the bug report has the details.")
        assert mode.state is TrainState.IDLE and window.editor.enabled
        qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
        assert "raise RuntimeError(\"the disk caught fire\")" in reporter.dialog.details.toPlainText()
        assert reporter.dialog.logs[0] and "broken" in open(reporter.dialog.logs[0], encoding="utf-8").read()
    finally:
        reporter.uninstall()
        if reporter.dialog is not None:
            reporter.dialog.close()


@pytest.mark.slow
def test_changing_the_architecture_after_training_resets_the_weights(window, qtbot):
    mode = train_mode(window, qtbot)
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    assert mode.has_weights() and mode.panel.save_w.isEnabled()
    dense = window.network[9]
    window.editor.set_keys(dense.uid, {"units": 64})
    assert not mode.has_weights() and not mode.panel.save_w.isEnabled()
    assert "trained weights were reset" in mode.panel.message.text()
    assert mode.views.curves.points == 0
    # A clean stack when the window goes: a dirty QUndoStack destroyed after its window emits
    # cleanChanged into the window's title code (designer/ui/files.py) during a later test.
    window.undo_stack.clear()


@pytest.mark.slow
def test_data_that_does_not_fit_offers_an_undoable_fix(window, qtbot):
    mode = train_mode(window, qtbot, template="mlp-example", data="spirals")   # 3 inputs, 2-D data
    assert "set the input layer to a vector input of 2 features" in mode.data.fit_text.text()
    assert mode.data.fit_button.isVisibleTo(mode.left)
    assert not mode.start() and "spirals holds vectors of 2 features" in mode.panel.message.text().lower()
    deliver_posted_events()
    below = mode.panel.mapTo(mode.left, mode.panel.rect().topLeft()).y()
    mode.data.fit_button.click()
    assert window.network[0].config == {"features": 2}
    # The button keeps its place, saying it is done: the panel under the pointer does not move.
    assert mode.data.fit_button.isVisibleTo(mode.left) and not mode.data.fit_button.isEnabled()
    assert mode.data.fit_text.text() == "The input layer is set to 2 features; Edit ▸ Undo takes it back."
    deliver_posted_events()
    assert mode.panel.mapTo(mode.left, mode.panel.rect().topLeft()).y() == below
    assert mode.data.fit_problem() is None                     # the fix made a network that trains
    window.undo_stack.undo()
    assert window.network[0].config == {"features": 3}
    assert mode.data.fit_button.isVisibleTo(mode.left) and mode.data.fit_button.isEnabled()
    assert mode.data.fit_button.text().startswith("Set the input layer to")


@pytest.mark.slow
def test_a_fix_that_would_not_train_is_not_offered(window, qtbot):
    # LeNet-5's convolutions cannot take a vector: setting its input to 2 features would only
    # move the error, so the button is not offered and the sentence says why.
    mode = train_mode(window, qtbot, template="lenet5", data="spirals")
    text = mode.data.fit_text.text()
    assert not mode.data.fit_button.isVisibleTo(mode.left)
    assert "an input of 2 features would not be enough: layer 1 (conv)" in text
    assert "set the input layer to" not in text


@pytest.fixture
def planar_model(tmp_path):
    path = tmp_path / "mlp2.json"
    path.write_text('{"format": "nn-designer", "version": 1, "name": "MLP 2-16-16-2", "layers": ['
                    '{"type": "input", "features": 2}, {"type": "dense", "units": 16}, {"type": "tanh"},'
                    '{"type": "dense", "units": 16}, {"type": "tanh"}, {"type": "dense", "units": 2},'
                    '{"type": "softmax"}]}')
    return path


@pytest.mark.slow
def test_the_decision_boundary_is_drawn_for_2d_data(window, qtbot, planar_model):
    window.open_model(str(planar_model))
    window.set_mode("Train")
    mode = window.train_mode
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load("circles:200")
    assert mode.views.boundary.isVisibleTo(mode.right)
    settings(mode, epochs=2, batch_size=16, lr=0.1)
    run_to_end(mode, qtbot)
    view = mode.views.boundary
    assert view.updates > 0
    image = view.image.image
    assert image.shape == (120, 120, 3) and image.dtype == np.uint8
    assert len(view.points.data) == 200


@pytest.mark.slow
def test_the_results_dock_gets_its_width_in_the_default_window(window, qtbot):
    # The curves' minimum widths once made the bottom dock so wide that the confusion matrix
    # was left 180 pixels in a 1400-pixel window.
    from designer.ui.training import RIGHT_WIDTH
    assert window.width() <= 1400
    window.set_mode("Train")
    qtbot.waitUntil(lambda: window.train_mode.data.dataset is not None, timeout=RUN_MS)
    assert window.docks["right"].width() >= RIGHT_WIDTH - 10
    curves = window.train_mode.views.curves
    # The rate's plot shows once the rate changes, at a width that keeps its title whole.
    assert curves.lr_plot.isHidden() and curves.lr_plot.minimumWidth() >= 150


@pytest.mark.slow
def test_renaming_a_layer_after_training_keeps_the_weights(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:120")
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    window.editor.rename(window.network[1].uid, "edges")
    assert mode.has_weights() and mode.panel.save_w.isEnabled()
    assert "reset" not in mode.panel.message.text()
    assert mode.views.maps.layer.currentText().startswith("#1 conv · edges")   # the new name is shown
    window.undo_stack.clear()


@pytest.mark.slow
def test_opening_another_network_in_train_mode_suggests_its_settings_and_clears_the_views(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:120")
    assert mode.views.filters.grid.placeholder == "The filters appear when training starts."
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    mode.views.maps.layer.setCurrentIndex(mode.views.maps.layer.findData(4))
    window.files.new_from_template("alexnet")
    cfg = mode.panel.config()
    assert (cfg.batch_size, cfg.lr, cfg.weight_decay, cfg.schedule) == (128, 0.01, 5e-4, "plateau")
    assert mode.views.maps.chosen_layer() == 1                    # AlexNet's conv1, not index 4
    assert mode.views.confusion.matrix is None and mode.views.curves.points == 0
    assert mode.views.filters.count == 0 and mode.views.filters.title.text() == "Filters of the first convolution"
    assert mode.views.maps.caption.text() == "" and mode.panel.bar.format() == ""
    window.files.new_from_template("perceptron")
    assert mode.views.filters.grid.placeholder == "No convolution in this network."


@pytest.mark.slow
def test_a_new_run_does_not_show_the_last_runs_progress_and_a_stopped_one_no_eta(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:600")
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    assert mode.panel.bar.format().startswith("epoch 1/1")
    settings(mode, epochs=50, batch_size=16)
    seen = []
    mode.state_changed.connect(lambda s: seen.append((s, mode.panel.bar.format(), mode.panel.rate.text())))
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS):
        mode.start()
        qtbot.waitUntil(lambda: mode.trainer is not None and mode.trainer.batch > 2, timeout=RUN_MS)
        mode.stop()
    assert seen[0] == (TrainState.STARTING, "preparing…", "")
    assert mode.panel.rate.text().endswith("ETA —")


@pytest.mark.slow
def test_new_data_clears_the_last_runs_results_and_an_old_complaint(window, qtbot):
    mode = train_mode(window, qtbot, data="spirals:100")
    assert mode.panel.message.text() == "" and not mode.start()
    assert mode.panel.tone == "error"                              # spirals do not fit LeNet-5
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load("shapes:120")
    assert mode.panel.message.text() == ""                         # the complaint is gone
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    assert mode.views.confusion.matrix is not None and mode.views.maps.count == 6
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load("shapes:90")
    assert mode.views.confusion.matrix is None and mode.views.maps.count == 0
    assert mode.views.curves.points == 0 and not mode.has_weights()
    assert "results were cleared" in mode.panel.message.text()


def test_the_default_data_fits_the_network(window, qtbot, planar_model):
    from designer.ui.training.settings import suggest_data
    assert suggest_data(window.network) == "shapes"
    window.files.new_from_template("perceptron")
    window.set_mode("Train")
    mode = window.train_mode
    qtbot.waitUntil(lambda: mode.dataset is not None, timeout=RUN_MS)
    assert mode.dataset.name == "blobs" and mode.data.fit_problem() is None
    window.open_model(str(planar_model))
    assert suggest_data(window.network) == "spirals"


@pytest.mark.slow
def test_continue_goes_on_after_stop_and_after_the_end_exactly_as_one_run(window, qtbot):
    """Stop mid-epoch, Continue (the pause button) to the end, then raise the epochs and Continue
    again: the weights and losses are those of one uninterrupted run of that length."""
    mode = train_mode(window, qtbot, data="shapes:2400")
    settings(mode, epochs=2, batch_size=16, val_split=0.2)
    got = record(mode)
    assert mode.panel.pause.text() == "Pause" and not mode.panel.pause.isEnabled()
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.start()
        qtbot.waitUntil(lambda: bool(got["batch"]), timeout=RUN_MS)
        mode.panel.stop.click()
    assert blocker.args[0].reason == "stopped"
    qtbot.waitUntil(lambda: mode.state is TrainState.IDLE, timeout=RUN_MS)
    trainer = mode.trainer
    stopped_at = (trainer.epoch, trainer.batch)
    assert stopped_at < (2, 0)
    assert mode.panel.pause.text() == "Continue" and mode.panel.pause.isEnabled()
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.panel.pause.click()
    assert blocker.args[0].reason == "completed" and mode.trainer is trainer
    qtbot.waitUntil(lambda: mode.state is TrainState.IDLE, timeout=RUN_MS)
    assert not mode.panel.pause.isEnabled()          # completed: nothing more to do …
    mode.panel.epochs.setValue(3)
    assert mode.panel.pause.text() == "Continue"     # … until more epochs are asked for
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.panel.pause.click()
    finished = blocker.args[0]
    assert finished.reason == "completed" and [row["epoch"] for row in finished.history] == [1, 2, 3]
    # the loss curve got every batch of the three epochs once, in order, across the three runs
    xs = [x for update in got["batch"] for x in update.x]
    assert len(xs) == 3 * trainer.batches and xs == sorted(xs) and xs[-1] == 3.0

    config = trainer.config
    whole = Trainer(window.network, mode.dataset, type(config).from_dict(config.to_dict()))
    events = list(whole.run())
    assert events[-1].reason == "completed"
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(trainer.net.state_dict()[key], value, err_msg=key)
    assert [r["val_loss"] for r in whole.history] == [r["val_loss"] for r in trainer.history]


@pytest.mark.slow
def test_probes_after_a_run_never_overlap_and_continue_waits_for_them(window, qtbot, monkeypatch):
    """A net is not thread-safe: quick layer or sample changes after a run probe one at a time
    (the latest choice last), and Continue starts training only once no probe uses the net."""
    import threading

    from designer.ui.training import train_mode as tm
    from designer.ui.training.worker import ProbeWorker, TrainingRun

    mode = train_mode(window, qtbot, data="shapes:120")
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    qtbot.waitUntil(lambda: mode.state is TrainState.IDLE, timeout=RUN_MS)
    active, most, done, lock = [0], [0], [], threading.Lock()
    gate = threading.Event()          # a probe holds the net until the test opens the gate
    real = ProbeWorker.work

    def slow(self):
        with lock:
            active[0] += 1
            most[0] = max(most[0], active[0])
        gate.wait(RUN_MS / 1000)
        try:
            real(self)
        finally:
            with lock:
                active[0] -= 1
                done.append((self.spec.layer, self.spec.sample))
    monkeypatch.setattr(ProbeWorker, "work", slow)
    maps = mode.views.maps
    for layer in (4, 9, 4):
        maps.layer.setCurrentIndex(maps.layer.findData(layer))
    maps.sample.setValue(3)
    qtbot.waitUntil(lambda: active[0] == 1, timeout=RUN_MS)   # the first choice's probe is under way
    gate.set()
    qtbot.waitUntil(lambda: bool(done) and done[-1] == (4, 3) and not threads.running(), timeout=RUN_MS)
    assert most[0] == 1 and len(done) == 2          # the first choice, then only the latest
    qtbot.waitUntil(lambda: maps.count == 16, timeout=RUN_MS)

    started_with = []

    class Run(TrainingRun):
        def start(self):
            started_with.append(active[0])
            super().start()
    monkeypatch.setattr(tm, "TrainingRun", Run)
    gate.clear()
    maps.sample.setValue(5)
    qtbot.waitUntil(lambda: active[0] == 1, timeout=RUN_MS)   # a probe is under way …
    monkeypatch.setattr(ProbeWorker, "request_stop", lambda self: gate.set())  # it ends when asked
    mode.panel.epochs.setValue(2)
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS):
        assert mode.continue_run()                 # … and training waits for it
    assert started_with == [0] and most[0] == 1


@pytest.mark.slow
def test_renaming_a_layer_after_training_keeps_the_feature_maps_and_filters(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:120")
    settings(mode, epochs=1)
    run_to_end(mode, qtbot)
    qtbot.waitUntil(lambda: mode.views.maps.count == 6 and mode.views.filters.count == 6, timeout=RUN_MS)
    caption = mode.views.maps.caption.text()
    window.editor.rename(window.network[1].uid, "edges")
    assert mode.views.maps.count == 6 and mode.views.maps.caption.text() == caption
    assert mode.views.filters.count == 6 and mode.views.filters.title.text().endswith("5×5×1")
    window.editor.set_keys(window.network[1].uid, {"filters": 4})    # a real change clears them
    assert mode.views.maps.count == 0 and mode.views.filters.count == 0
    window.undo_stack.clear()
