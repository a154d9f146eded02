"""A ResNet basic block with a projection shortcut and GoogLeNet's
inception block built on the canvas by drags and connections only (real mouse events; settings
and names typed as the inspector does), equal to the templates' blocks; undoing everything gives
the starting canvas back. A loop is refused, a mismatched merge turns red, an edge is deleted,
a layer dropped on an edge goes there, and a paste keeps the edges among the pasted layers."""
from __future__ import annotations

import json

from PySide6.QtCore import Qt

from designer.model import Layer, Network, load_template, to_json
from designer.model.document import clones
from designer.ui.canvas.layout import BLOCK_W
from graph_support import click_edge, drag_connection, drop_anywhere, renamed
from ui_support import dialog_log, window  # noqa: F401


def configure(window, index: int, like: Layer) -> None:
    """Type ``like``'s settings and name into the layer at ``index`` (what the inspector does)."""
    uid = window.network[index].uid
    if like.config:
        window.editor.set_keys(uid, dict(like.config))
    if like.name:
        window.editor.rename(uid, like.name)


def resnet_block() -> list:
    """torchvision's layer2.0 of ResNet-18 (stride 2, projection shortcut) on its 56×56×64 input."""
    t = load_template("resnet18").layers
    start = next(i for i, layer in enumerate(t) if layer.name == "layer2.0.conv1")
    stem = Layer.make("input", width=56, height=56, depth=64)
    stem.id = "layer1.1"
    block = clones(t[start:start + 9])
    for layer in block:  # the block reads the stem in place of the template's layer1.1
        layer.sources = [stem if s is t[start - 1] else s for s in layer.sources]
    return [stem] + block


def test_a_resnet_basic_block_with_a_projection_shortcut_by_drags_and_connections(window, qtbot):
    start = to_json(window.network)
    want = resnet_block()
    configure(window, 0, want[0])
    for k, type_ in enumerate(["conv", "batchnorm", "relu", "conv", "batchnorm", "add", "conv"], start=1):
        drop_anywhere(window, type_)
        if type_ != "add":
            configure(window, k, want[k if k < 6 else 6])
    assert not window.scene.is_graph  # still a chain: the add reads only the batchnorm (red)
    drag_connection(window, 0, 7)  # the shortcut conv reads the block's input instead
    assert window.scene.is_graph
    drop_anywhere(window, "batchnorm")  # reads the shortcut conv
    configure(window, 8, want[7])
    assert not drag_connection(window, 8, 6, x=BLOCK_W - 10)  # into the add, right of its first input
    assert [layer.type for layer in window.network.layers] == [layer.type for layer in want[:9]]
    configure(window, 8, want[8])
    drop_anywhere(window, "relu")
    configure(window, 9, want[9])
    report = window.network.report()
    assert not report.error_count, [i.errors for i in report.layers if i.errors]
    got = renamed(to_json(window.network))
    expected = renamed(to_json(Network(want)))
    assert got == expected
    # the edges into the add carry the shapes that flow along them
    add = window.scene.order[8]
    labels = sorted(e.label for (s, d), e in window.scene.edges.items() if d == add)
    assert labels == ["28×28×128", "28×28×128"]
    # a loop is refused with one sentence, and nothing changes
    before, steps = to_json(window.network), window.undo_stack.count()
    assert drag_connection(window, 9, 1)  # the preview turned red before the release
    assert to_json(window.network) == before and window.undo_stack.count() == steps
    assert "loop" in window.statusBar().currentMessage()
    # a shortcut whose stride no longer fits turns the add red, both shapes in its tooltip
    window.editor.set_keys(window.network[6].uid, {"stride": None})
    block = window.scene.blocks[add]
    assert block.status == "error"
    assert "28×28×128" in block.toolTip() and "56×56×128" in block.toolTip()
    window.editor.select([add])
    assert "56×56×128" in " ".join(window.network.report().layers[8].errors)
    # undoing everything gives the starting canvas back
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert to_json(window.network) == start
    assert len(window.scene.order) == 1 and not window.scene.edges


def test_an_inception_block_by_drags_and_connections(window, qtbot):
    start = to_json(window.network)
    want = load_template("inception").layers
    configure(window, 0, want[0])
    branches = [(1, 2), (3, 6), (7, 10), (11, 13)]  # first and last layer of each branch
    for first, last in branches:
        for k in range(first, last + 1):
            drop_anywhere(window, want[k].type)
            configure(window, k, want[k])
            if k == first and first != 1:
                drag_connection(window, 0, k)  # the branch reads the block's input
    drop_anywhere(window, "concat")  # reads the last branch; the others join left of it
    drag_connection(window, 2, 14, x=10)
    drag_connection(window, 6, 14, x=100)
    drag_connection(window, 10, 14, x=120)
    configure(window, 14, want[14])
    report = window.network.report()
    assert not report.error_count, [i.errors for i in report.layers if i.errors]
    assert renamed(to_json(window.network)) == renamed(to_json(load_template("inception")))
    # select an edge and press Delete: the concat reads three branches (the fourth hangs, red)
    click_edge(window, 13, 14)
    assert window.scene.selected_edges() and not window.scene.selected_indices()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert len(window.network.report().layers[14].sources) == 3
    assert any("not connected to the output" in e for e in window.network.report().layers[13].errors)
    window.undo_stack.undo()
    assert not window.network.report().error_count
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert to_json(window.network) == start and len(window.scene.order) == 1


def test_a_layer_dropped_on_an_edge_goes_on_that_edge(window):
    from ui_support import drop_kind
    window.files.new_from_template("inception")
    edge = window.scene.edges[(window.scene.order[5], window.scene.order[6])]
    (ax, ay), (bx, by) = edge.points[0], edge.points[-1]
    from PySide6.QtCore import QPointF
    drop_kind(window, "batchnorm", QPointF((ax + bx) / 2, (ay + by) / 2))
    types = [layer.type for layer in window.network.layers]
    assert types[6] == "batchnorm" and window.network.report().layers[7].sources == [6]
    assert window.network.report().layers[6].sources == [5]
    assert window.undo_stack.count() == 1


def test_a_paste_keeps_the_edges_among_the_pasted_layers(window):
    window.files.new_from_template("inception")
    n = len(window.network)
    window.editor.select([layer.uid for layer in window.network.layers[1:]])
    assert window.editor.copy()
    window.editor.select([window.network[n - 1].uid])
    assert window.editor.paste()
    report = window.network.report()
    assert len(window.network) == 2 * n - 1 and not report.error_count
    srcs = [info.sources for info in report.layers]
    # the pasted branches start from the block before them (the first concat), and the pasted
    # concat reads the four pasted branches
    assert [i for i in range(n, 2 * n - 1) if srcs[i] == [n - 1]] == [n, n + 2, n + 6, n + 10]
    assert srcs[-1] == [n + 1, n + 5, n + 9, n + 12]
    assert json.dumps(to_json(window.network))  # still a model file
    window.undo_stack.undo()
    assert len(window.network) == n


def test_duplicate_keeps_the_edges_of_a_residual_block(window):
    window.files.new_from_template("resnet20")
    block = list(range(4, 11))  # conv bn relu conv bn add relu: the add also reads the stem (#3)
    window.editor.select([window.network[i].uid for i in block])
    assert window.editor.duplicate() and window.undo_stack.count() == 1
    report = window.network.report()
    assert not report.error_count
    add = 11 + 5
    assert window.network[add].type == "add" and report.layers[add].sources == [15, 10]  # its bn, the block before
    assert report.layers[18].sources == [17]  # what followed reads the copy
    window.undo_stack.undo()
    assert len(window.network) == len(load_template("resnet20").layers)
