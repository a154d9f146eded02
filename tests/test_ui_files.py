"""Files in the app: a bad file leaves the document untouched, save/open round trip, title and
modified mark, the unsaved-changes question, recent files, command line and dropped files,
templates, autosave and crash recovery."""
from __future__ import annotations

import json
import shutil

from PySide6.QtCore import QMimeData, QPointF, QSettings, QUrl

from designer.model import TEMPLATES, load, load_template, to_json
from ui_support import dialog_log, drop_at_end, drop_mime, types, window  # noqa: F401


def test_a_file_that_cannot_be_read_leaves_the_document_untouched(window, dialog_log, tmp_path):
    window.files.new_from_template("lenet5")
    drop_at_end(window, "dropout")
    before = (to_json(window.network), window.undo_stack.count(), window.windowTitle())
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "nn-designer", "version": 1, "layers": [{"type": "input"}, {"type": "convv"}]}')
    for path in (broken, tmp_path / "missing.json", tmp_path):
        assert not window.files.open_path(path)
    assert dialog_log.warnings[0] == f'{broken}: layers[1].type: unknown layer type "convv"; did you mean "conv"?'
    assert dialog_log.warnings[1] == f"{tmp_path / 'missing.json'}: no such file"
    assert "folder" in dialog_log.warnings[2]
    assert (to_json(window.network), window.undo_stack.count(), window.windowTitle()) == before
    assert window.isWindowModified() and dialog_log.unsaved == []  # nothing was asked: nothing changed


def test_save_as_then_open_round_trip_with_title_and_recent(window, dialog_log, tmp_path):
    window.files.new_from_template("lenet5")
    assert window.windowTitle() == "LeNet-5 (template)[*]" and not window.isWindowModified()
    drop_at_end(window, "dropout")
    assert window.isWindowModified()
    target = tmp_path / "mine.json"
    dialog_log.save_name = str(target)
    window.actions_by_name["save"].trigger()  # no path yet: Save asks for one
    assert window.windowTitle() == "mine.json[*]" and not window.isWindowModified()
    assert to_json(load(target)) == to_json(window.network)
    assert window.files.recent() == [str(target.resolve())]
    assert [a.text() for a in window.menus.recent.actions()][0] == "mine.json"
    window.undo_stack.undo()
    assert window.isWindowModified()
    window.undo_stack.redo()
    assert not window.isWindowModified()  # back at the saved state

    window.files.new_blank()
    assert types(window) == ["input"] and window.windowTitle() == "untitled[*]"
    window.menus.recent.actions()[0].trigger()
    assert types(window)[-1] == "dropout" and window.files.path == target.resolve()
    assert window.undo_stack.count() == 0


def test_unsaved_changes_are_asked_about_before_new_open_and_close(window, dialog_log, tmp_path):
    drop_at_end(window, "dense")
    dialog_log.unsaved_answer = "cancel"
    assert not window.files.new_from_template("alexnet")
    assert types(window) == ["input", "dense"]
    other = tmp_path / "other.json"
    other.write_text(json.dumps(to_json(load_template("perceptron"))))
    assert not window.files.open_path(other)
    assert types(window) == ["input", "dense"]
    assert not window.close() and window.isVisible()
    assert len(dialog_log.unsaved) == 3

    dialog_log.unsaved_answer = "save"
    dialog_log.save_name = str(tmp_path / "kept.json")
    assert window.files.open_path(other)
    assert load(tmp_path / "kept.json").layers[1].type == "dense"
    assert types(window) == [layer.type for layer in load_template("perceptron").layers]

    drop_at_end(window, "relu")
    dialog_log.unsaved_answer = "discard"
    assert window.files.new_blank() and types(window) == ["input"]


def test_templates_open_as_new_untitled_documents(window):
    for name, (title, _text) in TEMPLATES.items():
        window.actions_by_name[f"template_{name}"].trigger()
        assert window.windowTitle() == f"{title} (template)[*]"
        assert to_json(window.network)["layers"] == to_json(load_template(name))["layers"]
        assert window.files.path is None and not window.isWindowModified()


def test_a_file_dropped_on_the_window_opens(window, tmp_path):
    path = tmp_path / "dropped.json"
    path.write_text(json.dumps(to_json(load_template("lenet5"))))
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop_mime(window, mime, QPointF(50, 50))
    assert window.files.path == path.resolve() and len(window.network) == 13


def test_the_command_line_opens_a_file_or_a_template(qtbot, tmp_path, dialog_log):
    from designer.ui.application import start

    path = tmp_path / "net.json"
    path.write_text(json.dumps(to_json(load_template("mlp-example"))))
    for arg, expected in ((str(path), "net.json[*]"), ("alexnet", "AlexNet (template)[*]")):
        settings = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
        win = start([arg], settings=settings, recovery_dir=tmp_path / "rec")
        qtbot.addWidget(win)
        assert win.windowTitle() == expected
        win.close()


def test_a_save_that_fails_says_why_and_keeps_the_changes(window, dialog_log, tmp_path):
    drop_at_end(window, "relu")
    dialog_log.save_name = str(tmp_path / "no-such-folder" / "x.json")
    assert not window.files.save_as()
    assert dialog_log.warnings and "x.json: cannot be written" in dialog_log.warnings[0]
    assert window.isWindowModified()


def test_autosave_and_recovery_after_a_crash(qtbot, window, dialog_log, tmp_path, monkeypatch):
    window.files.new_from_template("lenet5")
    drop_at_end(window, "dropout")
    window.files.autosave()
    recovery = window.files.recovery.file
    assert to_json(load(recovery)) == to_json(window.network)
    # A crash leaves the files without a live lock: copy them under another session's name.
    crashed = recovery.with_name("recovery-crashed.json")
    shutil.copy(recovery, crashed)
    shutil.copy(recovery.with_suffix(".info"), crashed.with_suffix(".info"))
    window.undo_stack.undo()
    window.files.autosave()  # back to unmodified: the live recovery file goes
    assert not recovery.exists()

    from designer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat)
    second = MainWindow(settings=settings, recovery_dir=recovery.parent)
    qtbot.addWidget(second)
    assert not second.files.offer_recovery()  # NN_DESIGNER_NO_AUTOSAVE_PROMPT=1 (conftest) skips it
    assert crashed.exists()
    monkeypatch.delenv("NN_DESIGNER_NO_AUTOSAVE_PROMPT")
    dialog_log.recover_answer = True
    assert second.files.offer_recovery()
    assert types(second)[-1] == "dropout" and len(second.network) == 14
    assert second.isWindowModified() and second.windowTitle() == "untitled[*]"
    assert not crashed.exists() and not crashed.with_suffix(".info").exists()
    second.close()
