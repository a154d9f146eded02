"""A small window keeps its panels usable: at 780×600 (the offscreen screen is
800 wide; the target is 900×600) the palette keeps its names, the inspector shows every layer of
several networks without a horizontal scroll bar, its formulas wrapping between terms; the
palette's keyboard focus lands on a kind."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from designer.ui.inspector import MIN_WIDTH, NBSP, wrappable
from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401


@pytest.mark.parametrize("template", ["resnet18", "inception", "alexnet"])
def test_at_780_by_600_every_layer_fits_the_narrowest_inspector(window, qtbot, template):
    window.files.new_from_template(template)
    window.resize(780, 600)
    qtbot.waitUntil(lambda: window.width() == 780)
    window.resizeDocks([window.docks["left"], window.docks["right"]], [10, 10], Qt.Orientation.Horizontal)
    deliver_posted_events()
    assert window.inspector.width() >= MIN_WIDTH and window.palette_panel.width() >= 150
    wide = []
    seen = set()
    for layer in window.network.layers:
        key = (layer.type, len(window.network.report().layers[window.network.index_of(layer.uid)].inputs))
        if key in seen:
            continue
        seen.add(key)
        window.editor.select([layer.uid])
        deliver_posted_events()
        deliver_posted_events()
        if window.inspector.horizontalScrollBar().isVisible():
            wide.append((layer.type, window.inspector.widget().minimumSizeHint().width()))
    assert not wide, wide


@pytest.mark.parametrize("formula, breaks, whole", [
    ("#23 + #25: 2 × 28×28×128 summed value by value = 28×28×128", ["#23 +", "#25:", "summed"],
     "2" + NBSP + "×" + NBSP + "28×28×128"),
    ("out H = ⌊(224−7+2·3)/2⌋+1 = 112", ["= 112"], "out" + NBSP + "H" + NBSP + "="),
    ("avg of each 7×7 map: 1×1×512", ["avg of each", "map: 1×1×512"], "7×7" + NBSP + "map"),
])
def test_formulas_wrap_between_terms_never_inside_one(formula, breaks, whole):
    text = wrappable(formula)
    assert text.replace(NBSP, " ") == formula                  # the same characters
    for piece in breaks:
        assert piece in text
    assert whole in text                                       # a term stays whole


def test_tabbing_into_the_palette_lands_on_a_kind(window, qtbot):
    from designer.ui.palette import TYPE_ROLE
    tree = window.palette_panel.tree
    tree.setCurrentItem(None)
    tree.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(tree.hasFocus)
    assert tree.currentItem() is not None and tree.currentItem().data(0, TYPE_ROLE)
    assert ":focus" in tree.styleSheet()


def test_a_900_by_600_screen_gets_a_window_its_size():
    from PySide6.QtCore import QSize

    from designer.ui.main_window import first_size
    assert first_size(QSize(900, 600)) == QSize(900, 600)
    assert first_size(QSize(1000, 700)) == QSize(1000, 700)


def test_after_a_small_window_grows_again_the_panels_are_whole(window, qtbot):
    window.resize(780, 600)
    qtbot.waitUntil(lambda: window.width() == 780)
    window.resize(1400, 880)
    qtbot.waitUntil(lambda: window.width() == 1400)
    deliver_posted_events()
    assert window.inspector.width() >= MIN_WIDTH and window.palette_panel.width() >= 150


def test_the_inspectors_hint_names_only_what_the_mode_shows(window):
    window.editor.select([])
    text = window.inspector.overview_text.text
    assert "Drag layers from the palette" in text()
    window.set_mode("Learn")
    assert "Drag layers from the palette" not in text() and "The palette is in the Design mode" in text()
    window.set_mode("Design")
    assert "Drag layers from the palette" in text()


@pytest.mark.parametrize("key", ["filters", "kernel", "stride"])
def test_a_setting_applies_when_the_focus_leaves_it_not_only_on_enter(window, qtbot, key):
    window.files.new_from_template("lenet5")
    conv = window.network[1]
    window.editor.select([conv.uid])
    deliver_posted_events()
    editor = window.inspector.editors[key]
    spin = editor.focus_widget()
    spin.setFocus()
    qtbot.waitUntil(spin.hasFocus)
    spin.selectAll()
    qtbot.keyClicks(spin, "3")
    window.canvas.setFocus()                    # Tab or a click elsewhere: no Enter
    qtbot.waitUntil(window.canvas.hasFocus)
    assert conv.config.get(key) in (3, [3, 3], (3, 3)), conv.config
    assert window.undo_stack.count() == 1       # one step
