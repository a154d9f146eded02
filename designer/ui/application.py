"""The QApplication: name, icon, the main window, a model file from the command line, the offer
to recover work after a crash, and the bug report for any exception nothing catches."""
from __future__ import annotations

import sys


def create_app(argv: list):
    from PySide6.QtWidgets import QApplication

    from .. import APP_NAME
    from .artwork import app_icon

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nn-designer")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("nn-designer")
    app.setDesktopFileName("nn-designer")
    app.setWindowIcon(app_icon())
    return app


def start(argv: list, **window_options):
    """Show the main window, with the bug report as its exception hook (bug_report.py), open the
    model named on the command line (a file or a template name), then offer to recover work a
    crash left behind."""
    from . import bug_report
    from .files import autosave_interval
    from .main_window import MainWindow

    window_options.setdefault("autosave_ms", autosave_interval())
    window = MainWindow(**window_options)
    bug_report.install(window)
    window.show()
    from .warm_up import WarmUp
    window.warm_up = WarmUp(window)   # the Train and Learn modes' imports, ahead of their first use
    files = [arg for arg in argv if not arg.startswith("-")]
    if files:
        window.open_model(files[0])
    window.files.offer_recovery()
    return window


def run(argv: list) -> int:
    app = create_app(argv)
    window = start(argv)  # noqa: F841 (kept alive until the app quits)
    return app.exec()
