"""The inspector's typed widgets: names, pairs (square and H×W), "same" padding, a pool's stride
that follows its size, an input switched between image and vector, and the formula shown."""
from __future__ import annotations

from PySide6.QtCore import Qt

from ui_support import click_block, dialog_log, drop_at_end, types, window  # noqa: F401


def select(window, index):
    click_block(window, index)
    return window.inspector


def test_renaming_a_layer_is_one_undoable_step(window, qtbot):
    window.files.new_from_template("lenet5")
    inspector = select(window, 1)
    inspector.name_edit.setFocus()
    qtbot.keyClicks(inspector.name_edit, "c1")
    qtbot.keyClick(inspector.name_edit, Qt.Key.Key_Return)
    conv = window.network[1]
    assert conv.name == "c1" and window.scene.blocks[conv.uid].state[2] == "conv · c1"
    assert window.summary.model.cells[1][1] == "conv (c1)"
    window.undo_stack.undo()
    assert conv.name is None and window.scene.blocks[conv.uid].state[2] == "conv"


def test_a_kernel_can_be_square_or_rectangular_and_padding_same(window):
    window.files.new_from_template("lenet5")
    kernel = select(window, 1).editors["kernel"]
    assert kernel.link.isChecked() and not kernel.w.isVisibleTo(window)
    kernel.link.setChecked(False)
    kernel.w.setValue(3)
    conv = window.network[1]
    assert conv.config["kernel"] == [5, 3]
    assert window.network.report().layers[1].output == (30, 28, 6)  # W: 28−3+4+1, H: 28−5+4+1
    padding = window.inspector.editors["padding"]
    padding.same.setChecked(True)
    assert conv.config["padding"] == "same" and not padding.h.isEnabled()
    assert "same" in window.scene.blocks[conv.uid].state[3]
    assert window.undo_stack.count() == 2  # unlinking alone changes nothing


def test_a_pool_stride_follows_its_size_until_set(window, qtbot):
    window.files.new_from_template("alexnet")
    stride = select(window, 3).editors["stride"]  # pool1: size 3, stride 2
    assert not stride.default.isChecked() and stride.inner.h.value() == 2
    stride.default.setChecked(True)
    pool = window.network[3]
    assert "stride" not in pool.config and stride.inner.h.value() == 3
    assert window.network.report().layers[3].output == (18, 18, 96)
    assert "formula" not in window.inspector.formula.text().replace("\u00a0", " ") and "⌊(55−3+2·0)/3⌋+1 = 18" in window.inspector.formula.text().replace("\u00a0", " ")


def test_an_input_switches_between_image_and_vector(window):
    inspector = select(window, 0)
    assert list(inspector.editors) == ["width", "height", "depth"]
    inspector.input_mode.activated.emit(1)
    layer = window.network[0]
    assert layer.config == {"features": 784}
    assert list(window.inspector.editors) == ["features"]
    assert window.scene.blocks[layer.uid].volume_text == "784"
    window.undo_stack.undo()
    assert layer.config == {"width": 28, "height": 28, "depth": 1}
    assert list(window.inspector.editors) == ["width", "height", "depth"]


def test_several_selected_layers_are_counted(window, qtbot):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[i].uid for i in (1, 2, 3)])
    assert window.inspector.uid is None and window.inspector.selected_count == 3
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert types(window)[:3] == ["input", "conv", "relu"] and len(window.network) == 10
    window.undo_stack.undo()
    assert len(window.network) == 13 and window.scene.selected_indices() == [1, 2, 3]


def test_arrow_keys_walk_the_chain_and_alt_arrows_move(window, qtbot):
    window.files.new_from_template("lenet5")
    click_block(window, 2)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    assert window.scene.selected_indices() == [3]
    qtbot.keyClick(window.canvas, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert types(window)[2:4] == ["pool", "relu"] and window.scene.selected_indices() == [2]
    qtbot.keyClick(window.canvas, Qt.Key.Key_End)
    assert window.scene.selected_indices() == [12]


def test_ctrl_z_in_a_spin_box_undoes_the_value_typed_there(window, qtbot):
    window.files.new_from_template("lenet5")
    spin = select(window, 1).editors["filters"].spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    conv = window.network[1]
    assert conv.config["filters"] == 8 and spin.hasFocus()
    qtbot.keyClick(spin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the model's undo
    assert conv.config["filters"] == 6 and spin.value() == 6
    qtbot.keyClick(spin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert conv.config["filters"] == 8
    spin.selectAll()
    qtbot.keyClicks(spin, "12")  # being typed: Ctrl+Z takes back the typing, the model stays
    qtbot.keyClick(spin, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert conv.config["filters"] == 8 and window.undo_stack.index() == 1


def test_the_overview_counts_layers_in_words_and_problems_use_glyphs_of_the_font(window):
    from PySide6.QtGui import QFontMetrics

    assert window.inspector.overview_text.text().startswith("1 layer. ")
    window.files.new_from_template("lenet5")
    assert window.inspector.overview_text.text().startswith("13 layers. ")
    window.editor.set_keys(window.network[4].uid, {"kernel": 40})  # larger than its input: an error
    window.editor.set_keys(window.network[1].uid, {"stride": 2})  # 27/2: floored, a warning
    for index in (4, 1):
        problems = select(window, index).problems
        assert problems.isVisibleTo(window) and problems.text()
        metrics = QFontMetrics(problems.font())
        assert all(metrics.inFontUcs4(ord(c)) for c in problems.text() if ord(c) > 0x2000), problems.text()


def test_enter_edits_a_block_and_escape_goes_back_to_the_canvas(window, qtbot):
    window.files.new_from_template("lenet5")
    click_block(window, 1)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Return)
    spin = window.inspector.editors["filters"].spin
    assert spin.hasFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "8")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    qtbot.keyClick(spin, Qt.Key.Key_Escape)
    assert window.canvas.hasFocus() and window.network[1].config["filters"] == 8
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)  # the arrows walk the chain again
    assert window.scene.selected_indices() == [2]
    qtbot.keyClick(window.canvas, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.quick_add.edit, Qt.Key.Key_Escape)
    assert not window.quick_add.isVisible() and window.canvas.hasFocus()
