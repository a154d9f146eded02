"""Help ▸ Keyboard shortcuts: the list comes from the menus as they are, so every
action with a key is in it (a mode's menu once it is shown), with the canvas's own keys."""
from __future__ import annotations

from ui_support import dialog_log, window  # noqa: F401


def test_help_lists_every_menu_key_and_the_canvas_keys(window, qtbot):
    help_texts = [a.text() for a in window.menus.help.actions()]
    assert "&Keyboard shortcuts" in help_texts
    window.actions_by_name["shortcuts"].trigger()
    dialog = window._shortcuts_dialog
    assert dialog.isVisible() and not dialog.isModal()
    rows = {(where, what): keys for where, keys, what in dialog.rows}
    assert rows[("View", "Fit to window")] == "Ctrl+0"
    assert rows[("Help", "Keyboard shortcuts")] == "F1"
    assert rows[("Learn", "Backprop stepper")] == "Alt+1"
    assert ("Canvas", "Enter in the search box") not in rows and ("Canvas", "Arrow keys") in {
        (w, k) for w, k, _ in dialog.rows}
    # Every action in the menus that has a key is listed.
    listed = {what for _where, _keys, what in dialog.rows}
    for action in window.actions_by_name.values():
        if action.shortcuts() and action.isVisible():
            assert action.text().replace("&", "") in listed, action.text()
    assert "Start" not in listed                       # Training's menu is not there yet …
    window.set_mode("Train")
    window.actions_by_name["shortcuts"].trigger()
    rows = {(where, what): keys for where, keys, what in window._shortcuts_dialog.rows}
    assert rows[("Training", "Start")] == "F5"           # … and is once the mode is shown
    assert "Ctrl+0" in window._shortcuts_dialog.view.toPlainText()
    dialog.close()
