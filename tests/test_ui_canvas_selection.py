"""One selection shared by the canvas and the Summary (Shift+click a range, Ctrl+click one more,
in either), which every command acts on; what a dropped connection changed; the block selected
after Delete; a selected edge in the inspector; a refused value's message going with the next
edit; and ResNet's stem rounding as information."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from designer.model import Layer, Network, load_template
from graph_support import drag_connection
from ui_support import click_block, dialog_log, types, window  # noqa: F401

SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


def canvas_selection(window) -> list:
    return window.scene.selected_indices()


def summary_selection(window) -> list:
    return window.summary.selected_rows()


def click_row(window, row: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    table = window.summary.table
    table.scrollTo(window.summary.model.index(row, 0))
    rect = table.visualRect(window.summary.model.index(row, 1))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifiers, rect.center())


def test_shift_and_ctrl_clicks_on_the_canvas_select_the_same_rows_in_the_summary(window):
    window.files.new_from_template("lenet5")
    click_block(window, 1)
    click_block(window, 3, SHIFT)                     # a range, as in the table
    assert canvas_selection(window) == [1, 2, 3] == summary_selection(window)
    click_block(window, 5, CTRL)                      # one more
    assert canvas_selection(window) == [1, 2, 3, 5] == summary_selection(window)
    click_block(window, 2, CTRL)                      # one less
    assert canvas_selection(window) == [1, 3, 5] == summary_selection(window)
    drawn = sorted(i for i, uid in enumerate(window.scene.order) if window.scene.blocks[uid].isSelected())
    assert drawn == [1, 3, 5]                         # highlighted, every one of them


def test_shift_and_ctrl_clicks_in_the_summary_select_the_same_blocks(window):
    window.files.new_from_template("lenet5")
    click_row(window, 4)
    click_row(window, 6, SHIFT)
    assert summary_selection(window) == [4, 5, 6] == canvas_selection(window)
    click_row(window, 9, CTRL)
    assert summary_selection(window) == [4, 5, 6, 9] == canvas_selection(window)


def test_add_residual_wraps_every_layer_of_a_shift_selection(window):
    layers = [Layer.make("input", width=8, height=8, depth=4)]
    for _ in range(2):
        layers += [Layer.make("conv", filters=4, kernel=3, padding=1), Layer.make("relu")]
    window.files._adopt(Network(layers, "plain"), None)
    click_block(window, 1)
    click_block(window, 3, SHIFT)
    window.actions_by_name["add_residual"].trigger()
    report = window.network.report()
    add = types(window).index("add")
    assert report.layers[add].sources == [3, 0]  # around conv, relu and conv: all three selected


def test_a_connection_onto_a_layer_that_is_not_a_merge_says_what_it_replaced(window):
    window.files.new_from_template("inception")
    messages = []
    window.editor.message.connect(messages.append)
    assert not drag_connection(window, 2, 12)        # relu #2 onto the pool branch's conv #12
    text = messages[-1]
    assert "now reads relu" in text and "instead of pool #11" in text and "read by nothing" in text


def test_after_delete_the_next_block_is_selected(window):
    window.files.new_from_template("lenet5")
    click_block(window, 3)
    window.actions_by_name["delete"].trigger()
    assert window.scene.selected_uids() == [window.network[3].uid]  # the conv that read the pool
    window.files.new_from_template("resnet20")
    add = types(window).index("add")
    click_block(window, add)
    window.actions_by_name["delete"].trigger()
    assert len(canvas_selection(window)) == 1  # the relu that read the add
    window.files.new_from_template("lenet5")
    click_block(window, len(window.network) - 1)
    window.actions_by_name["delete"].trigger()  # the last: what it read
    assert canvas_selection(window) == [len(window.network) - 1]


def test_a_selected_edge_shows_its_ends_in_the_inspector(window):
    window.files.new_from_template("inception")
    edge = next(e for e in window.scene.edges.values()
                if window.network.index_of(e.dst) == 14 and window.network.index_of(e.src) == 13)
    window.scene.clearSelection()
    edge.setSelected(True)
    text = window.inspector.overview_text.text()
    assert "From relu #13, carrying" in text and "#14 (input 4 of 4)" in text
    assert window.inspector.overview_title.text() == "<b>Edge</b>"


def test_a_refused_value_message_goes_with_undo_redo_and_other_edits(window, qtbot):
    window.files.new_from_template("lenet5")
    click_block(window, 1)
    filters = window.inspector.editors["filters"]

    def refuse():
        filters.spin.setFocus()
        filters.spin.lineEdit().selectAll()
        qtbot.keyClicks(filters.spin.lineEdit(), "0")
        qtbot.keyClick(filters.spin.lineEdit(), Qt.Key.Key_Return)
        assert filters.error.isVisibleTo(window) and "filters must be at least 1" in filters.error.text()

    refuse()
    window.editor.set_keys(window.network[1].uid, {"stride": 2})   # another edit
    assert not filters.error.isVisibleTo(window)
    refuse()
    window.undo_stack.undo()
    assert not filters.error.isVisibleTo(window)
    refuse()
    window.undo_stack.redo()
    assert not filters.error.isVisibleTo(window)


def test_resnet_stem_rounding_is_information_and_a_rounding_that_loses_input_warns():
    for name in ("resnet18", "resnet20"):
        report = load_template(name).report()
        assert report.warning_count == 0 and sum(len(i.notes) for i in report.layers) >= 4
    lossy = Network([Layer.make("input", width=28, height=28, depth=1),
                     Layer.make("conv", filters=4, kernel=5, stride=2),     # a real row never covered
                     Layer.make("pool", size=2, stride=2)], "lossy")          # 12 → 6: exact
    info = lossy.report().layers[1]
    assert len(info.warnings) == 1 and not info.notes
    odd = Network([Layer.make("input", width=7, height=7, depth=1), Layer.make("pool", size=2, stride=2)], "odd")
    assert odd.report().layers[1].warnings  # 7 → 3: the last row of real input is dropped


def test_the_summary_shows_the_stem_rounding_as_a_note_in_the_text_colour(window):
    from PySide6.QtCore import Qt as QtCore_Qt

    from designer.ui.summary_panel import NOTES
    window.files.new_from_template("resnet18")
    model = window.summary.model
    stem = 1  # conv1, 7×7/2 with padding 3 on 224
    assert model.cells[stem][NOTES].startswith("note: ")
    assert model.data(model.index(stem, NOTES), QtCore_Qt.ItemDataRole.ForegroundRole) is None
    assert window.network.report().warning_count == 0


def test_the_summary_keeps_the_selection_through_an_edit(window):
    window.files.new_from_template("lenet5")
    click_block(window, 2)
    click_block(window, 4, SHIFT)
    window.editor.set_keys(window.network[4].uid, {"filters": 20})
    assert summary_selection(window) == canvas_selection(window)
    _ = QPoint
