"""How the lessons look (the smaller Learn items): the backprop stepper's weights do not
bunch up at their source neurons, the activation gallery uses the lessons' font, the first
lesson shows itself on the first visit, the graph's legend is whole."""
from __future__ import annotations

import pytest

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401


@pytest.mark.parametrize("stage", ["start", "update"])
def test_no_two_weight_labels_overlap(qtbot, stage):
    from designer.ui.learn.backprop import BackpropView
    view = BackpropView(None)
    qtbot.addWidget(view)
    view.resize(900, 460)
    view.show()
    view.show_example()
    if stage == "start":
        view.set_stage(0)
    labels = view.drawing.weight_labels
    assert len(labels) >= 8                        # the course example: 3·2 + 2·2 weights
    rects = {key: item.sceneBoundingRect() for key, item in labels.items()}
    clashes = [(a, b) for a in rects for b in rects if a < b and rects[a].intersects(rects[b])]
    assert not clashes, clashes
    # Each sits clear of the other edges (at 0.3 of the way, the weights leaving a neuron sat
    # 15 px from its other edges, where they fan out and run together).
    from designer.ui.learn.backprop_drawing import _distance
    segments = view.drawing._segments
    near = {key: min(_distance(rect.center(), a, b) for a, b, other in segments if other != key)
            for key, rect in rects.items()}
    assert min(near.values()) >= 18, near


def test_the_activation_gallery_uses_the_lessons_font(window, qtbot):
    window.set_mode("Learn")
    gallery = window.learn_mode.show_lesson("activations")
    stepper = window.learn_mode.show_lesson("backprop")
    size = stepper.font().pointSizeF()
    for widget in (gallery.list, gallery.info, gallery.readout):
        assert widget.font().pointSizeF() == size, (widget, widget.font().pointSizeF(), size)
    assert f"font-size:{size + 1:g}pt" in gallery.html()       # its formulas one point larger


def test_the_first_visit_shows_the_first_lesson(window, qtbot):
    window.set_mode("Learn")
    mode = window.learn_mode
    first = mode.views[mode.current]
    assert mode.current == "backprop" and mode.bottom.currentWidget() is first
    assert mode.list.currentRow() == 0
    qtbot.waitUntil(lambda: first.isVisible() and first.width() > 300)
    assert first.drawing.weight_labels                             # drawn, not blank


def test_learn_gives_the_lesson_most_of_the_height_and_hides_the_inspector(window, qtbot):
    window.resize(780, 700)
    qtbot.waitUntil(lambda: window.width() == 780)
    window.set_mode("Learn")
    deliver_posted_events()
    qtbot.waitUntil(lambda: window.docks["bottom"].height() >= 0.6 * window.height(), timeout=2000)
    assert not window.docks["right"].isVisible()     # the inspector beside the lessons: View ▸ Panels
    window.set_mode("Design")
    qtbot.waitUntil(lambda: window.docks["right"].isVisible(), timeout=2000)
