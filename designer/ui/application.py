"""The QApplication: name, icon, the main window, a model file from the command line, and the
offer to recover work after a crash."""
from __future__ import annotations

import sys


def create_app(argv: list):
    from PySide6.QtWidgets import QApplication

    from .. import APP_NAME
    from .icons import app_icon

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName("nn-designer")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("nn-designer")
    app.setDesktopFileName("nn-designer")
    app.setWindowIcon(app_icon())
    return app


def run(argv: list) -> int:
    app = create_app(argv)
    from .main_window import MainWindow

    window = MainWindow()
    window.show()
    files = [arg for arg in argv if not arg.startswith("-")]
    if files:
        window.open_model(files[0])
    window.files.offer_recovery()
    return app.exec()
