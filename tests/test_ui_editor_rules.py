"""Editor rules and bulk edits: a many-layer paste or delete is one change event (and so one
redraw), the input layer stays first whatever moves, bad drops and bad settings give a sentence."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QGuiApplication

from designer.model import ConfigError, Layer, Network
from designer.ui.mime import layers_text
from ui_support import dialog_log, types, window  # noqa: F401


def _events(network) -> list:
    """The kinds' names of the network's change events from now on, as a list that fills."""
    seen = []
    network.changed.connect(lambda change: seen.append(change.what.value))
    return seen


def test_network_insert_many_and_remove_many_emit_one_event_each():
    net = Network([Layer.make("input", width=4, height=4, depth=1)])
    seen = _events(net)
    relus = [Layer.make("relu") for _ in range(5)]
    uids = []
    net.changed.connect(lambda change: uids.append(change.uids))
    net.insert_many(1, relus)
    assert net.layers[1:] == relus and seen == ["insert"]
    assert uids == [tuple(layer.uid for layer in relus)]
    gone = net.remove_many([net[5].uid, net[1].uid, net[3].uid])
    assert gone == [relus[0], relus[2], relus[4]] and seen == ["insert", "remove"]
    net.insert_many([1, 3, 5], gone)  # back where they were
    assert [layer.uid for layer in net.layers[1:]] == [layer.uid for layer in relus]
    assert seen == ["insert", "remove", "insert"]
    net.insert(1, Layer.make("relu"))  # the single edits still work
    net.remove(net[1].uid)
    assert seen[-2:] == ["insert", "remove"] and len(net) == 6


def test_pasting_200_layers_and_undoing_is_one_change_event_each(window):
    layers = [Layer.make("relu") for _ in range(200)]
    QGuiApplication.clipboard().setText(layers_text(layers))
    window.editor.select([window.network[0].uid])
    seen = _events(window.network)
    assert window.editor.paste()
    assert len(window.network) == 201 and seen == ["insert"]
    assert len(window.scene.order) == 201
    window.undo_stack.undo()
    assert len(window.network) == 1 and seen == ["insert", "remove"]
    assert len(window.scene.order) == 1
    window.undo_stack.redo()
    assert len(window.network) == 201 and seen == ["insert", "remove", "insert"]


def test_deleting_scattered_layers_and_undoing_is_one_event_each(window):
    for _ in range(6):
        window.editor.insert_kind(len(window.network), "relu")
    uids = [layer.uid for layer in window.network.layers]
    window.editor.select([uids[i] for i in (1, 3, 6)])
    seen = _events(window.network)
    assert window.editor.delete_selection()
    assert len(window.network) == 4 and seen == ["remove"]
    window.undo_stack.undo()
    assert [layer.uid for layer in window.network.layers] == uids and seen == ["remove", "insert"]
    assert window.scene.selected_indices() == [1, 3, 6]


def _lenet(window):
    window.files.new_from_template("lenet5")


def test_alt_left_cannot_move_a_layer_before_the_input(window):
    _lenet(window)
    window.editor.select([window.network[1].uid])
    assert not window.editor.move_selection_by(-1)  # Alt+Left on the layer after the input
    assert types(window)[:2] == ["input", "conv"] and window.undo_stack.count() == 0
    window.editor.select([window.network[0].uid])
    assert not window.editor.move_selection_by(1)  # Alt+Right on the input
    assert types(window)[:2] == ["input", "conv"] and window.undo_stack.count() == 0
    assert "input layer stays first" in window.statusBar().currentMessage()
    window.editor.select([window.network[2].uid])
    assert window.editor.move_selection_by(-1)  # other moves still work
    assert types(window)[:3] == ["input", "relu", "conv"]


def test_move_and_insert_kind_keep_the_input_first(window):
    _lenet(window)
    conv = window.network[1]
    assert not window.editor.move(conv.uid, 0)  # gap 0 becomes gap 1: where it already is
    assert window.editor.move(window.network[3].uid, 0)  # a pool dragged before the input
    assert types(window)[:3] == ["input", "pool", "conv"]
    assert not window.editor.move(window.network[0].uid, 5)  # the input dragged later
    assert types(window)[0] == "input"
    layer = window.editor.insert_kind(0, "relu")
    assert layer is not None and window.network.index_of(layer.uid) == 1
    other = window.editor.insert_kind(0, "input")  # an input may still go first
    assert window.network.index_of(other.uid) == 0


def test_the_canvas_asks_the_editor_where_a_layer_may_land(window):
    _lenet(window)
    assert window.canvas.gap_rule(0, "dense") == 1 and window.canvas.gap_rule(0, "input") == 0
    assert window.canvas.gap_rule(4, "dense") == 4


def test_the_editor_and_the_model_check_settings_with_one_function(window, monkeypatch):
    import designer.model.document as document
    import designer.ui.editor as editor_module

    calls = []
    real = document.check_values
    monkeypatch.setattr(document, "check_values", lambda *a: calls.append("model") or real(*a))
    monkeypatch.setattr(editor_module, "check_values", lambda *a: calls.append("editor") or real(*a))
    _lenet(window)
    conv = window.network[1]
    with pytest.raises(ConfigError) as from_editor:
        window.editor.set_keys(conv.uid, {"filters": 0})
    with pytest.raises(ConfigError) as from_model:
        window.network.set_keys(window.network[1].uid, {"filters": 0})
    assert str(from_editor.value) == str(from_model.value) and calls == ["editor", "model"]


def _kind_mime(payload: dict):
    import json

    from PySide6.QtCore import QMimeData

    from designer.ui.mime import LAYER_TYPE_MIME

    data = QMimeData()
    data.setData(LAYER_TYPE_MIME, json.dumps(payload).encode())
    return data


def test_a_drag_of_an_unknown_layer_type_is_refused():
    from designer.ui.mime import type_from_mime, type_mime

    assert type_from_mime(_kind_mime({"type": "wormhole"})) is None
    assert type_from_mime(_kind_mime({"type": "conv", "config": 3})) is None
    assert type_from_mime(type_mime("conv", {"filters": 4})) == ("conv", {"filters": 4})


def test_a_drop_with_an_impossible_setting_says_so_in_the_status_bar(window):
    from ui_support import drop_mime, scene_point_before

    before = types(window)
    drop_mime(window, _kind_mime({"type": "conv", "config": {"filters": 0}}),
              scene_point_before(window, 1))
    assert types(window) == before and window.undo_stack.count() == 0
    said = window.statusBar().currentMessage()
    assert said == "Cannot add the conv layer: filters must be at least 1, not 0."
    assert window.editor.insert_kind(1, "wormhole") is None
    assert window.statusBar().currentMessage() == "There is no 'wormhole' layer type."


def test_paste_from_an_empty_clipboard_is_a_note_not_a_crash(window):
    """Found by tests/test_ui_undo_fuzz.py: a cleared clipboard has no data at all (None)."""
    QGuiApplication.clipboard().clear()
    notes = []
    window.editor.message.connect(notes.append)
    assert not window.editor.paste()
    assert notes == ["The clipboard holds no layers"] and len(window.network) == 1
