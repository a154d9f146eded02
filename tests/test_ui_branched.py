"""The window opens a branched (version 2) file and draws it with its branches (a layered layout,
no longer the file order as a chain); the summary says what each layer reads."""
from __future__ import annotations

from designer.model import load_template, save
from ui_support import click_block, dialog_log, scene_types, types, window  # noqa: F401


def test_a_branched_file_opens_drawn_with_its_branches(window, tmp_path):
    path = tmp_path / "block.json"
    save(load_template("resnet20"), path)
    assert window.files.open_path(path, ask=False)
    expected = [layer.type for layer in load_template("resnet20").layers]
    assert types(window) == expected and scene_types(window) == expected
    assert window.scene.is_graph and len(window.scene.edges) == sum(
        len(info.sources) for info in window.network.report().layers)
    assert "not drawn" not in " ".join(w.text() for w in window.statusBar().findChildren(type(window.status.counts)))
    # The summary dock says what each layer reads.
    from designer.ui.summary_panel import INPUTS
    add = types(window).index("add")
    assert not window.summary.table.isColumnHidden(INPUTS)
    assert window.summary.model.cells[add][INPUTS] == ", ".join(f"#{s}" for s in window.network.report().layers[add].sources)
    # Selecting a merge, a projection and the global pool shows them in the inspector.
    for index in (types(window).index("add"), types(window).index("global_pool")):
        click_block(window, index)
        assert window.inspector.page.shown_uid == window.network[index].uid
    # An edit that breaks a reference (the add now reads a later layer) is an error on the
    # layer, never a crash; undo restores the file's order.
    add = types(window).index("add")
    window.editor.move(window.network[add].uid, 1)
    assert window.network.report().error_count
    window.editor.stack.undo()
    assert types(window) == expected and not window.network.report().error_count


def test_a_chain_keeps_its_rows_and_a_graph_gets_the_layered_layout(window):
    window.files.new_from_template("lenet5")
    assert not window.scene.is_graph
    from designer.ui.summary_panel import INPUTS
    assert window.summary.table.isColumnHidden(INPUTS)
    window.files.new_from_template("inception")
    assert window.scene.is_graph
    assert scene_types(window) == [layer.type for layer in load_template("inception").layers]
