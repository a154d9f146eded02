"""The pieces behind the Train mode's views: image grids, colour scales, the decision-boundary
grid, the confusion matrix trimming, curve smoothing, ETA text, settings and the memory check."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.data import load_data
from designer.engine.net import EngineNet
from designer.engine.progress import BatchProgress
from designer.model import load_model, loads
from designer.ui.training import probes
from designer.ui.training.boundary import boundary_rgb
from designer.ui.training.confusion import ConfusionView, trimmed
from designer.ui.training.feature_maps import filter_tiles, layer_labels, map_tiles
from designer.ui.training.images import DIVERGING, grid_shape, mosaic, normalise, tiles_rgb
from designer.ui.training.plots import Series
from designer.model import human_bytes
from designer.engine import memory_problem
from designer.ui.training.settings import suggest
from designer.ui.training.worker import eta_text, failure_sentence, position

MLP = loads('{"format": "nn-designer", "version": 1, "name": "mlp", "layers": ['
            '{"type": "input", "features": 2}, {"type": "dense", "units": 8}, {"type": "tanh"},'
            '{"type": "dense", "units": 2}, {"type": "softmax"}]}')


def test_mosaic_lays_tiles_in_rows_with_gaps():
    tiles = np.zeros((5, 2, 3, 3), np.uint8)
    tiles[:] = np.arange(1, 6, dtype=np.uint8)[:, None, None, None]
    picture = mosaic(tiles, cols=3, gap=1, background=(0, 0, 0))
    assert picture.shape == (2 * 2 + 3, 3 * 3 + 4, 3)
    assert picture[1, 1, 0] == 1 and picture[1, 5, 0] == 2 and picture[4, 1, 0] == 4
    assert picture[4, 9, 0] == 0                      # the sixth place is empty
    assert grid_shape(6) == (2, 3) and grid_shape(16, aspect=4.0) == (2, 8) and grid_shape(0) == (0, 0)


def test_values_are_scaled_per_tile_or_around_zero():
    a = np.array([[[0.0, 2.0]], [[10.0, 30.0]]])
    rgb = tiles_rgb(a)                                 # gray, per tile
    assert rgb.shape == (2, 1, 2, 3)
    assert rgb[0, 0, 0, 0] == 0 and rgb[0, 0, 1, 0] == 255 and rgb[1, 0, 1, 0] == 255
    assert normalise(np.array([-2.0, 0.0, 1.0]), symmetric=True).tolist() == [0.0, 0.5, 0.75]
    w = np.zeros((4, 1, 3, 3))
    w[0, 0, 0, 0], w[1, 0, 0, 0] = 1.0, -1.0
    tiles = filter_tiles(w)
    assert tuple(tiles[0, 0, 0]) == tuple(DIVERGING[255]) and tuple(tiles[1, 0, 0]) == tuple(DIVERGING[0])
    assert tuple(tiles[2, 1, 1]) == tuple(DIVERGING[128])             # zero is the middle colour
    assert filter_tiles(np.random.default_rng(0).normal(size=(5, 3, 4, 4))).shape == (5, 4, 4, 3)


def test_feature_maps_of_a_layer_and_labels_like_the_canvas():
    net = load_model("lenet5")
    engine = EngineNet(net, seed=0)
    x = load_data("shapes:12").x[0]
    maps = probes.feature_maps(engine, x, 1)
    assert maps.shape == (6, 28, 28) and map_tiles(maps).shape == (6, 28, 28, 3)
    assert probes.feature_maps(engine, x, 4).shape == (16, 10, 10)
    assert map_tiles(probes.feature_maps(engine, x, 9)).shape == (84, 1, 1, 3)
    assert probes.first_filters(engine).shape == (6, 1, 5, 5)
    labels = dict(layer_labels(net))
    assert labels[1] == "#1 conv → 28×28×6" and labels[4] == "#4 conv → 10×10×16"
    assert labels[12] == "#12 softmax → 10" and 0 not in labels
    alexnet = dict(layer_labels(load_model("alexnet")))
    assert alexnet[1] == "#1 conv · conv1 → 55×55×96"


def test_the_decision_boundary_grid_colours_by_class_and_confidence():
    engine = EngineNet(MLP, seed=0)
    points = load_data("spirals:100").x
    extent = probes.boundary_extent(points)
    assert extent[0] < points[:, 0].min() and extent[3] > points[:, 1].max()
    b = probes.decision_boundary(engine, extent, "softmax", size=30)
    assert b.classes.shape == (30, 30) and set(np.unique(b.classes)) <= {0, 1}
    assert np.all((b.confidence >= 0.5) & (b.confidence <= 1))
    # row = y, column = x: the grid point (i, j) is what the net says at (x_j, y_i)
    gx = np.linspace(extent[0], extent[1], 30)[7]
    gy = np.linspace(extent[2], extent[3], 30)[21]
    assert b.classes[21, 7] == engine.predict(np.array([[gx, gy]])).argmax()
    rgb = boundary_rgb(b, 2)
    assert rgb.shape == (30, 30, 3) and rgb.dtype == np.uint8
    sure = probes.Boundary(np.array([[0, 1]]), np.array([[1.0, 0.5]], np.float32), extent)
    assert boundary_rgb(sure, 2)[0, 1].tolist() == [255, 255, 255]   # chance level is white
    assert boundary_rgb(sure, 2)[0, 0].tolist() != [255, 255, 255]


def test_single_output_networks_get_a_boundary_too():
    net = load_model("perceptron")
    engine = EngineNet(net, seed=0)
    b = probes.decision_boundary(engine, (-1, 1, -1, 1), "sign", size=10)
    out = engine.predict(np.array([[1.0, 1.0]]))[0, 0]
    assert b.classes[-1, -1] == int(out > 0)
    assert probes.is_planar(load_data("blobs:10")) and not probes.is_planar(load_data("shapes:12"))


def test_the_confusion_matrix_drops_outputs_no_class_uses():
    m = np.zeros((10, 10), int)
    m[:6, :6] = np.eye(6, dtype=int) * 5
    assert trimmed(m, 6).shape == (6, 6)
    m[2, 8] = 1                                      # a prediction of output 8 keeps it
    assert trimmed(m, 6).shape == (9, 9)


def test_the_confusion_view_names_the_most_common_mistake(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    m = np.diag([5, 6, 7])
    view.show_matrix(m, ["cat", "dog", "cow"], epoch=2)
    assert view.mistake_text() == "No mistakes on the validation set."
    m[1, 2] = 3
    m[0, 1] = 1
    view.show_matrix(m, ["cat", "dog", "cow"], epoch=3)
    assert view.title == "Confusion on validation, epoch 3: 81.8 % of 22 right"
    assert view.mistake_text() == "Most common mistake: dog taken for cow (3 times)."
    view.resize(300, 300)
    view.grab()                                      # paints without error


def test_smoothing_is_bias_corrected_and_kept_point_by_point():
    s = Series(weight=0.5)
    for x, y in enumerate([4.0, 2.0, float("nan"), 1.0]):
        s.add(x, y)
    assert s.x == [0.0, 1.0, 3.0]                    # NaN is skipped
    assert s.smoothed[0] == 4.0                       # no pull towards 0 at the start
    assert s.smoothed[1] == pytest.approx((0.5 * 0.5 * 4 + 0.5 * 2) / 0.75)
    s.keep_until(1.0)
    assert s.x == [0.0, 1.0] and len(s.smoothed) == 2


def test_small_texts():
    assert eta_text(42) == "0:42" and eta_text(3725) == "1:02:05" and eta_text(float("inf")) == "—"
    assert human_bytes(2_427_635_424) == "2.3 GB" and human_bytes(1536) == "1.5 KB" and human_bytes(12) == "12 B"
    assert failure_sentence(MemoryError(), "training") == "training ran out of memory; try a smaller batch size"
    assert failure_sentence(OSError("bad"), "reading x") == "reading x failed: bad (OSError)"
    # anything that is not bad input, memory or the system's refusal is a bug, and said to be one
    assert failure_sentence(ValueError("bad"), "reading x") == \
        "reading x stopped because of a bug in NN Designer (ValueError: bad); the bug report has the details"
    assert position(BatchProgress(3, 4, 5, 10, 0.1, None, 100.0, 1.0, 0.01)) == 2.5


def test_memory_check_and_suggestions_without_qt():
    alexnet = load_model("alexnet")
    assert memory_problem(alexnet, 128, lambda: 64 * 10 ** 9) is None
    assert memory_problem(alexnet, 128, lambda: None) is None
    assert "1.5 GB" in memory_problem(alexnet, 128, lambda: 10 ** 9)  # as the summary says
    assert memory_problem(load_model("lenet5"), 64, lambda: 10 ** 9) is None
    assert suggest(load_model("mlp-example"))["loss"] == "mse"       # sigmoid outputs, target vectors


def test_the_boundary_view_shows_the_boundary_image_and_nothing_beyond(qtbot):
    from designer.ui.training.boundary import BoundaryView
    view = BoundaryView()
    qtbot.addWidget(view)
    view.resize(200, 600)                            # a tall, narrow dock
    view.show()
    data = load_data("spirals:100")
    view.set_dataset(data)
    extent = probes.boundary_extent(data.x)
    view.show_boundary(probes.decision_boundary(EngineNet(MLP, seed=0), extent, "softmax", size=20))
    view.resize(180, 640)

    def shows_the_extent():
        (x0, x1), (y0, y1) = view.plot.getPlotItem().getViewBox().viewRange()
        return (x0, x1) == pytest.approx(extent[:2]) and (y0, y1) == pytest.approx(extent[2:])
    qtbot.waitUntil(shows_the_extent)


def test_confusion_column_names_turn_upright_when_they_do_not_fit_and_nothing_is_cut(qtbot):
    view = ConfusionView()
    qtbot.addWidget(view)
    shapes = ["square", "circle", "triangle", "cross", "horizontal bar", "vertical bar"]
    m = np.diag([60, 62, 64, 66, 68, 70])
    m[0, 5] = 1
    view.show_matrix(m, shapes, epoch=1)
    view.resize(340, 360)
    view.grab()
    assert view.headers_turned                       # "squ…" no more: the names stand upright
    assert view.mistake_rect.bottom() <= view.height()
    view.show_matrix(np.eye(10, dtype=int) * 9, [str(d) for d in range(10)], epoch=1)
    view.grab()
    assert not view.headers_turned                   # digits fit across
    view.resize(180, 260)                            # a narrow dock: the mistake line still shows
    view.show_matrix(m, shapes, epoch=2)
    view.grab()
    assert view.mistake_rect.bottom() <= view.height()


def test_the_loss_axis_shows_plain_numbers(qtbot):
    from designer.ui.training.plots import Curves
    from designer.ui.training.worker import BatchUpdate
    curves = Curves()
    qtbot.addWidget(curves)
    curves.resize(700, 300)
    curves.show()
    latest = BatchProgress(1, 1, 4, 4, 0.01, 0.5, 100.0, 1.0, 0.05)
    curves.add_batches(BatchUpdate(latest, x=[0.25, 0.5, 0.75, 1.0], loss=[0.8, 0.4, 0.02, 0.01],
                                   acc=[0.5, 0.6, 0.7, 0.8]))
    curves.redraw()
    loss_box = curves.loss_plot.getPlotItem().getViewBox()
    qtbot.waitUntil(lambda: loss_box.viewRange()[1][0] <= 0.01 and loss_box.viewRange()[1][1] >= 0.8)  # scaled to the data
    for plot in (curves.loss_plot, curves.acc_plot, curves.lr_plot):
        axis = plot.getPlotItem().getAxis("left")
        assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()


def test_one_output_is_one_value(qtbot):
    from designer.ui.training.feature_maps import FeatureMapView
    view = FeatureMapView()
    qtbot.addWidget(view)
    view.set_network(load_model("perceptron"))
    view.show_maps(1, 0, np.array([1.9], np.float32))
    assert view.caption.text().startswith("1 value;")
