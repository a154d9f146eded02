"""The training plots have room: the curves take the whole bottom dock, side by
side while each keeps 240 px, else in rows; one legend above them, none on the data; sane axes
before any point; the confusion matrix as tall as what it holds."""
from __future__ import annotations

import numpy as np
import pytest

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401


@pytest.fixture
def curves(qtbot):
    from designer.ui.training.plots import Curves
    c = Curves()
    qtbot.addWidget(c)
    c.show()
    return c


def laid_out(qtbot, widget, width, height) -> None:
    widget.resize(width, height)
    deliver_posted_events()
    qtbot.wait(10)
    deliver_posted_events()


@pytest.mark.parametrize("width, columns", [(560, 2), (800, 2), (400, 1), (300, 1)])
def test_each_plot_keeps_its_room_side_by_side_or_in_rows(curves, qtbot, width, columns):
    laid_out(qtbot, curves, width, 420)
    loss, acc = curves.loss_plot.geometry(), curves.acc_plot.geometry()
    if columns == 2:
        assert loss.top() == acc.top() and loss.right() < acc.left()
        assert min(loss.width(), acc.width()) >= curves.PLOT_WIDTH - 10
    else:
        assert loss.bottom() < acc.top()              # one above the other, each the full width
        assert min(loss.width(), acc.width()) >= width - 10


def test_a_changing_rate_adds_its_plot_and_the_plots_rearrange(curves, qtbot):
    from designer.engine.progress import BatchProgress
    from designer.ui.training.worker import BatchUpdate
    laid_out(qtbot, curves, 800, 420)
    assert curves.lr_plot.isHidden()                   # no rate yet: no plot for it
    for lr, x0 in ((0.05, 0.0), (0.005, 1.0)):
        latest = BatchProgress(1, 1, 2, 2, 0.4, 0.6, 100.0, 1.0, lr=lr)
        curves.add_batches(BatchUpdate(latest, x=[x0, x0 + 0.5], loss=[0.8, 0.4], acc=[0.5, 0.6]))
        curves.redraw()
    laid_out(qtbot, curves, 800, 420)
    assert curves.lr_plot.isVisible()
    tops = {p.geometry().top() for p in (curves.loss_plot, curves.acc_plot, curves.lr_plot)}
    assert len(tops) == 1                              # 800 px: three plots of 240 px side by side
    laid_out(qtbot, curves, 560, 420)
    assert curves.lr_plot.geometry().top() > curves.loss_plot.geometry().bottom()  # wrapped below


def test_the_legend_is_above_the_plots_not_on_the_curves(curves, qtbot):
    laid_out(qtbot, curves, 600, 400)
    for plot in (curves.loss_plot, curves.acc_plot, curves.lr_plot):
        assert plot.getPlotItem().legend is None
    text = curves.legend.text()
    assert "batches" in text and "per epoch" in text and "validation" in text
    assert curves.legend.geometry().bottom() <= curves.loss_plot.geometry().top()


def test_empty_axes_read_accuracy_0_to_100_and_loss_from_0(curves, qtbot):
    laid_out(qtbot, curves, 600, 400)
    (_x, (acc_lo, acc_hi)) = curves.acc_plot.getPlotItem().getViewBox().viewRange()
    assert acc_lo <= 0 and acc_hi >= 100                  # not 0.1–0.9 under "accuracy %"
    (_x, (loss_lo, _hi)) = curves.loss_plot.getPlotItem().getViewBox().viewRange()
    assert loss_lo <= 0


def test_the_confusion_matrix_is_as_tall_as_what_it_holds(qtbot):
    from designer.ui.training.confusion import ConfusionView
    view = ConfusionView()
    qtbot.addWidget(view)
    view.resize(320, 400)
    empty = view.sizeHint().height()
    assert empty < 80                                    # one sentence: not 340 px
    heights = {}
    for k in (3, 10):
        view.show_matrix(np.eye(k, dtype=int) * 5, [f"class {i}" for i in range(k)], 1)
        heights[k] = view.sizeHint().height()
    assert empty < heights[3] < heights[10]
    view.clear()
    assert view.sizeHint().height() == empty


def test_in_train_mode_the_curves_fill_the_bottom_and_the_maps_go_right(window, qtbot):
    window.resize(780, 700)
    window.set_mode("Train")
    mode = window.train_mode
    deliver_posted_events()
    views = mode.views
    assert views.curves.isVisibleTo(window.stacks["bottom"])
    for view in (views.maps, views.filters, views.confusion):
        assert window.stacks["right"].isAncestorOf(view)
    assert window.docks["bottom"].windowTitle() == "Training curves"
    # The empty confusion matrix leaves the dock's height to the maps and filters.
    qtbot.waitUntil(lambda: views.confusion.height() < 120 and views.maps.height() > 150, timeout=2000)
