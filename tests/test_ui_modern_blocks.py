"""Blocks ▸ Insert inverted-residual block and Insert squeeze-and-excitation block: one undo step
each, built for the depth of the selection's output, the rest of the network reading the block,
the parameter counts of MobileNetV2's block and of an SE block, and each collapsing into one block
(Collapse all blocks) like the residual and inception blocks; after a vector they refuse in one sentence."""
from __future__ import annotations

from designer.model import load_template, to_json
from ui_support import dialog_log, window  # noqa: F401


def _lenet_after_first_relu(window):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[2].uid])  # after the first relu: 28×28×6
    return window.network.report().layers[2].output


def test_inverted_residual_block(window):
    w, h, d = _lenet_after_first_relu(window)
    before = window.network.report().total_params
    assert window.menus.actions["insert_inverted_residual"].text() == "Insert in&verted-residual block"
    window.menus.actions["insert_inverted_residual"].trigger()
    report = window.network.report()
    assert not report.error_count and window.undo_stack.count() == 1
    types = [layer.type for layer in window.network.layers]
    assert types[3:12] == ["conv", "batchnorm", "relu6", "conv", "batchnorm", "relu6", "conv", "batchnorm", "add"]
    add = report.layers[11]
    assert add.sources == [10, 2] and add.output == (w, h, d)  # the shortcut is the selection's output
    assert report.layers[12].sources == [11]  # what followed reads the block
    depthwise = window.network[6].resolved()
    assert depthwise["groups"] == depthwise["filters"] == 6 * d
    # 1×1 6→36, BN 36, 3×3 depthwise 36, BN 36, 1×1 36→6, BN 6 (no biases)
    assert report.total_params - before == 6 * 36 + 72 + 9 * 36 + 72 + 36 * 6 + 12
    window.undo_stack.undo()
    assert [layer.type for layer in window.network.layers] == [layer.type for layer in load_template("lenet5").layers]


def test_squeeze_excitation_block_and_both_collapse(window):
    w, h, d = _lenet_after_first_relu(window)
    assert window.editor.insert_squeeze_excitation()
    report = window.network.report()
    types = [layer.type for layer in window.network.layers]
    assert types[3:9] == ["global_pool", "conv", "relu", "conv", "sigmoid", "mul"]
    mul = report.layers[8]
    assert mul.sources == [2, 7] and mul.inputs == [(w, h, d), (1, 1, d)] and mul.output == (w, h, d)
    assert report.layers[4].param_count == (d + 1) * max(1, d // 4) and report.layers[6].param_count == (max(1, d // 4) + 1) * d
    window.editor.select([window.network[8].uid])
    assert window.editor.insert_inverted_residual()
    saved = to_json(window.network)
    assert window.editor.collapse_blocks() == 2  # the SE block and the inverted residual, one block each
    shown = [block for block in window.scene.blocks.values() if block.isVisible()]
    assert len(shown) == len(window.network.layers) - 6 - 9 + 2
    assert to_json(window.network) == saved  # view only


def test_after_a_vector_the_blocks_refuse_in_one_sentence(window):
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[len(window.network) - 2].uid])  # a dense layer
    said = []
    window.editor.message.connect(said.append)
    count = window.undo_stack.count()
    assert not window.editor.insert_squeeze_excitation()
    assert not window.editor.insert_inverted_residual()
    assert window.undo_stack.count() == count
    assert said[0].startswith("Squeeze-and-excitation block goes after a W×H×D volume; the selection gives a vector")


def test_the_inspector_edits_the_new_settings(window):
    """pad's sides and value, a conv's dilation, a pool's count_include_pad: typed widgets from the
    catalogue's keys, each change one undo step that the block and the shapes follow."""
    from ui_support import click_block
    window.files.new_from_template("lenet5")
    window.editor.select([window.network[2].uid])
    assert window.editor.insert_kind(3, "pad") is not None  # starts with right 1, bottom 1
    pad = window.network[3]
    assert window.network.report().layers[3].output == (29, 29, 6)
    click_block(window, 3)
    editors = window.inspector.editors
    assert {"left", "right", "top", "bottom", "value"} <= set(editors)
    editors["left"].spin.setValue(2)
    editors["value"].spin.setValue(-0.5)
    assert pad.config["left"] == 2 and pad.config["value"] == -0.5
    assert window.network.report().layers[3].output == (31, 29, 6)
    assert "l2 r1 t0 b1 = -0.5" in window.scene.blocks[pad.uid].state[3]
    click_block(window, 1)
    dilation = window.inspector.editors["dilation"]
    assert dilation.link.isChecked()
    dilation.h.setValue(2)
    from designer.model.kinds_spatial import dilation_of
    assert dilation_of(window.network[1].resolved()) == (2, 2)
    assert window.network.report().layers[1].output == (24, 24, 6)  # 28 − (2·4 + 1) + 2·2 + 1
    pool = next(i for i, layer in enumerate(window.network.layers) if layer.type == "pool")
    window.editor.set_keys(window.network[pool].uid, {"mode": "avg", "padding": 1})
    click_block(window, pool)
    window.inspector.editors["count_include_pad"].box.setChecked(False)
    assert window.network[pool].config["count_include_pad"] is False
    assert "excl. pad" in window.scene.blocks[window.network[pool].uid].state[3]


def test_a_block_inside_a_block_collapses_with_the_outer_one():
    """EfficientNet-B0: each MBConv with a shortcut collapses whole, its squeeze-and-excitation
    inside it (15 layers from the expansion conv to the add); the 7 without a shortcut collapse
    their SE. ResNet-18 still collapses into its 8 residual blocks."""
    from designer.model import load_model
    from designer.ui.canvas.collapse import group_problem, merge_blocks

    def groups(name):
        network = load_model(name)
        report = network.report()
        found = merge_blocks([info.sources for info in report.layers], report.readers,
                             [layer.kind.family for layer in network.layers])
        assert all(not group_problem(group, report.readers) for group in found)
        return network, found

    network, found = groups("efficientnet_b0")
    whole = [g for g in found if network[g[-1]].type == "add"]
    assert len(whole) == 9 and all(len(g) == 15 for g in whole)
    assert all(any(network[i].type == "mul" for i in g) for g in whole)
    se = [g for g in found if network[g[-1]].type == "mul"]
    assert len(se) == 7 and all([network[i].type for i in g][0] == "global_pool" for g in se)
    assert len(groups("resnet18")[1]) == 8
