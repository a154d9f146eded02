"""One matcher for the palette's search box and quick-add."""
from __future__ import annotations

import subprocess
import sys

import pytest

from designer.ui.layer_search import matches, matching_types
from ui_support import dialog_log, types, window  # noqa: F401


@pytest.mark.parametrize("text, best", [("fc", "dense"), ("linear", "dense"), ("bn", "batchnorm"),
                                        ("max pool", "pool"), ("conv", "conv"), ("relu", "relu")])
def test_the_palette_finds_what_quick_add_finds(window, qtbot, text, best):
    palette = window.palette_panel
    palette.search.setText(text)
    assert matches(text)[0][1] == best
    assert best in palette.visible_types()
    assert set(palette.visible_types()) == set(matching_types(text))
    window.quick_add.open()
    window.quick_add.edit.setText(text)
    listed = {window.quick_add.list.item(i).data(0x0100)[0] for i in range(window.quick_add.list.count())}
    assert listed == set(palette.visible_types())
    window.quick_add.hide()


def test_enter_in_the_palette_search_adds_the_best_match(window, qtbot):
    from PySide6.QtCore import Qt

    qtbot.keyClicks(window.palette_panel.search, "bn")
    qtbot.keyClick(window.palette_panel.search, Qt.Key.Key_Return)
    assert types(window) == ["input", "batchnorm"]


def test_a_family_name_finds_its_kinds():
    assert {"relu", "sigmoid", "tanh"} <= set(matching_types("activation"))
    assert matching_types("pool") == ["pool", "global_pool"]
    assert matching_types("gap") == ["global_pool"] and matching_types("residual") == ["add"]


def test_the_matcher_needs_no_qt():
    code = ("import sys; import designer.ui.layer_search as s; assert s.matches('fc')[0][1] == 'dense'; "
            "assert not any(m.startswith('PySide6') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
