"""Opening and fitting every template and an imported model (GoogLeNet from ONNX, 144 blocks):
on opening, the whole network when its blocks stay at least READABLE_ZOOM of their size, else its
full width at a readable zoom starting at the input; Fit (Ctrl+0) shows everything, however
small: no scroll bar, no block cut. Neither changes the layout (one vertical flow)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF

from designer.model import TEMPLATES
from designer.ui.canvas.view import READABLE_ZOOM
from ui_support import dialog_log, window  # noqa: F401


def shown(window) -> QRectF:
    canvas = window.canvas
    return canvas.mapToScene(canvas.viewport().rect()).boundingRect().adjusted(-1, -1, 1, 1)


def blocks(window) -> list:
    return [b.sceneBoundingRect() for b in window.scene.blocks.values() if b.isVisible()]


def check_open_and_fit(window, qtbot):
    canvas = window.canvas
    qtbot.waitUntil(lambda: not canvas.arrange_pending)
    positions = [b.pos() for b in window.scene.blocks.values()]
    view = shown(window)
    first = window.scene.block_at_index(0).sceneBoundingRect()
    if all(view.contains(rect) for rect in blocks(window)):
        assert canvas.zoom >= READABLE_ZOOM - 1e-6, canvas.zoom  # whole, and readable
    else:  # full width, readable, from the input at the top
        assert canvas.zoom >= READABLE_ZOOM - 1e-6 and view.contains(first)
        xs = [r for r in blocks(window)]
        assert canvas.zoom >= 1 - 1e-6 or (view.left() <= min(r.left() for r in xs) and
                                           view.right() >= max(r.right() for r in xs))
    window.actions_by_name["fit"].trigger()
    qtbot.waitUntil(lambda: not canvas.arrange_pending)
    qtbot.waitUntil(lambda: not (canvas.horizontalScrollBar().isVisible() or canvas.verticalScrollBar().isVisible()
                                 or canvas.arrange_pending), timeout=2000)  # Qt hides them on its next layout
    view = shown(window)
    assert all(view.contains(rect) for rect in blocks(window))
    assert [b.pos() for b in window.scene.blocks.values()] == positions  # Fit zooms, never re-lays out


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_every_template_opens_readable_and_fits_whole(window, qtbot, name):
    window.files.new_from_template(name)
    check_open_and_fit(window, qtbot)


@pytest.mark.parametrize("name", ["mnist-resnet.json"])
def test_the_examples_open_readable_and_fit_whole(window, qtbot, name):
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "docs" / "examples" / name
    assert window.files.open_path(path, ask=False)
    check_open_and_fit(window, qtbot)


def test_googlenet_imported_opens_readable_and_fits_whole(window, qtbot):
    pytest.importorskip("onnx")
    from onnx_support import light
    assert window.open_model(str(light("inception_v1")))
    assert len(window.network.layers) == 144 and window.scene.is_graph
    check_open_and_fit(window, qtbot)
    stem = [window.scene.block_at_index(i).pos().x() for i in range(11)]
    assert len(set(stem)) == 1  # the stem runs straight down
    window.undo_stack.clear()


def test_wrapping_into_columns_only_when_asked_and_back_to_one_flow(window, qtbot):
    window.files.new_from_template("resnet18")
    flow = [b.pos() for b in window.scene.blocks.values()]
    window.actions_by_name["fit"].trigger()
    whole = window.canvas.zoom
    wrap = window.actions_by_name["wrap"]
    wrap.trigger()                                   # the user asks
    assert wrap.isChecked() and window.scene.max_rows
    assert len({b.pos().x() for b in window.scene.blocks.values()}) > 2  # bands side by side
    assert window.canvas.zoom > 2 * whole            # fitted, much bigger than one long flow
    view = window.canvas.mapToScene(window.canvas.viewport().rect()).boundingRect().adjusted(-1, -1, 1, 1)
    assert all(view.contains(b.sceneBoundingRect()) for b in window.scene.blocks.values() if b.isVisible())
    wrap.trigger()
    assert window.scene.max_rows is None and [b.pos() for b in window.scene.blocks.values()] == flow
