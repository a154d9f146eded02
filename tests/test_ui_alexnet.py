"""The course's AlexNet built on an empty canvas by drops from the palette and edits in the
inspector only; the status bar then shows 62,378,344 parameters."""
from __future__ import annotations

from PySide6.QtCore import Qt

from designer.model import load_template
from ui_support import click_block, dialog_log, drop_at_end, drop_kind, types, window  # noqa: F401

# conv 96 11×11/4 → ReLU → max pool 3/2 → LRN → conv 256 5×5 pad 2 → ReLU → max pool 3/2 → LRN →
# conv 384 3×3 pad 1 → ReLU → conv 384 → ReLU → conv 256 → ReLU → max pool 3/2 → FC 4096 → ReLU →
# dropout 0.5 → FC 4096 → ReLU → dropout 0.5 → FC 1000 → softmax, on 227×227×3.
CONV = "conv"
ALEXNET = [
    (CONV, {"filters": 96, "kernel": 11, "stride": 4}), ("relu", {}), ("pool", {"size": 3, "stride": 2}),
    ("lrn", {}), (CONV, {"filters": 256, "kernel": 5, "padding": 2}), ("relu", {}),
    ("pool", {"size": 3, "stride": 2}), ("lrn", {}),
    (CONV, {"filters": 384, "kernel": 3, "padding": 1}), ("relu", {}),
    (CONV, {"filters": 384, "kernel": 3, "padding": 1}), ("relu", {}),
    (CONV, {"filters": 256, "kernel": 3, "padding": 1}), ("relu", {}),
    ("pool", {"size": 3, "stride": 2}),
    ("dense", {"units": 4096}), ("relu", {}), ("dropout", {"rate": 0.5}),
    ("dense", {"units": 4096}), ("relu", {}), ("dropout", {"rate": 0.5}),
    ("dense", {"units": 1000}), ("softmax", {}),
]


def type_into(qtbot, spin, value) -> None:
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), str(value))
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def edit(qtbot, window, settings: dict) -> None:
    """Set the selected layer's settings through the inspector's widgets."""
    editors = window.inspector.editors
    for key, value in settings.items():
        editor = editors[key]
        if key == "stride" and hasattr(editor, "default"):  # a pool's stride defaults to its size
            qtbot.mouseClick(editor.default, Qt.MouseButton.LeftButton)
            assert not editor.default.isChecked()
            editor = editor.inner
        if hasattr(editor, "h"):  # kernel, stride, padding: square values
            type_into(qtbot, editor.h, value)
        elif hasattr(editor, "spin"):
            type_into(qtbot, editor.spin, value)
        else:
            raise AssertionError(f"no widget for {key}")


def test_alexnet_built_by_drops_and_edits(window, qtbot):
    # an empty canvas
    click_block(window, 0)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert types(window) == []
    assert window.status.counts.text() == "0 parameters · 0 errors · 0 warnings"

    drop_kind(window, "input", window.canvas.mapToScene(window.canvas.viewport().rect().center()))
    edit(qtbot, window, {"width": 227, "height": 227, "depth": 3})
    for type_, settings in ALEXNET:
        drop_at_end(window, type_)
        assert window.scene.selected_indices() == [len(window.network) - 1]
        edit(qtbot, window, settings)

    assert window.status.counts.text() == "62,378,344 parameters · 0 errors · 0 warnings"
    report = window.network.report()
    template = load_template("alexnet")
    assert [layer.type for layer in window.network.layers] == [layer.type for layer in template.layers]
    assert [i.output for i in report.layers] == [i.output for i in template.report().layers]
    blocks = [window.scene.blocks[uid] for uid in window.scene.order]
    assert blocks[1].volume_text == "55×55×96" and blocks[1].state[5] == "34,944 params"
    assert blocks[15].volume_text == "6×6×256" and blocks[16].state[5] == "37,752,832 params"
    assert window.summary.totals.text().startswith("total 62,378,344 params")
    # every step can be undone, back to the blank document
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
    assert types(window) == ["input"] and window.status.counts.text() == "0 parameters · 0 errors · 0 warnings"
