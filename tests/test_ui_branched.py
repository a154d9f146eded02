"""Until the canvas draws branches (issue 14), the window opens a branched (version 2) file
without crashing, draws its layers as a chain in file order, and says so in one sentence."""
from __future__ import annotations

from designer.model import load_template, save
from designer.ui.status import BRANCHES_NOT_DRAWN
from ui_support import click_block, dialog_log, scene_types, types, window  # noqa: F401


def test_a_branched_file_opens_as_a_chain_with_one_sentence(window, tmp_path):
    path = tmp_path / "block.json"
    save(load_template("resnet20"), path)
    assert window.files.open_path(path, ask=False)
    expected = [layer.type for layer in load_template("resnet20").layers]
    assert types(window) == expected and scene_types(window) == expected
    label = window.status.branches
    assert not label.isHidden() and label.text() == BRANCHES_NOT_DRAWN
    assert BRANCHES_NOT_DRAWN.count(".") == 1 and BRANCHES_NOT_DRAWN.endswith(".")
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


def test_a_pipeline_shows_no_such_sentence(window):
    window.files.new_from_template("lenet5")
    assert window.status.branches.isHidden()
    from designer.ui.summary_panel import INPUTS
    assert window.summary.table.isColumnHidden(INPUTS)
    window.files.new_from_template("inception")
    assert not window.status.branches.isHidden()
    assert scene_types(window) == [layer.type for layer in load_template("inception").layers]
