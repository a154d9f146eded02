"""The branched canvas beyond building by hand: the layered layout (no edge through a block,
positions the user drags kept in ``ui`` and saved, Tidy layout), the inspector's inputs, the
block commands (residual connection, Inception block, branch from here, collapse and expand),
keys along the edges, deleting a layer a merge reads, and the diagram export."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from designer.model import load, load_template, to_json
from designer.model.graph import sources
from designer.ui.canvas.graph_layout import crosses_block, layered
from designer.ui.canvas.layout import BLOCK_H, BLOCK_W
from graph_support import drag_connection  # noqa: F401
from ui_support import click_block, dialog_log, drag_block, window  # noqa: F401


@pytest.mark.parametrize("rows", [None, 4, 9])
@pytest.mark.parametrize("name", ["resnet18", "resnet20", "inception"])
def test_the_layered_layout_puts_no_edge_through_a_block_and_merges_below_their_inputs(name, rows):
    layers = load_template(name).layers
    srcs = sources(layers)
    layout = layered(srcs, max_rows=rows)
    rects = [(x, y, BLOCK_W, BLOCK_H) for x, y in layout.positions]
    assert len(set(layout.positions)) == len(layers)  # no two blocks in one place
    for (s, d), points in layout.routes.items():
        assert points[0] == (layout.positions[s][0] + BLOCK_W / 2, layout.positions[s][1] + BLOCK_H)
        assert points[-1][1] == layout.positions[d][1]  # ends on the target's top
        assert not any(crosses_block(points, rect) for rect in rects), (s, d)
        same_band = layout.positions[d][0] >= layout.positions[s][0] - 1e-6 or rows is None
        assert layout.positions[d][1] > layout.positions[s][1] or (rows and not same_band) or \
            layout.positions[d][0] > layout.positions[s][0]  # below, or in a band further right
    assert set(layout.routes) == {(s, d) for d, ss in enumerate(srcs) for s in ss}
    assert layout.columns[-1] == 0  # the output on the spine
    if rows is None:
        assert len({layout.positions[i][0] for i in range(len(layers)) if layout.columns[i] == 0}) == 1
    elif name != "inception":  # bands side by side, each about ``rows`` deep (cut only where one edge
        assert layout.size[1] < len(layers) * BLOCK_H / 3  # crosses: the inception block has no such place)


def test_a_chain_is_the_same_vertical_flow(window):
    window.files.new_from_template("lenet5")
    assert not window.scene.is_graph
    blocks = [window.scene.block_at_index(i).pos() for i in range(len(window.network))]
    assert len({p.x() for p in blocks}) == 1  # one column, top to bottom, no wrapping
    assert all(a.y() < b.y() for a, b in zip(blocks, blocks[1:]))


def test_a_dragged_block_keeps_its_place_in_the_file_and_tidy_forgets_it(window, tmp_path, dialog_log):
    window.files.new_from_template("inception")
    block = window.scene.block_at_index(12)
    old = block.pos()
    target = window.scene.block_at_index(12).mapToScene(BLOCK_W / 2 + 300, BLOCK_H / 2 + 40)
    drag_block(window, 12, target)
    layer = window.network[12]
    assert layer.ui.get("x") == pytest.approx(old.x() + 300, abs=2) and window.undo_stack.count() == 1
    assert block.pos().x() == pytest.approx(layer.ui["x"])
    path = tmp_path / "moved.json"
    dialog_log.save_name = str(path)
    assert window.files.save_as()
    assert load(path)[12].ui["x"] == layer.ui["x"]
    assert window.files.open_path(path, ask=False)
    assert window.scene.block_at_index(12).pos().x() == pytest.approx(layer.ui["x"])
    window.editor.tidy()
    assert "x" not in window.network[12].ui and window.scene.block_at_index(12).pos() == old
    window.undo_stack.undo()
    assert window.scene.block_at_index(12).pos().x() == pytest.approx(layer.ui["x"])


def test_the_inspector_shows_and_edits_a_layers_inputs(window, qtbot):
    window.files.new_from_template("inception")
    click_block(window, 14)
    field = window.inspector.page.inputs_edit
    assert field.text() == "#2, #6, #10, #13"
    assert "#2 28×28×64" in window.inspector.page.shapes.text()
    field.setText("#2, #6, #13")
    field.editingFinished.emit()
    assert window.network.report().layers[14].sources == [2, 6, 13]
    assert window.undo_stack.count() == 1
    field.setText("#14")
    field.editingFinished.emit()  # itself: a loop, refused
    assert window.network.report().layers[14].sources == [2, 6, 13]
    assert "loop" in window.statusBar().currentMessage()


def test_add_residual_connection_with_a_projection_where_the_shapes_change(window):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[1].uid, window.network[2].uid, window.network[3].uid])
    assert window.editor.add_residual()
    types = [layer.type for layer in window.network.layers]
    assert types[1:6] == ["conv", "relu", "pool", "conv", "add"]
    report = window.network.report()
    assert report.layers[5].sources == [3, 4] and report.layers[4].sources == [0]
    assert not report.error_count and window.undo_stack.count() == 1
    assert window.network[4].config["kernel"] == 1 and window.network[4].config["stride"] == 2
    assert window.scene.is_graph
    window.undo_stack.undo()
    assert [layer.type for layer in window.network.layers][:4] == ["input", "conv", "relu", "pool"]


def test_insert_inception_block_and_branch_from_here(window):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[2].uid])  # after the first relu
    w, h, _ = window.network.report().layers[2].output
    assert window.editor.insert_inception()
    report = window.network.report()
    concat = next(i for i, layer in enumerate(window.network.layers) if layer.type == "concat")
    assert len(report.layers[concat].sources) == 4 and report.layers[concat].output == (w, h, 256)
    assert report.layers[concat + 1].sources == [concat]  # what followed now reads the block
    window.editor.select([window.network[2].uid])
    assert window.editor.branch_from_selection("relu")
    assert report is not window.network.report()
    hanging = window.network.report().layers[3]
    assert hanging.sources == [2] and any("not connected to the output" in e for e in hanging.errors)
    assert window.scene.blocks[window.network[3].uid].status == "error"


def test_collapse_and_expand_are_view_only(window):
    window.files.new_from_template("resnet18")
    saved = to_json(window.network)
    shown = sum(block.isVisible() for block in window.scene.blocks.values())
    assert window.editor.collapse_blocks() == 8
    visible = [b for b in window.scene.blocks.values() if b.isVisible()]
    assert len(visible) == shown - sum(len(g) - 1 for g in window.scene.collapsed) < 20
    group = window.scene.collapsed[0]
    block = window.scene.blocks[group[-1]]
    assert block.group[0] == len(group) and f"{len(group)} layers" in block.state[2] and block.state[3] == "collapsed block"
    params = sum(window.network.report().layers[window.network.index_of(u)].param_count for u in group)
    assert block.group[1] == params and f"{params:,}" in block.state[5]
    assert to_json(window.network) == saved and window.undo_stack.count() == 0
    window.editor.select([group[-1]])
    assert window.scene.selected_uids() == sorted(group, key=window.scene.order.index)
    assert window.editor.expand_selection()
    assert all(window.scene.blocks[u].isVisible() for u in group)
    window.editor.collapse_selection()  # the group is still selected: one block again
    assert not window.scene.blocks[group[0]].isVisible()
    from ui_support import _mouse, viewport_point
    from PySide6.QtCore import QEvent, QPointF
    centre = viewport_point(window, block.mapToScene(QPointF(BLOCK_W / 2, BLOCK_H / 2)))
    _mouse(window.canvas.viewport(), QEvent.Type.MouseButtonDblClick, centre, Qt.MouseButton.LeftButton,
           Qt.MouseButton.LeftButton)
    assert all(window.scene.blocks[u].isVisible() for u in group)
    window.editor.select([window.network[4].uid, window.network[5].uid])
    assert window.editor.collapse_selection() is False  # the add of the block reads #4 too
    assert "reads" in window.statusBar().currentMessage()


def test_arrow_keys_walk_along_the_edges_and_alt_arrows_move_a_block(window, qtbot):
    window.files.new_from_template("inception")
    window.canvas.setFocus()
    click_block(window, 0)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Down)
    first = window.scene.selected_indices()
    assert len(first) == 1 and window.network.report().layers[first[0]].sources == [0]
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right)
    beside = window.scene.selected_indices()
    assert beside != first and window.network.report().layers[beside[0]].sources == [0]
    qtbot.keyClick(window.canvas, Qt.Key.Key_Up)
    assert window.scene.selected_indices() == [0]
    click_block(window, 14)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Up)
    assert window.scene.selected_indices()[0] in window.network.report().layers[14].sources
    click_block(window, 5)
    x = window.scene.block_at_index(5).pos().x()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert window.scene.block_at_index(5).pos().x() > x and window.network[5].ui.get("x") > x
    y = window.scene.block_at_index(5).pos().y()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    assert window.scene.block_at_index(5).pos().y() > y


def test_deleting_a_layer_a_merge_reads_leaves_the_merge_red_and_says_why(window, tmp_path, dialog_log):
    window.files.new_from_template("inception")
    path = tmp_path / "block.json"
    dialog_log.save_name = str(path)
    assert window.files.save_as()
    saved = path.read_text()
    click_block(window, 6)  # b2, the last relu of the 3×3 branch
    window.editor.delete_selection()
    concat = window.network.report().layers[-1]
    assert any('"b2"' in e for e in concat.errors)
    assert to_json(window.network)["layers"][-1]["inputs"] == ["b1", "b2", "b3", "b4"]  # not rewired
    assert window.scene.blocks[window.network.layers[-1].uid].status == "error"
    # such a file would not open again: saving says so in one sentence and keeps the file on disk
    assert not window.files.save()
    assert dialog_log.warnings[-1].startswith("Not saved: concat #13 reads a layer that is not there")
    assert dialog_log.warnings[-1].count(". ") == 0 and path.read_text() == saved
    window.undo_stack.undo()
    assert not window.network.report().error_count
    assert window.files.save()


def test_export_diagram_writes_an_svg_a_browser_opens_and_a_png_of_the_right_size(window, tmp_path):
    from designer.ui.graph_actions import write_diagram
    window.files.new_from_template("inception")
    svg = tmp_path / "inception.svg"
    assert write_diagram(window, svg)
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    width, height = int(root.get("width")), int(root.get("height"))
    assert root.get("viewBox") == f"0 0 {width} {height}"
    assert width > 3 * BLOCK_W and height > 5 * BLOCK_H
    text = svg.read_text()
    assert "28×28×256" in text and "concat" in text  # the blocks' words, as text
    from designer.ui.diagram import render
    png = tmp_path / "inception.png"
    assert write_diagram(window, png)
    size = render(window.network, tmp_path / "twice.png", window.scene, scale=2)
    image, twice = QImage(str(png)), QImage(str(tmp_path / "twice.png"))
    right = max(b.pos().x() + BLOCK_W for b in window.scene.blocks.values()) - \
        min(b.pos().x() for b in window.scene.blocks.values()) + 30  # a branch may be left of x = 0
    bottom = max(b.pos().y() + BLOCK_H for b in window.scene.blocks.values())
    assert right <= image.width() <= right + 80 and bottom <= image.height() <= bottom + 80
    assert (twice.width(), twice.height()) == size == (2 * image.width(), 2 * image.height())


def test_explain_shape_works_out_a_merge_selected_on_the_canvas(window):
    window.files.new_from_template("inception")
    window.open_lesson("shape")
    if window.current_mode != "Learn":
        pytest.skip("the Learn mode is not part of this build")
    click_block(window, 14)
    view = window.learn_mode.show_lesson("shape")
    text = view.text()
    assert "D₂ = 64 + 128 + 32 + 32 = 256" in text and "#2" in text and "28×28×128" in text


def test_the_blocks_menu_branches_from_the_selection_through_quick_add(window):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[2].uid])
    window.actions_by_name["branch"].trigger()
    assert window.quick_add.isVisible()
    window.quick_add.chosen.emit("conv", {"padding": 1})
    report = window.network.report()
    assert window.network[3].type == "conv" and report.layers[3].sources == [2]
    assert report.layers[4].sources == [2]  # what read the relu still reads it: a new branch
    assert window.undo_stack.count() == 1 and window.scene.is_graph
    window.actions_by_name["add_residual"].trigger()  # around the new conv (selected): 6 → 16 deep
    types = [layer.type for layer in window.network.layers]
    assert types[3:6] == ["conv", "conv", "add"] and window.network[4].config["kernel"] == 1
    assert window.network.report().layers[5].sources == [3, 4]


def test_a_layer_dropped_on_a_block_of_a_branched_network_branches_from_it(window):
    from PySide6.QtCore import QPointF
    from ui_support import drop_kind
    window.files.new_from_template("inception")
    block = window.scene.block_at_index(0)
    drop_kind(window, "conv", block.mapToScene(QPointF(BLOCK_W / 2, BLOCK_H / 2)))
    report = window.network.report()
    assert window.network[1].type == "conv" and report.layers[1].sources == [0]
    assert sorted(i for i, info in enumerate(report.layers) if info.sources == [0]) == [1, 2, 4, 8, 12]
    assert any("not connected to the output" in e for e in report.layers[1].errors)  # red until joined
    assert window.undo_stack.count() == 1
