"""The canvas driven by real events: drops from the palette, blocks dragged to reorder, Delete,
undo/redo of model and scene together, and the inspector's spin boxes updating block and summary."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetricsF

from designer.model import KINDS, to_json
from ui_support import (click_block, dialog_log, drag_block, drop_at_end, drop_kind,  # noqa: F401
                        scene_point_before, scene_types, types, window)

LENET = ["input", "conv", "relu", "pool", "conv", "relu", "pool", "dense", "relu", "dense", "relu",
         "dense", "softmax"]


def lenet(window):
    window.files.new_from_template("lenet5")
    assert types(window) == LENET
    return window


def snapshot(window):
    """What the model holds and what the scene shows."""
    scene = window.scene
    shown = [(scene.blocks[uid].index, scene.blocks[uid].volume_text, scene.blocks[uid].pos().toTuple())
             for uid in scene.order]
    return to_json(window.network), scene_types(window), shown


def test_drop_from_palette_inserts_at_the_drop_position_with_a_marker(window):
    lenet(window)
    target = scene_point_before(window, 3)
    seen = {}

    def while_hovering():
        marker = window.scene.marker
        seen["visible"] = marker.isVisible()
        seen["y"] = marker.pos().y()

    drop_kind(window, "dropout", target, hover_check=while_hovering)
    assert types(window) == LENET[:3] + ["dropout"] + LENET[3:]
    assert seen["visible"] and abs(seen["y"] - target.y()) < 30  # the marker stood in that gap
    assert not window.scene.marker.isVisible()
    assert scene_types(window) == types(window)
    uid = window.network[3].uid
    assert window.scene.blocks[uid].index == 3 and window.scene.selected_uids() == [uid]
    assert window.undo_stack.count() == 1 and window.isWindowModified()


def test_drop_at_the_end_and_on_an_empty_canvas(window):
    click_block(window, 0)
    window.editor.delete_selection()
    assert types(window) == [] and window.scene.order == []
    drop_kind(window, "input", QPointF(100, 100))
    drop_at_end(window, "dense")
    drop_at_end(window, "softmax")
    assert types(window) == ["input", "dense", "softmax"]
    assert window.scene.blocks[window.network[2].uid].volume_text == "64"


def test_nothing_can_be_dropped_before_the_input(window):
    drop_kind(window, "relu", QPointF(2, 60))
    assert types(window) == ["input", "relu"]


def test_a_block_dragged_to_a_new_place_reorders_in_one_step(window):
    lenet(window)
    before = snapshot(window)
    drag_block(window, 4, scene_point_before(window, 2))  # second conv before the first relu
    assert types(window) == ["input", "conv", "conv", "relu", "pool", "relu"] + LENET[6:]
    assert scene_types(window) == types(window)
    assert window.undo_stack.count() == 1
    moved = window.network[2]
    assert moved.config["filters"] == 16 and window.scene.selected_uids() == [moved.uid]
    window.undo_stack.undo()
    assert snapshot(window) == before


def test_delete_removes_the_selected_block(window, qtbot):
    lenet(window)
    click_block(window, 2)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert types(window) == LENET[:2] + LENET[3:]
    assert len(window.scene.blocks) == len(LENET) - 1 and len(window.scene.arrows) == len(LENET) - 2
    assert window.summary.model.rowCount() == len(LENET) - 1


def test_undo_and_redo_restore_model_and_scene(window, qtbot):
    lenet(window)
    states = [snapshot(window)]
    drop_kind(window, "batchnorm", scene_point_before(window, 2))
    states.append(snapshot(window))
    drag_block(window, 5, scene_point_before(window, len(window.scene.order)))
    states.append(snapshot(window))
    click_block(window, 1)
    window.inspector.editors["filters"].spin.setValue(12)
    states.append(snapshot(window))
    click_block(window, 3)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    states.append(snapshot(window))
    assert window.undo_stack.count() == 4
    for state in reversed(states[:-1]):
        window.undo_stack.undo()
        assert snapshot(window) == state
    assert not window.isWindowModified()
    for state in states[1:]:
        window.undo_stack.redo()
        assert snapshot(window) == state


def test_a_changed_spin_box_updates_the_block_and_the_summary_at_once(window, qtbot):
    lenet(window)
    click_block(window, 1)
    spin = window.inspector.editors["filters"].spin
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), "10")
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)
    conv = window.network[1]
    assert conv.config["filters"] == 10
    assert window.scene.blocks[conv.uid].volume_text == "28×28×10"
    row = window.summary.model.cells[1]
    assert row[2] == "28×28×10" and row[3] == "260"
    assert window.undo_stack.count() == 1
    assert "10 × 5×5 pad 2" in window.scene.blocks[conv.uid].state[3]
    # the next conv's parameters follow: (5·5·10 + 1)·16
    assert window.summary.model.cells[4][3] == f"{(5 * 5 * 10 + 1) * 16:,}"


def test_an_impossible_value_is_refused_inline(window, qtbot):
    lenet(window)
    click_block(window, 1)
    editor = window.inspector.editors["filters"]
    editor.spin.setFocus()
    editor.spin.lineEdit().selectAll()
    qtbot.keyClicks(editor.spin.lineEdit(), "0")
    assert editor.error.isVisibleTo(window) and "filters must be at least 1, not 0" in editor.error.text()
    qtbot.keyClick(editor.spin.lineEdit(), Qt.Key.Key_Return)
    assert window.network[1].config["filters"] == 6 and window.undo_stack.count() == 0
    assert editor.spin.value() == 6


def test_a_layer_with_an_error_is_red_with_its_sentence(window):
    lenet(window)
    click_block(window, 4)
    window.inspector.editors["kernel"].h.setValue(20)  # 20×20 on a 14×14 input
    conv = window.network[4]
    block = window.scene.blocks[conv.uid]
    sentence = window.network.report().layers[4].errors[0]
    assert "larger than the padded input" in sentence
    assert block.status == "error" and sentence in block.toolTip()
    assert any(sentence in note for note in window.summary.model.rows[4]["notes"])
    assert sentence in window.inspector.problems.text()
    # The layers after the error have no known size, so the total leaves them out and says so.
    assert window.status.counts.text() == (f"{window.network.report().total_params:,} parameters (without the "
                                           f"layers after an error) · 1 error · 0 warnings")


def test_a_warning_is_amber(window):
    lenet(window)
    click_block(window, 3)
    window.inspector.editors["size"].h.setValue(3)  # 28 → (28−3)/2+1 = 13.5: floored
    block = window.scene.blocks[window.network[3].uid]
    assert block.status == "warning" and "floored" in block.toolTip()
    count = window.network.report().warning_count  # the next pool is uneven too
    assert f"0 errors · {count} warnings" in window.status.counts.text()


def test_copy_paste_and_duplicate(window, qtbot):
    lenet(window)
    click_block(window, 1)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    click_block(window, 3)
    qtbot.keyClick(window.canvas, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert types(window)[:6] == ["input", "conv", "relu", "pool", "conv", "conv"]
    pasted = window.network[4]
    assert pasted.config == window.network[1].config and pasted.uid != window.network[1].uid
    qtbot.keyClick(window.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert types(window)[:7] == ["input", "conv", "relu", "pool", "conv", "conv", "conv"]
    assert window.undo_stack.count() == 2


def test_quick_add_builds_a_network_from_the_keyboard(window, qtbot):
    click_block(window, 0)
    for text, value in (("conv", "8"), ("relu", None), ("max pool", None), ("fc", "10"), ("softmax", None)):
        qtbot.keyClick(window.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
        assert window.quick_add.isVisible()
        qtbot.keyClicks(window.quick_add.edit, text)
        qtbot.keyClick(window.quick_add.edit, Qt.Key.Key_Return)
        assert not window.quick_add.isVisible()
        if value is not None:  # the first setting has the keyboard
            focused = window.focusWidget()
            focused.selectAll()
            qtbot.keyClicks(focused, value)
            qtbot.keyClick(focused, Qt.Key.Key_Return)
            window.canvas.setFocus()
    assert types(window) == ["input", "conv", "relu", "pool", "dense", "softmax"]
    assert window.network[1].config["filters"] == 8 and window.network[4].config["units"] == 10
    assert window.network.report().layers[-1].output == (10,)


def test_palette_search_filters_and_double_click_adds(window, qtbot):
    palette = window.palette_panel
    qtbot.keyClicks(palette.search, "pool")
    assert palette.visible_types() == ["pool", "global_pool"]
    palette.search.clear()
    assert palette.visible_types() == list(KINDS)
    palette.tree.itemActivated.emit(palette.items["flatten"], 0)
    assert types(window) == ["input", "flatten"]


def test_a_200_layer_chain_flows_down_one_column_without_overlap(window):
    from designer.model import Layer, Network

    layers = [Layer.make("input", width=64, height=64, depth=3)]
    while len(layers) < 200:
        layers.append(Layer.make("conv", filters=8, kernel=3, padding=1) if len(layers) % 2 else Layer.make("relu"))
    window.files._adopt(Network(layers, "long"), None)
    scene = window.scene
    rects = [scene.blocks[uid].sceneBoundingRect().adjusted(8, 14, -14, -8) for uid in scene.order]
    assert len(rects) == 200 and len({r.x() for r in rects}) == 1  # one vertical flow, no wrapping
    assert all(not a.intersects(b) and a.y() < b.y() for a, b in zip(rects, rects[1:]))
    assert window.canvas.zoom >= 0.4  # readable: it scrolls rather than shrinking to a dot
    assert scene.sceneRect().contains(rects[-1])


def test_pan_with_the_middle_button_or_space_and_drag(window, qtbot):
    from PySide6.QtCore import QEvent, QPoint
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    window.files.new_from_template("alexnet")
    window.canvas.actual_size()  # at 100 % AlexNet is larger than the window: it scrolls
    bar = window.canvas.verticalScrollBar()
    viewport = window.canvas.viewport()
    for button, space in ((Qt.MouseButton.MiddleButton, False), (Qt.MouseButton.LeftButton, True)):
        bar.setValue(bar.minimum())
        if space:
            qtbot.keyPress(window.canvas, Qt.Key.Key_Space)
        start, end = QPoint(300, 300), QPoint(300, 150)
        for kind, pos, btn, held in ((QEvent.Type.MouseButtonPress, start, button, button),
                                     (QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, button),
                                     (QEvent.Type.MouseButtonRelease, end, button, Qt.MouseButton.NoButton)):
            QApplication.sendEvent(viewport, QMouseEvent(kind, QPointF(pos), QPointF(viewport.mapToGlobal(pos)),
                                                         btn, held, Qt.KeyboardModifier.NoModifier))
        if space:
            qtbot.keyRelease(window.canvas, Qt.Key.Key_Space)
        assert bar.value() == bar.minimum() + 150
    assert types(window) == [layer.type for layer in window.network.layers]  # nothing moved
    assert window.undo_stack.count() == 0


def test_zoom_with_ctrl_wheel_and_fit(window, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    lenet(window)
    before = window.canvas.zoom
    viewport = window.canvas.viewport()
    centre = QPointF(viewport.rect().center())
    wheel = QWheelEvent(centre, QPointF(viewport.mapToGlobal(centre.toPoint())), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(viewport, wheel)
    assert window.canvas.zoom > before * 1.2
    assert window.status.zoom.text() == f"{window.canvas.zoom * 100:.0f}%"
    window.actions_by_name["fit"].trigger()  # the whole of LeNet, smaller than it opened
    assert window.canvas.zoom < before
    shown = window.canvas.mapFromScene(window.scene.sceneRect()).boundingRect()
    assert window.canvas.viewport().rect().adjusted(-2, -2, 2, 2).contains(shown)


@pytest.fixture
def x11_keys(monkeypatch):
    """The standard keys of X11 desktops, where Delete is bound to Del and Ctrl+D."""
    from PySide6.QtGui import QKeySequence

    from designer.ui import actions

    def bindings(standard):
        keys = QKeySequence.keyBindings(standard)
        if standard == QKeySequence.StandardKey.Delete:
            keys.append(QKeySequence("Ctrl+D"))
        return keys

    monkeypatch.setattr(actions, "key_bindings", bindings)


def test_no_two_actions_share_a_key_and_ctrl_d_duplicates_on_x11(x11_keys, window, qtbot):
    seen = {}
    for name, action in window.actions_by_name.items():
        for key in action.shortcuts():
            assert key.toString() not in seen, f"{key.toString()} is on {seen.get(key.toString())} and {name}"
            seen[key.toString()] = name
    assert seen["Ctrl+D"] == "duplicate" and seen["Del"] == "delete"
    lenet(window)
    click_block(window, 1)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert types(window)[:3] == ["input", "conv", "conv"]


def test_layers_added_to_a_blank_document_flow_down_one_column(window):
    assert types(window) == ["input"]
    for type_ in ("conv", "relu"):
        window.editor.add_after_selection(type_)
    blocks = [window.scene.blocks[uid].pos() for uid in window.scene.order]
    assert len({p.x() for p in blocks}) == 1 and blocks[0].y() < blocks[1].y() < blocks[2].y()


def test_fit_to_window_shows_a_long_chain_whole_and_stays_fitted(window, qtbot):
    from designer.model import Layer, Network

    layers = [Layer.make("input", width=32, height=32, depth=3)] + [Layer.make("relu") for _ in range(199)]
    window.files._adopt(Network(layers, "long"), None)
    window.actions_by_name["fit"].trigger()
    zoom = window.canvas.zoom
    canvas = window.canvas  # the scroll bars go away: the view is resized and re-arranged
    qtbot.waitUntil(lambda: not (canvas.horizontalScrollBar().isVisible() or canvas.verticalScrollBar().isVisible()
                                 or canvas.arrange_pending))
    assert window.canvas.zoom == zoom < 0.6
    shown = window.canvas.mapFromScene(window.scene.sceneRect()).boundingRect()
    assert window.canvas.viewport().rect().adjusted(-2, -2, 2, 2).contains(shown)


def test_a_wide_volume_shrinks_to_fit_its_block_rather_than_losing_its_depth(window):
    from designer.ui.canvas.block import TEXT_W, VOLUME_PX

    window.editor.set_keys(window.network[0].uid, {"width": 224, "height": 224, "depth": 3})
    window.editor.add_after_selection("conv")
    window.editor.set_keys(window.network[1].uid, {"filters": 128, "padding": 1})
    block = window.scene.blocks[window.network[1].uid]
    assert block.volume_text == "224×224×128"  # whole, at a smaller size
    pixels = block.state[-1]
    fonts = block.style.fonts
    assert pixels < VOLUME_PX and QFontMetricsF(fonts.volume_font(pixels)).horizontalAdvance(block.volume_text) <= TEXT_W
    assert window.scene.blocks[window.network[0].uid].state[-1] == VOLUME_PX  # 224×224×3 fits as it is
    window.editor.add_after_selection("dense")  # 224·224·128 inputs × 64 units
    dense = window.scene.blocks[window.network[2].uid]
    assert dense.state[5] == "411.0 M params"  # not "411,041,856 par…"
