"""The Train mode's panels on their own: suggested settings, the memory check, bad settings,
and the data panel reading files off the GUI thread with progress, cancel and one-sentence errors."""
from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtWidgets import QScrollArea

from designer.engine.data import Dataset
from designer.ui.training import data_panel
from designer.ui.training.state import TrainState
from train_ui_support import MS, loaded, make_mode  # noqa: F401 (make_mode: a fixture)
from ui_support import deliver_posted_events

def test_alexnet_suggests_the_course_recipe(make_mode):
    cfg = make_mode("alexnet").panel.config()
    assert (cfg.batch_size, cfg.momentum, cfg.lr, cfg.weight_decay, cfg.schedule) == \
        (128, 0.9, 0.01, 5e-4, "plateau")


def test_small_networks_get_settings_that_learn_and_one_output_gets_mse(make_mode):
    cfg = make_mode("lenet5").panel.config()
    assert cfg.loss == "cross_entropy" and cfg.batch_size == 32 and cfg.lr == 0.05
    assert make_mode("perceptron").panel.config().loss == "mse"


def test_an_impossible_run_is_refused_with_the_figure(make_mode):
    mode = make_mode("alexnet", available=lambda: 1_000_000_000)
    assert not mode.start()
    text = mode.panel.message.text()
    assert text == ("Training AlexNet at batch size 128 needs about 1.5 GB of memory, but this machine "
                    "has 953.7 MB available; choose a smaller batch size.")
    assert mode.state is TrainState.IDLE and mode.run is None


def test_the_rates_are_spin_boxes_that_take_only_numbers(make_mode, qtbot):
    # The learning rate and the decay were text fields that took "fast" and refused it at Start;
    # like every other setting they are spin boxes now, stepped along 1, 2, 5 per decade.
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QValidator
    from PySide6.QtWidgets import QAbstractSpinBox
    mode = make_mode()
    for spin in (mode.panel.lr, mode.panel.decay):
        assert isinstance(spin, QAbstractSpinBox)
        assert spin.validate("fast", 0)[0] is QValidator.State.Invalid
        assert spin.validate("5e-", 0)[0] is QValidator.State.Intermediate   # on the way to 5e-4
    lr = mode.panel.lr
    lr.set_value(0.05)
    assert lr.text() == "0.05"
    lr.stepBy(1)
    assert lr.value() == 0.1
    lr.stepBy(-2)
    assert lr.value() == 0.02
    assert lr.minimum() > 0                       # a rate of 0 cannot be set (it must be above 0)
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr, "5e-4")
    qtbot.keyClick(lr, Qt.Key.Key_Return)
    assert lr.value() == 0.0005 and lr.text() == "0.0005"
    assert mode.panel.config().lr == 0.0005
    mode.panel.decay.set_value(5e-4)
    assert mode.panel.decay.text() == "0.0005" and mode.panel.config().weight_decay == 0.0005


def test_data_files_of_every_kind_load_and_show_what_they_hold(make_mode, qtbot, tmp_path):
    panel = make_mode().data
    x = np.random.default_rng(0).random((30, 3, 28, 28)).astype(np.float32)
    np.savez(tmp_path / "rgb.npz", x=x, y=np.arange(30) % 3)
    ds = loaded(qtbot, panel, str(tmp_path / "rgb.npz"))
    assert ds.volume == (28, 28, 3)
    assert "30 samples of 28×28×3 images, 3 classes" in panel.describe.text()
    assert panel.classes.text() == "classes: 0 10 · 1 10 · 2 10"
    assert panel.thumbs.count == 24
    assert panel.fit_button.text() == "Set the input layer to 28×28×3"

    (tmp_path / "points.csv").write_text("".join(f"{i / 10},{-i / 10},{i % 2}\n" for i in range(20)))
    ds = loaded(qtbot, panel, str(tmp_path / "points.csv"))
    assert ds.x.shape == (20, 2) and panel.pictures.currentWidget() is panel.scatter
    assert panel.fit_button.isHidden()          # LeNet-5's convolutions cannot take 2 features
    assert "an input of 2 features would not be enough" in panel.fit_text.text()

    img_dir = tmp_path / "images"
    from PIL import Image
    for cls in ("cat", "dog"):
        (img_dir / cls).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(np.full((10, 12), 40 * k, np.uint8)).save(img_dir / cls / f"{k}.png")
    ds = loaded(qtbot, panel, str(img_dir))
    assert ds.classes == ["cat", "dog"] and "cat 3 · dog 3" in panel.classes.text()


def test_mnist_folder_loads_in_the_panel(make_mode, qtbot, mnist_dir):
    panel = make_mode().data
    ds = loaded(qtbot, panel, str(mnist_dir))
    assert len(ds) == 10000 and panel.fit_problem() is None


def test_a_bad_file_is_one_sentence(make_mode, qtbot, tmp_path):
    panel = make_mode().data
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 truncated")
    messages = []
    panel.message.connect(messages.append)
    panel.load(str(tmp_path / "bad.npz"))
    job = panel._job
    qtbot.waitUntil(lambda: not job.is_running() and bool(messages), timeout=MS)
    assert "bad.npz" in messages[0] and "\n" not in messages[0]
    assert panel.describe.text() == messages[0] and panel.dataset is None


def test_reading_runs_off_the_gui_thread_with_progress_and_cancel(make_mode, qtbot, monkeypatch):
    panel = make_mode().data
    seen = {}
    release = threading.Event()

    def slow_load(spec, seed=0, progress=None):
        seen["thread"] = threading.current_thread()
        for k in range(1, 1000):
            progress(k / 1000)
            if release.wait(0.002):
                break
        return Dataset("slow", np.zeros((3, 2), np.float32), np.array([0, 1, 0]), None, spec)

    monkeypatch.setattr(data_panel, "load_data", slow_load)
    panel.load("slow-file")
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=MS)
    assert panel.progress_row.isVisibleTo(panel) and panel.loading
    assert seen["thread"] is not threading.main_thread()
    release.set()
    with qtbot.waitSignal(panel.dataset_changed, timeout=MS):
        pass
    assert not panel.loading and not panel.progress_row.isVisibleTo(panel)

    release.clear()
    changed = []
    panel.dataset_changed.connect(changed.append)
    panel.load("another-file")
    qtbot.waitUntil(lambda: panel.progress.value() > 0, timeout=MS)
    job = panel._job
    panel.cancel.click()
    qtbot.waitUntil(lambda: not job.is_running(), timeout=MS)
    deliver_posted_events()                          # whatever the cancelled job sent has arrived
    assert changed == [] and panel.dataset.name == "slow"


def test_a_long_message_does_not_move_the_buttons(make_mode, qtbot):
    mode = make_mode()
    side, panel = mode.left, mode.panel       # as in the dock: the settings scroll, the run box is pinned
    side.resize(340, 700)
    side.show()
    panel.say("Saved.")
    deliver_posted_events()
    buttons = (panel.start, panel.stop, panel.save_w, panel.save_c)
    before = [b.mapTo(side, b.rect().topLeft()) for b in buttons]
    panel.say("Stopped by request at epoch 6, batch 43 after 5 complete epochs. Save a checkpoint "
              "to continue it later, or save the weights to keep them.")
    deliver_posted_events()
    assert [b.mapTo(side, b.rect().topLeft()) for b in buttons] == before


def test_start_and_the_progress_stay_in_view_on_a_small_screen(make_mode, qtbot):
    mode = make_mode()
    side = mode.left
    side.resize(340, 560)                     # the left dock of a 1280×720 window
    side.show()
    deliver_posted_events()
    for w in (mode.panel.start, mode.panel.bar, mode.panel.message):
        top = w.mapTo(side, w.rect().topLeft())
        assert 0 <= top.y() and top.y() + w.height() <= side.height() and w.isVisibleTo(side)
    # Nothing is cut on the right: the settings fit the dock's width.
    scroll = side.findChild(QScrollArea)
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()


@pytest.mark.slow
def test_the_sample_count_applies_to_built_in_sets_only(make_mode, qtbot, tmp_path):
    panel = make_mode().data
    loaded(qtbot, panel, "blobs:50")
    assert panel.size.isEnabled() and panel.size.value() == 50
    np.savez(tmp_path / "p.npz", x=np.zeros((6, 2), np.float32), y=np.arange(6) % 2)
    loaded(qtbot, panel, str(tmp_path / "p.npz"))
    assert not panel.size.isEnabled()
    panel.set_editable(False)
    panel.set_editable(True)
    assert not panel.size.isEnabled()
    loaded(qtbot, panel, "xor:40")
    assert panel.size.isEnabled()
