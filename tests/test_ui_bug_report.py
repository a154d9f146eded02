"""A user's mistake is one sentence; a bug is reported as a bug (designer/ui/bug_report.py): a dialog
with the traceback to copy and a log file in the app's data folder, and the window keeps working."""
from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtGui import QGuiApplication

from designer.errors import UserError, log_folder
from designer.model import load_template, to_json
from designer.ui import bug_report, dialogs
from designer.ui import files as files_module
from ui_support import dialog_log, window  # noqa: F401


@pytest.fixture
def reporter(window, monkeypatch, tmp_path):
    """The window's bug report installed as it is in the app, its logs under tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    installed = bug_report.install(window)
    yield installed
    installed.uninstall()
    if installed.dialog is not None:
        installed.dialog.close()


def _model(tmp_path, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(to_json(load_template("mlp-example"))))
    return path


def test_a_users_mistake_in_an_action_is_one_sentence_and_no_bug_report(qtbot, window, reporter, dialog_log,
                                                                        tmp_path, monkeypatch):
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "nn-designer", "version": 1, "layers": [{"type": "conv"}]}')
    dialog_log.open_name = str(broken)
    window.actions_by_name["open"].trigger()
    assert len(dialog_log.warnings) == 1 and "\n" not in dialog_log.warnings[0]
    assert str(broken) in dialog_log.warnings[0] and "Traceback" not in dialog_log.warnings[0]

    # a UserError that escapes an action is still shown as its sentence, never as a bug
    def refuse(parent, directory=""):
        raise UserError("that folder cannot be listed")

    monkeypatch.setattr(dialogs, "open_file_name", refuse)
    window.actions_by_name["open"].trigger()
    qtbot.waitUntil(lambda: len(dialog_log.warnings) == 2)
    assert dialog_log.warnings[1] == "that folder cannot be listed"
    assert reporter.dialog is None and not log_folder().exists()


def test_a_bug_in_an_action_shows_the_bug_dialog_writes_the_log_and_the_window_goes_on(
        qtbot, window, reporter, dialog_log, tmp_path, monkeypatch):
    def broken_load(path, allow_empty=False):
        return 1 / 0

    monkeypatch.setattr(files_module, "load", broken_load)
    dialog_log.open_name = str(_model(tmp_path))
    window.actions_by_name["open"].trigger()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    dialog = reporter.dialog
    text = dialog.details.toPlainText()
    assert "Traceback (most recent call last)" in text and "ZeroDivisionError" in text and "broken_load" in text
    assert dialog.details.isReadOnly()
    assert not dialog_log.warnings  # not shown as the user's mistake ("Cannot open …")
    logs = list(log_folder().glob("bug-*.log"))
    assert len(logs) == 1 and logs[0].read_text(encoding="utf-8") == text
    assert str(logs[0]) in dialog.message.text() and "bug" in dialog.message.text()
    assert logs[0].parent == tmp_path / "data" / "nn-designer" / "nn-designer" / "logs"
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == text
    # the window still works: the same action opens a model once the bug is gone, edits undo
    monkeypatch.undo()
    dialog.close()
    assert window.files.open_path(_model(tmp_path, "again.json"), ask=False)
    assert window.windowTitle().startswith("again.json") and len(window.network) == 5
    window.editor.insert_kind(len(window.network), "relu")
    assert len(window.network) == 6
    window.undo_stack.undo()
    assert len(window.network) == 5


def test_a_second_bug_while_the_dialog_is_open_joins_it(qtbot, window, reporter):
    for n in range(2):
        try:
            {}["missing"]
        except KeyError as e:
            bug_report.report_bug(e)
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.count == 2)
    assert reporter.dialog.details.toPlainText().count("KeyError") >= 2 and len(reporter.dialog.logs) == 2
    assert "2 times" in reporter.dialog.message.text()


def test_a_bug_in_another_thread_is_reported_in_the_gui_thread(qtbot, window, reporter):
    def fail():
        raise RuntimeError("worker broke")

    thread = threading.Thread(target=fail)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert "RuntimeError: worker broke" in reporter.dialog.details.toPlainText()
    assert reporter.dialog.thread() is window.thread()


def test_the_train_worker_reports_a_bug_as_one_and_says_so(qtbot, window, reporter):
    from designer.ui.training.worker import report_failure
    try:
        1 / 0
    except ZeroDivisionError as e:
        said = report_failure(e, "training")
    assert said.startswith("training stopped because of a bug in NN Designer (ZeroDivisionError")
    qtbot.waitUntil(lambda: reporter.dialog is not None and reporter.dialog.isVisible())
    assert report_failure(UserError("the data has 3 classes"), "training") == "the data has 3 classes"
    assert reporter.dialog.count == 1  # a user's mistake is not a bug


def test_uninstalling_gives_the_hooks_back(window):
    import sys
    before = sys.excepthook, threading.excepthook
    installed = bug_report.install(window)
    assert sys.excepthook == installed.hook
    installed.uninstall()
    assert (sys.excepthook, threading.excepthook) == before
