"""Help ▸ Keyboard shortcuts: every menu action that has a key, read from the window's menus as
they are (so the list cannot go stale: a mode's menu, Training, joins it once built), and the
keys the canvas and panels handle themselves."""
from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout

# Keys that are not menu actions (designer/ui/canvas/view.py, main_window.py, the lessons).
OTHER_KEYS = (
    ("Canvas", "Arrow keys", "Select the next block along the edges"),
    ("Canvas", "Home / End", "Select the input / the last layer"),
    ("Canvas", "Enter", "Edit the selected layer's settings in the inspector"),
    ("Canvas", "Alt+arrow keys", "Move the selected block"),
    ("Canvas", "Space + drag, or the middle button", "Pan"),
    ("Canvas", "Ctrl+wheel", "Zoom"),
    ("Inspector", "Esc", "Back from a setting to the canvas"),
    ("Inspector", "Tab / Shift+Tab", "The next / previous setting; a value applies when you leave it"),
    ("Palette", "Enter in the search box", "Add the best match after the selection"),
    ("Computational graph", "F / B / Backspace", "Forward, backward, undo a step"),
)


def _text(action) -> str:
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def menu_shortcuts(window) -> list[tuple[str, str, str]]:
    """(menu, keys, what) for every action in the menu bar that has a shortcut, in menu order."""
    rows = []

    def walk(menu: QMenu, title: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{title} ▸ {_text(action.menu().menuAction())}")
            elif action.shortcuts() and action.text():
                keys = ", ".join(k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts())
                rows.append((title, keys, _text(action)))

    for top in window.menuBar().actions():
        if top.menu() is not None and top.isVisible():
            walk(top.menu(), _text(top))
    return rows


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    return menu_shortcuts(window) + list(OTHER_KEYS)


def shortcuts_html(rows) -> str:
    lines = ["<table cellspacing='0' cellpadding='3'>"]
    last = None
    for where, keys, what in rows:
        if where != last:
            lines.append(f"<tr><td colspan='2'><br><b>{escape(where)}</b></td></tr>")
            last = where
        lines.append(f"<tr><td style='padding-right:14px'><code>{escape(keys)}</code></td><td>{escape(what)}</td></tr>")
    lines.append("</table>")
    return "".join(lines)


class ShortcutsDialog(QDialog):
    """Not modal: it can stay open beside the window while the keys are tried."""

    def __init__(self, window):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = shortcut_rows(window)
        self.view = QTextBrowser()
        self.view.setHtml(shortcuts_html(self.rows))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.view)
        lay.addWidget(buttons)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        self.resize(520, min(640, max(300, window.height() - 80)))


def show_shortcuts(window) -> ShortcutsDialog:
    dialog = getattr(window, "_shortcuts_dialog", None)
    if dialog is None:
        dialog = window._shortcuts_dialog = ShortcutsDialog(window)
    else:   # the modes' menus may have joined since
        dialog.rows = shortcut_rows(window)
        dialog.view.setHtml(shortcuts_html(dialog.rows))
    dialog.show()
    dialog.raise_()
    return dialog
