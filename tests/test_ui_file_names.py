"""Suggested file names: a document's name never makes a subfolder, and the dialogs add the
format's suffix to a name typed without one."""
from __future__ import annotations

from pathlib import Path

import pytest

from designer.ui import dialogs
from designer.ui.files import safe_stem
from ui_support import dialog_log, window  # noqa: F401


def test_save_as_suggests_a_safe_name_in_the_last_folder(window, monkeypatch, tmp_path):
    window.settings.setValue("files/last_dir", str(tmp_path))
    window.network.set_name("conv/relu: v2")
    asked = []
    monkeypatch.setattr(dialogs, "save_file_name", lambda parent, suggested="": asked.append(suggested) or "")
    assert not window.files.save_as()
    assert asked == [str(tmp_path / "conv_relu__v2.json")]
    assert Path(asked[0]).parent == tmp_path
    assert window.exporter.suggested(".py") == str(tmp_path / "conv_relu__v2.py")


def test_safe_stem():
    assert safe_stem("LeNet-5 (small)", "x") == "LeNet-5__small" and safe_stem("///", "untitled") == "untitled"


@pytest.mark.parametrize("typed, written", [("/tmp/lenet", "/tmp/lenet.json"), ("/tmp/a.json", "/tmp/a.json"),
                                             ("/tmp/my.model", "/tmp/my.model"), ("", "")])
def test_the_save_dialog_adds_json(monkeypatch, typed, written):
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (typed, ""))
    assert dialogs.save_file_name(None, "/tmp/x.json") == written


def test_the_export_dialog_takes_the_suffix_from_the_exports(monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from designer.ui.export_actions import FILTERS

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: ("/tmp/net", ""))
    assert dialogs.export_file_name(None, "Export", "", FILTERS["onnx"][1]) == "/tmp/net.onnx"


def test_the_dialogs_module_imports_nothing_of_the_app():
    """dialogs sits below every module that asks something (files, export_actions): importing one
    of them back made the cycle dialogs → export_actions → files → dialogs."""
    import ast

    tree = ast.parse(Path(dialogs.__file__).read_text(encoding="utf-8"))
    imported = [node.module or "." for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("designer"))]
    assert imported == []
