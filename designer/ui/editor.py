"""The one place that turns what the user asked for into undo commands on the QUndoStack:
insert (drop, palette, quick-add), delete, move, set settings, rename, copy / cut / paste /
duplicate. The canvas, palette, inspector and quick-add all call this; the Train mode can too
(e.g. to set the input layer to match a data set)."""
from __future__ import annotations

from typing import Any, Optional

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication, QUndoStack

from ..model import ConfigError, KINDS, Layer, Network, check_values, copies as copies_with_edges, is_chain, linked
from .canvas.scene import NetworkScene
from .graph_edits import GraphEdits
from .kinds import new_layer
from .mime import layers_from_mime, layers_text
from .undo import InsertLayers, MoveLayer, RemoveLayers, RenameLayer, SetKeys

def _sentence(text: str) -> str:
    return text if text.endswith(".") else text + "."


class Editor(QObject, GraphEdits):
    message = Signal(str)  # a short note for the status bar

    def __init__(self, network: Network, stack: QUndoStack, scene: NetworkScene, parent=None):
        super().__init__(parent)
        self.network = network
        self.stack = stack
        self.scene = scene
        self.enabled = True

    # ------------------------------------------------------------------ helpers
    def select(self, uids: list) -> None:
        self.scene.select_uids(uids)

    def _push(self, command) -> bool:
        if not self.enabled:
            self.message.emit("The network cannot be changed right now (training is running).")
            return False
        self.stack.push(command)
        return True

    def selected_indices(self) -> list[int]:
        return self.scene.selected_indices()

    def allowed_gap(self, gap: int, type_: str = "") -> int:
        """Where a new or moved layer of ``type_`` may land, for the gap ``gap`` asked for: the
        input layer stays first, so nothing but an input goes before it."""
        layers = self.network.layers
        if gap <= 0 and layers and layers[0].type == "input" and type_ != "input":
            return 1
        return max(gap, 0)

    def insertion_point(self) -> int:
        """After the selection, else at the end."""
        selected = self.selected_indices()
        return selected[-1] + 1 if selected else len(self.network)

    # ------------------------------------------------------------------ edits
    def insert_kind(self, index: int, type_: str, config: Optional[dict] = None) -> Optional[Layer]:
        """Add a new layer (None, with a sentence in the status bar, if its settings are impossible)."""
        if type_ not in KINDS:
            self.message.emit(f"There is no {type_!r} layer type.")
            return None
        try:
            layer = new_layer(type_, config)
        except ConfigError as e:
            what = str(e) if e.key in str(e) else f"{e.key} {e}"  # "filters must be at least 1, not 0"
            self.message.emit(_sentence(f"Cannot add the {type_} layer: {what}"))
            return None
        return layer if self.insert_layers(index, [layer], f"Add {type_}") else None

    def insert_layers(self, index: int, layers: list[Layer], text: str = "") -> bool:
        if not layers:
            return False
        index = self.allowed_gap(min(index, len(self.network)), layers[0].type)
        return self._push(InsertLayers(self.network, index, layers, text, self.select))

    def add_after_selection(self, type_: str) -> Optional[Layer]:
        return self.insert_kind(self.insertion_point(), type_)

    def delete_selection(self) -> bool:
        """Delete the selected layers, or else the selected edges."""
        indices = self.selected_indices()
        if not indices:
            return self.disconnect_edges([(edge.src, edge.dst) for edge in self.scene.selected_edges()])
        uids = [self.network[i].uid for i in indices]
        after = self.next_after_delete(indices)
        if self.is_branched():
            return self.remove_from_graph(uids, after)
        command = RemoveLayers(self.network, uids, self.select)
        command.selected = after
        return self._push(command)

    def next_after_delete(self, indices: list) -> list:
        """The block to select once the layers at ``indices`` are deleted: the one that reads the
        last of them (the next in the flow), else the one the first of them read, else the
        nearest left in the list; so that Delete, Delete, ... walks on."""
        layers, report = self.network.layers, self.network.report()
        gone = set(indices)
        for i in sorted(gone, reverse=True):
            for r in report.readers[i]:
                if r not in gone:
                    return [layers[r].uid]
        for i in sorted(gone):
            for s in report.layers[i].sources:
                if s not in gone:
                    return [layers[s].uid]
        left = [i for i in range(len(layers)) if i not in gone]
        if not left:
            return []
        first = min(gone)
        return [layers[min(left, key=lambda i: (abs(i - first), i))].uid]

    def move(self, uid: int, gap: int) -> bool:
        """Move a layer so that it lands in the gap ``gap`` (0..n, counted before the move)."""
        src = self.network.index_of(uid)
        gap = self.allowed_gap(gap, self.network[src].type)
        dst = gap - 1 if gap > src else gap
        return self._move(src, max(0, min(dst, len(self.network) - 1)))

    def move_selection_by(self, delta: int) -> bool:
        selected = self.selected_indices()
        if len(selected) != 1:
            return False
        if self.scene.is_graph:  # Alt+Left/Right move the block itself
            from .canvas.view import NUDGE
            return self.nudge(self.network[selected[0]].uid, delta * NUDGE, 0)
        src = selected[0]
        dst = src + delta
        if not 0 <= dst < len(self.network):
            return False
        return self._move(src, dst)

    def _move(self, src: int, dst: int) -> bool:
        """Move a layer from index ``src`` to ``dst``, unless that takes the input from first place."""
        if dst == src:
            return False
        first = self.network[0]
        if first.type == "input" and (src == 0 or (dst == 0 and self.network[src].type != "input")):
            self.message.emit("The input layer stays first.")
            return False
        return self._push(MoveLayer(self.network, self.network[src].uid, dst, self.select))

    def check_keys(self, type_: str, values: dict[str, Any]) -> None:
        """Raise ConfigError with a sentence if one of the values is impossible for the kind
        (the model's own check, ``Network.set_keys`` uses it too)."""
        check_values(type_, values)

    def set_keys(self, uid: int, values: dict[str, Any]) -> bool:
        """Set settings of one layer as one undo step; raises ConfigError if a value is impossible."""
        layer = self.network.find(uid)
        self.check_keys(layer.type, values)
        changed = {k: v for k, v in values.items() if layer.config.get(k) != v}
        if not changed:
            return False
        return self._push(SetKeys(self.network, uid, changed, self.select))

    def rename(self, uid: int, name: str) -> bool:
        if (self.network.find(uid).name or "") == (name or ""):
            return False
        return self._push(RenameLayer(self.network, uid, name, self.select))

    # ------------------------------------------------------------------ clipboard
    def selected_layers(self) -> list[Layer]:
        """Copies of the selected layers: in a branched network with the edges among them and
        to what they read from outside, so that a paste keeps them; in a chain, a chain."""
        uids = [self.network[i].uid for i in self.selected_indices()]
        copies = copies_with_edges(self.network.layers, uids)
        if self.is_branched():
            return copies
        for layer in copies:
            layer.sources = []
        return linked(copies)

    def _insert_copies(self, index: int, layers: list[Layer], text: str) -> bool:
        if self.is_branched() or not is_chain(layers):
            return self.add_with_edges(self.allowed_gap(index, layers[0].type), layers, text)
        return self.insert_layers(index, layers, text)

    def copy(self) -> bool:
        layers = self.selected_layers()
        if layers:
            QGuiApplication.clipboard().setText(layers_text(layers, self.network.layers))
            self.message.emit(f"Copied {len(layers)} layer{'s' if len(layers) > 1 else ''}")
        return bool(layers)

    def cut(self) -> bool:
        return self.copy() and self.delete_selection()

    def paste(self) -> bool:
        index = self.insertion_point()
        # ids the layers read from outside them are of layers before the paste
        layers = layers_from_mime(QGuiApplication.clipboard().mimeData(), self.network.layers[:index])
        if not layers:
            self.message.emit("The clipboard holds no layers")
            return False
        return self._insert_copies(index, layers, f"Paste {len(layers)} layer(s)")

    def duplicate(self) -> bool:
        copies = self.selected_layers()
        if not copies:
            return False
        return self._insert_copies(self.selected_indices()[-1] + 1, copies, "Duplicate")
