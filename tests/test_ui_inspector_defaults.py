"""The inspector takes a new input's shape from the UI's registry of kinds (kinds.UI_KINDS: no
copy of its own)."""
from __future__ import annotations

from dataclasses import replace

from designer.ui.kinds import UI_KINDS
from ui_support import click_block, dialog_log, window  # noqa: F401


def test_switching_an_input_back_to_an_image_uses_the_editors_starting_shape(window, monkeypatch):
    monkeypatch.setitem(UI_KINDS, "input", replace(UI_KINDS["input"], starter={"width": 32, "height": 32, "depth": 3}))
    layer = window.network[0]
    window.network.set_keys(window.network[0].uid, {"width": None, "height": None, "depth": None, "features": 10})
    click_block(window, 0)
    window.inspector.input_mode.activated.emit(0)
    assert layer.config == {"width": 32, "height": 32, "depth": 3}
    window.inspector.input_mode.activated.emit(1)
    assert layer.config == {"features": 32 * 32 * 3}
