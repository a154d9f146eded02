"""The Train mode against hostile data and files: a summary never costs more than the
data it summarises, large reads stay off the GUI thread, and no message is lost."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from train_ui_support import MS, loaded, make_mode  # noqa: F401

from designer.engine import training
from designer.engine.data import Dataset
from designer.ui.training.data_panel import balanced_sample, class_summary
from designer.ui.training.state import TrainState


def peak_bytes_while(action) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_huge_label_costs_no_more_than_the_data_and_is_refused_as_the_command_line_does(
        make_mode, qtbot, tmp_path):
    from designer.engine.data import DataError, load_data

    mode = make_mode("perceptron")
    # The largest label the readers accept: the summary costs a sort of 3 labels, not a count
    # and a name per possible class (a bincount and a list of 10⁵ strings).
    small, path = tmp_path / "small.csv", tmp_path / "labels.csv"
    small.write_text("1,2,0\n3,4,1\n5,6,1\n")
    path.write_text("1,2,0\n3,4,1\n5,6,99999\n")
    loaded(qtbot, mode.data, str(small))        # the panel's own first-time costs
    usual = peak_bytes_while(lambda: loaded(qtbot, mode.data, str(small)))
    peak = peak_bytes_while(lambda: loaded(qtbot, mode.data, str(path)))
    assert peak < usual + 2 ** 18, f"label 99999 took {(peak - usual) / 2 ** 20:.1f} MiB more than label 1"
    assert mode.data.classes.text() == "classes: 0 1 · 1 1 · 99999 1"
    problem = mode.data.fit_problem()            # the sentence `nn-designer train` gives
    assert "has labels up to 99999 but the network has 1 output" in problem
    assert not mode.start() and mode.state is TrainState.IDLE and problem in mode.panel.message.text()
    # The 10⁹ is refused by the reader the command line uses, with its sentence.
    path.write_text("1,2,0\n3,4,1\n5,6,1000000000\n")
    with pytest.raises(DataError) as refused:
        load_data(str(path))
    with qtbot.waitSignal(mode.data.message, timeout=MS) as said:
        mode.data.load(str(path))
    text = str(refused.value)
    assert said.args[0].rstrip(".").lower() == text.rstrip(".").lower()


def test_summaries_of_many_classes_are_bounded():
    y = np.arange(200_000, dtype=np.int64) * 50    # 200,000 classes of one sample, labels up to 10⁷
    ds = Dataset("many", np.zeros((len(y), 2), np.float32), y, None, "test")
    assert class_summary(ds).endswith("· … 199990 more")
    # a few working copies of the labels (a sort), not a count or a name per possible class
    assert peak_bytes_while(lambda: class_summary(ds)) < 6 * y.nbytes
    picked = balanced_sample(y, 24)
    assert list(picked) == list(range(24))
    named = Dataset("named", np.zeros((4, 2), np.float32), np.array([0, 0, 2, 2]), ["a", "b", "c"], "t")
    assert class_summary(named) == "classes: a 2 · b 0 · c 2"   # a named class without samples


def test_no_confusion_matrix_larger_than_the_data(monkeypatch):
    monkeypatch.setattr(training, "CONFUSION_MAX_CLASSES", 3)
    from designer.model import Layer, Network

    def net(units):
        return Network([Layer.make("input", features=2), Layer.make("dense", units=units)], "n")

    rng = np.random.default_rng(0)
    ds = Dataset("d", rng.random((40, 2)).astype(np.float32), np.arange(40) % 3, None, "t")
    cfg = training.TrainConfig(epochs=1, batch_size=8, lr=0.01, val_split=0.25)
    small = [e for e in training.Trainer(net(3), ds, cfg).run() if hasattr(e, "confusion")]
    assert small[-1].confusion.shape == (3, 3)
    big = [e for e in training.Trainer(net(4), ds, cfg).run() if hasattr(e, "confusion")]
    assert big[-1].confusion is None and 0.0 <= big[-1].val_acc <= 1.0


def test_large_weights_are_read_off_the_gui_thread(make_mode, qtbot, tmp_path, monkeypatch):
    """The read runs on a worker thread: the GUI thread goes on while it lasts (held here by an
    event the test sets; a real 1 MB file holding 800 MB of zeros took 2.6 s)."""
    import threading

    from designer.engine.net import EngineNet
    from designer.model import save_weights
    from designer.ui.training import weights_actions

    mode = make_mode("lenet5")
    save_weights(tmp_path / "w.npz", EngineNet(mode.network).state_dict())
    release, readers = threading.Event(), []
    real = weights_actions.load_weights

    def slow(path, network):
        readers.append(threading.current_thread())
        assert release.wait(30)
        return real(path, network)

    monkeypatch.setattr(weights_actions, "load_weights", slow)
    mode.load_weights(str(tmp_path / "w.npz"))      # returns at once
    qtbot.waitUntil(lambda: bool(readers), timeout=MS)
    assert readers[0] is not threading.main_thread()
    assert mode.loading_weights and "Reading the weights" in mode.panel.message.text()
    assert mode.start_weights is None
    with qtbot.waitSignal(mode.weights_loaded, timeout=MS):
        release.set()
    assert mode.start_weights is not None and "next run starts from them" in mode.panel.message.text()


def test_a_weights_error_is_not_wiped_when_data_finishes_loading(make_mode, qtbot, tmp_path, monkeypatch):
    import threading

    from designer.ui.training import data_panel

    mode = make_mode("lenet5")
    (tmp_path / "junk.npz").write_text("not a zip")
    release, real = threading.Event(), data_panel.load_data

    def held(spec, seed=0, progress=None):
        assert release.wait(30)
        return real(spec, seed=seed, progress=progress)

    monkeypatch.setattr(data_panel, "load_data", held)
    mode.data.load("shapes:200")                    # still reading while the weights fail
    with qtbot.waitSignal(mode.weights_loaded, timeout=MS):
        mode.load_weights(str(tmp_path / "junk.npz"))
    error = mode.panel.message.text()
    assert "junk.npz" in error and mode.panel.tone == "error"
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=MS):
        release.set()
    assert mode.panel.message.text() == error
    # A complaint about the data itself still goes when good data arrives.
    (tmp_path / "bad.csv").write_text("a,b\n")
    with qtbot.waitSignal(mode.data.message, timeout=MS):
        mode.data.load(str(tmp_path / "bad.csv"))
    assert "bad.csv" in mode.panel.message.text()
    loaded(qtbot, mode.data, "shapes:100")
    assert mode.panel.message.text() == ""


def test_a_rate_that_never_changes_takes_no_plot(qtbot):
    from designer.engine.progress import BatchProgress
    from designer.ui.training.plots import Curves
    from designer.ui.training.worker import BatchUpdate

    curves = Curves()
    qtbot.addWidget(curves)
    curves.resize(700, 300)
    curves.show()

    def batches(lr, x0):
        latest = BatchProgress(1, 1, 2, 2, 0.4, 0.6, 100.0, 1.0, lr=lr)
        curves.add_batches(BatchUpdate(latest, x=[x0, x0 + 0.5], loss=[0.8, 0.4], acc=[0.5, 0.6]))
        curves.redraw()

    batches(0.05, 0.0)
    batches(0.05, 1.0)
    assert curves.lr_plot.isHidden()
    assert curves.loss_plot.width() > 700 * 0.4           # the two plots share the room
    batches(0.005, 2.0)                                    # a schedule cut the rate
    qtbot.waitUntil(lambda: curves.lr_plot.isVisible())
    curves.clear()
    assert curves.lr_plot.isHidden()


def test_the_progress_line_says_the_rate_in_use():
    from designer.engine.progress import BatchProgress
    from designer.ui.training.train_panel import TrainPanel

    panel = TrainPanel()
    panel.show_progress(BatchProgress(2, 5, 10, 50, 0.4, 0.6, 1200.0, 30.0, lr=0.005), "img")
    assert panel.rate.text().endswith("· η 0.005")


def test_confusion_names_are_whole_when_they_fit(qtbot):
    from designer.ui.training.confusion import ConfusionView

    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(340, 320)                      # the Results dock of a 1280×720 window
    view.show()
    names = ["square", "circle", "triangle", "cross", "horizontal bar", "vertical bar"]
    view.show_matrix(np.diag([60, 60, 60, 60, 60, 60]), names, 3)
    qtbot.waitUntil(lambda: bool(view.row_names))
    assert view.row_names == names
    assert view.column_names == names           # turned upright, and whole
    view.show_matrix(np.diag([5, 5]), ["a name far too long to sit beside a small matrix", "b"], 1)
    view.resize(200, 200)
    qtbot.waitUntil(lambda: view.row_names[0] != names[0] and view.row_names[0].endswith("…"))


def test_the_feature_map_layer_box_shows_its_whole_label(qtbot):
    from designer.model import load_model
    from designer.ui.training.feature_maps import FeatureMapView

    view = FeatureMapView()
    qtbot.addWidget(view)
    view.set_network(load_model("alexnet"))
    view.resize(300, 200)                      # its share of the bottom dock at 1280×720
    view.show()
    qtbot.waitExposed(view)
    assert view.minimumSizeHint().width() <= 300
    text = view.layer.currentText()
    assert text == "#1 conv · conv1 → 55×55×96"
    assert view.layer.width() >= view.layer.fontMetrics().horizontalAdvance(text) + 20
    assert view.layer.geometry().right() < view.width()   # inside the view, not cut at its edge


def test_the_decision_boundary_keeps_the_shape_of_the_plane(qtbot):
    from designer.engine.data import load_data
    from designer.ui.training.boundary import BoundaryView
    from designer.ui.training.probes import boundary_extent

    view = BoundaryView()
    qtbot.addWidget(view)
    data = load_data("spirals:300")
    view.set_dataset(data)
    x0, x1, y0, y1 = boundary_extent(data.x)
    want = (x1 - x0) / (y1 - y0)
    for size in ((300, 600), (600, 300)):      # a tall dock, a wide one
        view.resize(*size)
        view.show()
        qtbot.waitUntil(lambda: abs(view.frame.data_ratio_shown() / want - 1) < 0.05)
        vb = view.plot.getPlotItem().vb
        (vx0, vx1), (vy0, vy1) = vb.viewRange()
        assert (vx0, vx1, vy0, vy1) == pytest.approx((x0, x1, y0, y1), rel=1e-3, abs=1e-3)  # no bands


def test_alexnet_on_mnist_sized_images_is_not_offered_a_fix_that_cannot_train(make_mode, qtbot, tmp_path):
    mode = make_mode("alexnet")
    x = np.random.default_rng(0).random((20, 1, 28, 28)).astype(np.float32)
    np.savez(tmp_path / "digits.npz", x=x, y=np.arange(20) % 10)
    loaded(qtbot, mode.data, str(tmp_path / "digits.npz"))
    text = mode.data.fit_text.text()
    assert mode.data.fit_button.isHidden()
    assert "an input of 28×28×1 would not be enough" in text and "larger than the padded input 2×2" in text
    # Where the fix works, it is offered and gives a network that trains on the data.
    x = np.random.default_rng(0).random((20, 3, 200, 200)).astype(np.float32)
    np.savez(tmp_path / "big.npz", x=x, y=np.arange(20) % 10)
    loaded(qtbot, mode.data, str(tmp_path / "big.npz"))
    assert mode.data.fit_button.text() == "Set the input layer to 200×200×3"
    mode.set_input(dict(mode.data._fix))
    assert mode.data.fit_problem() is None


def test_the_panel_says_where_its_suggested_settings_come_from(make_mode):
    from designer.engine.settings import defaults

    panel = make_mode("lenet5").panel
    assert panel.config().epochs != defaults()["epochs"]           # a suggestion, not the defaults
    assert panel.source.isVisibleTo(panel) and panel.source.text().startswith("Suggested for a small network")
    assert "--epochs 15" in panel.source.toolTip() and "nn-designer train" in panel.source.toolTip()
    alexnet = make_mode("alexnet").panel
    assert alexnet.source.text().startswith("AlexNet's recipe")
