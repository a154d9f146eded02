"""The canvas's layout in the window stays put: an edit through the Editor moves only the blocks
below it (the scene keeps each block's row and column across edits), undo puts every block
back, collapse and expand keep the zoom, and Tidy lays out afresh."""
from __future__ import annotations

from ui_support import click_block, dialog_log, types, window  # noqa: F401


def places(window) -> dict:
    return {uid: (b.pos().x(), b.pos().y()) for uid, b in window.scene.blocks.items() if b.isVisible()}


def test_a_residual_on_lenet_moves_only_the_blocks_below_it_and_undo_puts_them_back(window):
    window.files.new_from_template("lenet5")
    before = places(window)
    click_block(window, 8)
    window.actions_by_name["add_residual"].trigger()  # around a relu: the same shape, an add
    assert "add" in types(window)
    after = places(window)
    add = types(window).index("add")
    above = [window.network[i].uid for i in range(add)]
    assert all(after[uid] == before[uid] for uid in above)
    assert all(after[uid][0] == before[uid][0] for uid in before)  # no wrapped columns, no sideways
    window.undo_stack.undo()
    assert places(window) == before


def test_collapse_and_expand_keep_the_zoom_and_the_blocks_above(window):
    window.files.new_from_template("resnet20")
    canvas = window.canvas
    canvas.zoom_by(0.8)
    zoom = canvas.zoom
    before = places(window)
    count = window.editor.collapse_blocks()
    assert count >= 3 and canvas.zoom == zoom
    first = min(window.network.index_of(uid) for group in window.scene.collapsed for uid in group)
    above = [window.network[i].uid for i in range(first)]
    assert all(places(window)[uid] == before[uid] for uid in above)
    for group in list(window.scene.collapsed):
        window.scene.expand(group)
    assert canvas.zoom == zoom and places(window) == before


def test_rewiring_one_edge_swaps_no_unrelated_blocks(window):
    window.files.new_from_template("inception")
    before = places(window)
    relu, conv = window.network[2].uid, window.network[12].uid
    assert window.editor.connect_layers(relu, conv)
    after = places(window)
    moved = {uid for uid in before if after[uid] != before[uid]}
    assert moved <= {window.network[i].uid for i in (12, 13, 14)}


def test_a_residual_with_a_projection_moves_nothing_above_it_on_the_screen(window):
    window.files.new_from_template("lenet5")
    canvas = window.canvas
    shown = {uid: canvas.mapFromScene(b.pos()) for uid, b in window.scene.blocks.items()}
    window.editor.select([window.network[1].uid, window.network[2].uid])
    window.actions_by_name["add_residual"].trigger()  # 28×28×1 → 28×28×6: a 1×1 conv on the shortcut
    assert types(window)[:5] == ["input", "conv", "relu", "conv", "add"]
    for i in range(3):
        uid = window.network[i].uid
        assert canvas.mapFromScene(window.scene.blocks[uid].pos()) == shown[uid]


def test_a_drop_on_a_chain_wrapped_into_columns_goes_where_the_marker_stands(window):
    from PySide6.QtCore import QPointF

    from designer.ui.canvas.graph_layout import GAP_Y
    from designer.ui.canvas.layout import BLOCK_W
    from ui_support import drop_kind
    window.files.new_from_template("alexnet")
    window.actions_by_name["wrap"].trigger()
    scene = window.scene
    xs = sorted({b.pos().x() for b in scene.blocks.values()})
    assert len(xs) > 1
    second = [i for i, uid in enumerate(scene.order) if scene.blocks[uid].pos().x() == xs[1]]
    target_index = second[1]  # above the second block of the second column
    block = scene.block_at_index(target_index)
    target = QPointF(block.pos().x() + BLOCK_W / 2, block.pos().y() - GAP_Y / 4)
    seen = {}

    def hovering():
        seen["marker"] = scene.marker.pos()

    before = types(window)
    drop_kind(window, "dropout", target, hover_check=hovering)
    assert types(window) == before[:target_index] + ["dropout"] + before[target_index:]
    assert abs(seen["marker"].x() - block.pos().x()) < 1 and abs(seen["marker"].y() - target.y()) < 30


def test_deleting_and_undoing_puts_every_block_back(window):
    window.files.new_from_template("resnet20")
    before = places(window)
    projection = next(i for i, layer in enumerate(window.network.layers)
                      if layer.type == "conv" and layer.config.get("kernel") == 1)
    window.editor.select([window.network[projection].uid, window.network[projection + 1].uid])
    window.actions_by_name["delete"].trigger()
    assert len(window.network) == len(before) - 2
    window.undo_stack.undo()
    assert places(window) == before


def test_a_resize_keeps_the_drawing_where_the_user_scrolled(window, qtbot):
    window.files.new_from_template("resnet18")
    canvas = window.canvas
    bar = canvas.verticalScrollBar()
    bar.setValue(bar.maximum() // 2)
    middle = canvas.mapToScene(canvas.viewport().rect().center()).y()
    window.resize(window.width() - 60, window.height() - 40)
    qtbot.waitUntil(lambda: not canvas.arrange_pending)
    qtbot.wait(100)
    assert bar.value() > 0 and abs(canvas.mapToScene(canvas.viewport().rect().center()).y() - middle) < 600
