"""The mode switch: a mode added with add_mode (panels or a factory called on first show)
replaces the side panels and adds its menus while active; Design comes back intact."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMenu

from designer.ui.modes import ModePanels
from ui_support import dialog_log, window  # noqa: F401


def test_a_mode_added_by_factory_is_built_on_first_show(window):
    built, entered, left = [], [], []

    def factory(win):
        built.append(win)
        menu = QMenu("&Extra", win)
        return ModePanels(left=QLabel("extra left"), bottom=QLabel("extra bottom"), left_title="Extra",
                          bottom_title="Extra views", menus=[menu], on_enter=lambda: entered.append(1),
                          on_leave=lambda: left.append(1))

    window.add_mode("Extra", factory, "an extra mode")
    tabs = [window.mode_bar.tabText(i) for i in range(window.mode_bar.count())]
    assert tabs[0] == "Design" and "Extra" in tabs and built == []
    window.mode_bar.setCurrentIndex(tabs.index("Extra"))
    assert built == [window] and window.current_mode == "Extra" and entered == [1]
    assert window.stacks["left"].currentWidget().text() == "extra left"
    assert window.docks["left"].windowTitle() == "Extra" and window.docks["bottom"].windowTitle() == "Extra views"
    assert window.stacks["right"].currentWidget() is window.inspector  # kept: the mode has no right panel
    assert "&Extra" in [a.text() for a in window.menuBar().actions() if a.isVisible()]
    window.set_mode("Design")
    assert left == [1] and window.stacks["left"].currentWidget() is window.palette_panel
    assert window.docks["left"].windowTitle() == "Palette"
    assert "&Extra" not in [a.text() for a in window.menuBar().actions() if a.isVisible()]
    window.set_mode("Extra")
    assert len(built) == 1  # built once


def test_read_only_while_another_mode_trains(window):
    window.set_editing_enabled(False)
    assert not window.editor.add_after_selection("relu")
    assert len(window.network) == 1 and not window.palette_panel.isEnabled()
    assert not window.actions_by_name["paste"].isEnabled()
    window.set_editing_enabled(True)
    assert window.editor.add_after_selection("relu") and len(window.network) == 2
