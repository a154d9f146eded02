"""The decision-boundary view with large 2-D data sets: a bounded, seeded subset of the points,
drawn with one shared brush per class."""
from __future__ import annotations

import numpy as np

from designer.engine.data import load_data
from designer.ui.training.boundary import BoundaryView


def test_the_boundary_view_draws_a_seeded_subset_with_one_brush_per_class(qtbot):
    view = BoundaryView()
    qtbot.addWidget(view)
    blobs = load_data("blobs:20000", seed=0)
    view.set_dataset(blobs)
    data = view.points.data
    assert len(data) <= 5000
    assert len({id(b) for b in data["brush"]}) == blobs.num_classes   # shared, one per class
    first = np.c_[data["x"], data["y"]]
    view.set_dataset(blobs)                                            # the same subset again
    assert np.array_equal(np.c_[view.points.data["x"], view.points.data["y"]], first)


def test_a_small_set_shows_every_point():
    circles = load_data("circles:200", seed=0)
    from designer.ui.training.boundary import shown_points
    assert np.array_equal(shown_points(len(circles)), np.arange(200))


def test_the_data_panel_and_the_boundary_colour_classes_alike(qtbot):
    from designer.ui.training.data_panel import DataPanel
    panel = DataPanel()
    qtbot.addWidget(panel)
    view = BoundaryView()
    qtbot.addWidget(view)
    blobs = load_data("blobs:300", seed=0)
    panel._show_samples(blobs)
    view.set_dataset(blobs)
    curves = [item for item in panel.scatter.getPlotItem().listDataItems()]
    scatter_colours = [c.opts["symbolBrush"] for c in curves]
    boundary_colours = {int(c): b.color().getRgb()[:3] for c, b in zip(blobs.y, view.points.data["brush"])}
    assert [tuple(c) for c in scatter_colours] == [boundary_colours[c] for c in range(blobs.num_classes)]
    panel.shutdown()


def test_the_data_panels_scatter_draws_the_same_bounded_sample(qtbot):
    """The Data panel's picture of 2-D data draws at most MAX_POINTS points too."""
    from designer.engine.data import load_data
    from designer.ui.training.boundary import MAX_POINTS
    from designer.ui.training.data_panel import DataPanel
    panel = DataPanel()
    qtbot.addWidget(panel)
    panel._show_samples(load_data("blobs:20000"))
    drawn = sum(len(item.xData) for item in panel.scatter.getPlotItem().listDataItems())
    assert drawn == MAX_POINTS
