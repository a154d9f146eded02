"""Names typed in the window follow the model format's rule for text (jsonio.text_problem): a
control character, a line separator or a lone surrogate is refused in one sentence beside the
name field, so the window never saves a file the program then refuses to open."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from designer.model import load
from ui_support import click_block, dialog_log, window  # noqa: F401

BAD_NAMES = ["c\x1b[31m1", "bell\x07", "two\nlines", "tab\tbed", "para\u2029graph", "line\u2028sep",
             "nul\x00", "del\x7f", "c\x85next"]


def _type_name(window, qtbot, text):
    click_block(window, 1)
    edit = window.inspector.name_edit
    edit.setFocus()
    edit.setText(text)  # keyClicks cannot type a lone surrogate; the field takes what is pasted
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    return window.network[1]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_name_the_format_refuses_is_said_beside_the_field_and_not_kept(window, qtbot, tmp_path, name):
    window.files.new_from_template("lenet5")
    conv = _type_name(window, qtbot, name)
    assert conv.name is None
    error = window.inspector.page.name_error
    assert error.isVisibleTo(window.inspector) and error.text().startswith("Not renamed: the name holds ")
    assert "U+" in error.text() and error.text().count(".") == 1
    window.files._write(tmp_path / "m.json")
    assert load(tmp_path / "m.json").layers[1].name is None  # the saved file opens again
    conv = _type_name(window, qtbot, "c1")  # a good name clears the sentence and is kept
    assert conv.name == "c1" and not window.inspector.page.name_error.isVisibleTo(window.inspector)


def test_a_lone_surrogate_never_reaches_a_name(window, qtbot, tmp_path):
    """Qt's strings are UTF-16: a lone surrogate given to the field is dropped before the
    inspector sees it, so whatever is kept is valid text and the saved file opens."""
    window.files.new_from_template("lenet5")
    conv = _type_name(window, qtbot, "half\ud800")
    assert conv.name in (None, "half") and not window.inspector.page.name_error.isVisibleTo(window.inspector)
    window.files._write(tmp_path / "m.json")
    assert load(tmp_path / "m.json").layers[1].name == conv.name


def test_pasted_layers_with_names_the_format_refuses_are_not_pasted(window):
    window.files.new_from_template("lenet5")
    click_block(window, 1)
    before = len(window.network)
    for name in ("a\x1b", "b\u2028", "c\ud800"):
        layers = [{"type": "relu", "name": name}]
        QGuiApplication.clipboard().setText(json.dumps(layers))
        assert window.editor.paste() is False
        assert len(window.network) == before
    QGuiApplication.clipboard().setText(json.dumps([{"type": "relu", "name": "ok"}]))
    assert window.editor.paste() is True and len(window.network) == before + 1
