"""Crash recovery with more than one crashed session, and autosave writing only after an edit."""
from __future__ import annotations

import json
import os
import time

from PySide6.QtCore import QSettings

from designer.model import Network, dumps, load_template
from designer.ui.autosave import PREFIX
from ui_support import dialog_log, window  # noqa: F401


def _orphan(folder, name: str, network: Network, saved_at: float, original=None):
    model = folder / f"{PREFIX}{name}.json"
    model.write_text(dumps(network), encoding="utf-8")
    info = {"path": str(original) if original else None, "name": network.name, "time": saved_at}
    model.with_suffix(".info").write_text(json.dumps(info), encoding="utf-8")
    return model


def _second_window(qtbot, tmp_path, folder):
    from designer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "s2.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, recovery_dir=folder)
    qtbot.addWidget(win)
    return win


def test_recovery_keeps_unsaved_work_it_did_not_offer(qtbot, window, dialog_log, tmp_path, monkeypatch):
    folder = window.files.recovery.directory
    now = time.time()
    saved = tmp_path / "saved.json"
    saved.write_text("{}", encoding="utf-8")
    os.utime(saved, (now, now))
    newest = _orphan(folder, "a", load_template("lenet5"), now + 20)
    second = _orphan(folder, "b", load_template("alexnet"), now + 10)  # another window's work
    stale = _orphan(folder, "c", Network([], "old"), now - 100, original=saved)  # saved since
    monkeypatch.delenv("NN_DESIGNER_NO_AUTOSAVE_PROMPT")
    offered, answers = [], [False, True]  # the first offer declined: that copy goes

    def ask(parent, name, when):
        offered.append(name)
        return answers[len(offered) - 1]

    monkeypatch.setattr("designer.ui.dialogs.ask_recover", ask)
    win = _second_window(qtbot, tmp_path, folder)
    assert not win.files.offer_recovery()
    assert len(offered) == 1
    assert not newest.exists() and not stale.exists() and not stale.with_suffix(".info").exists()
    assert second.exists() and second.with_suffix(".info").exists()  # never shown: kept
    win.close()
    third = _second_window(qtbot, tmp_path, folder)
    assert third.files.offer_recovery()  # the next start offers it
    assert len(offered) == 2 and len(third.network) == len(load_template("alexnet"))
    assert not second.exists()
    third.close()


def test_autosave_writes_only_after_an_edit(window, monkeypatch):
    from designer.ui.autosave import Recovery

    writes = []
    real = Recovery.write
    monkeypatch.setattr(Recovery, "write", lambda self, *a: writes.append(1) or real(self, *a))
    files = window.files
    files.autosave()  # nothing to save
    assert writes == [] and not files.recovery.file.exists()
    window.editor.insert_kind(1, "relu")
    files.autosave()
    assert len(writes) == 1 and files.recovery.file.exists()
    files.autosave()
    files.autosave()  # modified, but nothing changed since: no rewrite
    assert len(writes) == 1
    window.editor.insert_kind(2, "relu")
    files.autosave()
    assert len(writes) == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    files.autosave()  # back to the saved state: the file goes
    assert not files.recovery.file.exists()
    window.undo_stack.redo()
    files.autosave()  # modified again: written again
    assert len(writes) == 3 and files.recovery.file.exists()
