"""The QApplication: name, icon, and the main window."""
from __future__ import annotations

import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent.parent / "resources"


def icon_path() -> Path:
    """The app icon: resources/ in a checkout, designer/ui/icons in an installed wheel."""
    for candidate in (Path(__file__).parent / "icons" / "nn-designer.svg", RESOURCES / "nn-designer.svg"):
        if candidate.exists():
            return candidate
    return Path()


def run(argv: list) -> int:
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from .. import APP_NAME
    from .main_window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("nn-designer")
    app.setDesktopFileName("nn-designer")
    app.setWindowIcon(QIcon(str(icon_path())))
    window = MainWindow()
    window.show()
    for arg in argv:
        if not arg.startswith("-"):
            window.open_path(arg)
            break
    return app.exec()
