"""What the window does with an exception that nothing caught.

A ``UserError`` that reaches the top is still the user's mistake: its one sentence is shown, as
every other refusal is. Anything else is a bug in NN Designer and is reported as one, never as
something the user did: its traceback, with the versions that ran it, is written to a log file
(``designer.errors.log_folder()``: the app's data folder, ``logs``) and shown in ``BugDialog``,
which says where the log is and lets the traceback be copied. The app keeps running.

``install(window)`` makes this the exception hook for the window's life: ``sys.excepthook``,
which PySide calls for an exception escaping a slot or a virtual method (a ``paintEvent``) run by
the event loop, and ``threading.excepthook`` for Python threads. A worker that catches an
exception to turn it into a sentence (the Train mode's) reports a bug with ``report_bug(exc)``.
The hook may run on any thread; the dialog is always opened by the GUI thread, from its event
loop, never inside the failing code.
"""
from __future__ import annotations

import sys
import threading
from typing import Optional

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout,
                               QWidget)

from ..errors import UserError, bug_report, describe, write_bug_log
from . import dialogs

TITLE = "Bug report"  # Qt adds " — NN Designer"


def report_bug(exc: BaseException) -> None:
    """Report ``exc`` as a bug through the installed hook (the dialog and the log; without one,
    Python's, which prints it, or a test's, which fails the test)."""
    sys.excepthook(type(exc), exc, exc.__traceback__)


class BugDialog(QDialog):
    """The report of one or more bugs: what happened in a sentence, where the log is, and the
    traceback in a read-only text area with a Copy button."""

    def __init__(self, parent: Optional[QWidget], summary: str, text: str, log: str):
        super().__init__(parent)
        self.setWindowTitle(TITLE)
        self.setObjectName("bug-dialog")
        layout = QVBoxLayout(self)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.message)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox()
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the report (versions and traceback) to the clipboard")
        self.copy_button.clicked.connect(self.copy)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.close)
        close.setDefault(True)
        layout.addWidget(buttons)
        self.count = 0
        self.logs: list = []
        self.add(summary, text, log)
        self._fit()

    def add(self, summary: str, text: str, log: str) -> None:
        """Another report (a bug that happened while this one was shown)."""
        self.count += 1
        self.logs.append(log)
        old = self.details.toPlainText()
        self.details.setPlainText(f"{old}\n{'─' * 40}\n\n{text}" if old else text)
        saved = (f"The report was saved to {log}." if log else
                 "The report could not be saved to a file; copy it from below.")
        again = "" if self.count == 1 else f" It happened {self.count} times; the last: "
        self.message.setText(
            f"Something went wrong inside NN Designer. This is a bug in the app, not a mistake of "
            f"yours. The app keeps running; if what you were doing looks wrong, undo it, or save "
            f"your work under a new name.\n\n{again}{summary}\n\n{saved} Please report it, with "
            f"a word about what you were doing.")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied")

    def keep_on_screen(self) -> None:
        """Moved into the screen's available area (centred on a window larger than the screen,
        it would hang off it)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area, frame = screen.availableGeometry(), self.frameGeometry()
        x = min(max(frame.left(), area.left()), max(area.left(), area.right() - frame.width() + 1))
        y = min(max(frame.top(), area.top()), max(area.top(), area.bottom() - frame.height() + 1))
        if (x, y) != (frame.left(), frame.top()):
            self.move(x, y)

    def _fit(self) -> None:
        """A size that shows a traceback, within the screen's available area."""
        width, height = 720, 480
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            area = screen.availableGeometry()
            width, height = min(width, area.width() - 40), min(height, area.height() - 60)
        self.resize(max(width, 360), max(height, 300))


class BugReporter(QObject):
    """The installed hook (see the module's docstring); one per window."""

    reported = Signal(str, str, str)  # summary, report text, log path ("" when none was written)
    refused = Signal(str)  # a UserError nothing caught: its sentence

    def __init__(self, window: QWidget):
        super().__init__()
        self.window = window
        self.dialog: Optional[BugDialog] = None
        self.previous = (sys.excepthook, threading.excepthook)
        # Queued: the dialog opens from the GUI thread's event loop, whichever thread failed.
        self.reported.connect(self._show, Qt.ConnectionType.QueuedConnection)
        self.refused.connect(self._refuse, Qt.ConnectionType.QueuedConnection)

    def install(self) -> "BugReporter":
        sys.excepthook = self.hook
        threading.excepthook = self._thread_hook
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self.hook:
            sys.excepthook = self.previous[0]
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self.previous[1]

    def hook(self, exc_type, exc, tb) -> None:
        if exc is None or not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: as before
            self.previous[0](exc_type, exc, tb)
            return
        if isinstance(exc, UserError):
            self.refused.emit(str(exc))
            return
        if exc.__traceback__ is None and tb is not None:
            exc = exc.with_traceback(tb)
        text = bug_report(exc)
        log = write_bug_log(text)
        try:
            sys.stderr.write(text)  # for whoever started the app from a terminal
        except (OSError, ValueError, AttributeError):  # no stderr (a gui-script), or a closed one
            pass
        self.reported.emit(describe(exc), text, str(log or ""))

    def _thread_hook(self, args) -> None:
        self.hook(args.exc_type, args.exc_value, args.exc_traceback)

    @Slot(str, str, str)
    def _show(self, summary: str, text: str, log: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add(summary, text, log)
        else:
            self.dialog = BugDialog(self.window, summary, text, log)
            self.dialog.show()
            self.dialog.keep_on_screen()
        self.dialog.raise_()
        self.dialog.activateWindow()

    @Slot(str)
    def _refuse(self, text: str) -> None:
        dialogs.warn(self.window, "Cannot do that", text)


def install(window: QWidget) -> BugReporter:
    """Report the exceptions nothing catches as bugs (see the module's docstring) until the
    window is destroyed; returns the reporter (``uninstall()`` gives the hooks back)."""
    reporter = BugReporter(window).install()
    window.destroyed.connect(lambda *_: reporter.uninstall())
    window.bug_reporter = reporter
    return reporter
