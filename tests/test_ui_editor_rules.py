"""Editor rules and bulk edits: a many-layer paste or delete is one change event (and so one
redraw), the input layer stays first whatever moves, bad drops and bad settings give a sentence."""
from __future__ import annotations

from PySide6.QtGui import QGuiApplication

from designer.model import Layer, Network
from designer.ui.mime import layers_text
from ui_support import dialog_log, types, window  # noqa: F401


def _events(network) -> list:
    seen = []
    network.changed.connect(seen.append)
    return seen


def test_network_insert_many_and_remove_many_emit_one_event_each():
    net = Network([Layer.make("input", width=4, height=4, depth=1)])
    seen = _events(net)
    relus = [Layer.make("relu") for _ in range(5)]
    net.insert_many(1, relus)
    assert net.layers[1:] == relus and seen == ["insert"]
    gone = net.remove_many([5, 1, 3])
    assert gone == [relus[0], relus[2], relus[4]] and seen == ["insert", "remove"]
    net.insert_many([1, 3, 5], gone)  # back where they were
    assert [layer.uid for layer in net.layers[1:]] == [layer.uid for layer in relus]
    assert seen == ["insert", "remove", "insert"]
    net.insert(1, Layer.make("relu"))  # the single edits still work
    net.remove(1)
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
