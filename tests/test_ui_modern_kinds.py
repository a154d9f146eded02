"""The modern layer kinds in the window: each comes from the palette with its inspector fields (the
catalogue's keys), hardtanh's bounds edited so that nothing is left between them turn the block
red with the rule's sentence, gelu's approximation is a choice, and each edit is one undo step."""
from __future__ import annotations

import pytest

from designer.model import KINDS
from ui_support import click_block, dialog_log, drop_at_end, types, window  # noqa: F401

NEW = ["relu6", "hardtanh", "hardsigmoid", "hardswish", "silu", "gelu", "log_softmax", "layer_norm",
       "layer_scale", "scale_shift"]


@pytest.mark.parametrize("type_", NEW)
def test_a_new_kind_comes_from_the_palette_with_its_fields(window, type_):
    window.files.new_from_template("lenet5")
    drop_at_end(window, type_)
    assert types(window)[-1] == type_
    click_block(window, len(window.network) - 1)
    assert list(window.inspector.editors) == [key.name for key in KINDS[type_].keys]
    assert not window.network.report().layers[-1].errors


def test_hardtanh_bounds_that_cross_turn_it_red_and_undo_puts_them_back(window):
    window.files.new_from_template("lenet5")
    drop_at_end(window, "hardtanh")
    index = len(window.network) - 1
    click_block(window, index)
    window.inspector.editors["max_val"].spin.setValue(-2.0)
    layer = window.network[index]
    assert layer.config["max_val"] == -2.0
    assert window.network.report().layers[index].errors == ["hardtanh max_val -2 must be greater than min_val -1"]
    window.undo_stack.undo()
    assert "max_val" not in layer.config and not window.network.report().layers[index].errors


def test_gelus_approximation_is_a_choice(window):
    window.files.new_from_template("lenet5")
    drop_at_end(window, "gelu")
    index = len(window.network) - 1
    click_block(window, index)
    combo = window.inspector.editors["approximate"].combo
    combo.activated.emit(KINDS["gelu"].key("approximate").choices.index("tanh"))
    assert window.network[index].config == {"approximate": "tanh"}
    assert "tanh" in window.scene.blocks[window.network[index].uid].state[3]
