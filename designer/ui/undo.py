"""Undo commands. Each one only calls the Network's edit methods, so undo and redo go through
the same path as any other edit and every view updates from ``network.changed``. An edit of the
order or the edges keeps the changes it made (an ``Edit``) and undoes them exactly; a setting, a
name or a position keeps the old and the new value.

A command may carry a ``selector`` (a callable taking a list of layer uids) that it calls after
redo and undo, so the canvas selects what the step touched.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtGui import QUndoCommand

from ..model import Edit, Layer, Network

Selector = Optional[Callable[[list], None]]


class NetworkCommand(QUndoCommand):
    def __init__(self, network: Network, text: str, selector: Selector = None):
        super().__init__(text)
        self.network = network
        self.selector = selector

    def _select(self, uids: list) -> None:
        if self.selector is not None:
            self.selector(uids)


class Rewire(NetworkCommand):
    """An edit of the layers' order and edges (designer/model/edits.py): insert, delete, move,
    and the edge edits of a branched network. It keeps the ``Edit`` (the changes it made): redo
    applies it, undo applies its inverse, so nothing is worked out again and indices never go
    stale. ``selected``: the layers selected after redo; ``after_undo`` those after undo (by
    default the same ones, if they are still there)."""

    def __init__(self, network: Network, edit: Edit, text: str, selector: Selector = None,
                 selected=(), after_undo: Optional[list] = None):
        super().__init__(network, text, selector)
        self.edit = edit
        self.selected = list(selected)
        self.after_undo = after_undo

    def redo(self) -> None:
        self.network.apply(self.edit)
        self._select(self.selected)

    def undo(self) -> None:
        self.network.apply(self.edit.inverse())
        if self.after_undo is not None:
            self._select(self.after_undo)
        else:
            here = {layer.uid for layer in self.network.layers}
            self._select(self.selected if all(u in here for u in self.selected) else [])


def _names(layers: list) -> str:
    return ", ".join(layer.type for layer in layers[:3]) + ("…" if len(layers) > 3 else "")


class InsertLayers(Rewire):
    """Insert ``layers`` at ``index`` (paste, duplicate, a drop, quick-add), in line."""

    def __init__(self, network: Network, index: int, layers: list[Layer], text: str = "",
                 selector: Selector = None):
        super().__init__(network, network.inserting(index, layers), text or f"Add {_names(layers)}",
                         selector, [layer.uid for layer in layers], [])


class RemoveLayers(Rewire):
    """Delete layers of a chain (a chain closes up)."""

    def __init__(self, network: Network, uids: list[int], selector: Selector = None):
        wanted = set(uids)
        layers = [layer for layer in network.layers if layer.uid in wanted]
        super().__init__(network, network.removing(wanted), f"Delete {_names(layers)}", selector,
                         [], [layer.uid for layer in layers])


class MoveLayer(Rewire):
    """Move the layer ``uid`` so that it ends up at ``dst`` (one block dragged)."""

    def __init__(self, network: Network, uid: int, dst: int, selector: Selector = None):
        super().__init__(network, network.moving(uid, dst), f"Move {network.find(uid).type}", selector,
                         [uid], [uid])


class SetKeys(NetworkCommand):
    """Set one or more settings of one layer (None restores a key's default): one typed value,
    or one change of an input's shape, is one step."""

    def __init__(self, network: Network, uid: int, values: dict[str, Any], selector: Selector = None):
        layer = network.find(uid)
        keys = ", ".join(values)
        super().__init__(network, f"Set {layer.type} {keys}", selector)
        self.uid = uid
        self.new = dict(values)
        self.old = {key: layer.config.get(key) for key in values}

    def _apply(self, values: dict) -> None:
        self.network.set_keys(self.uid, values)  # one event, all or nothing
        self._select([self.uid])

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class RenameLayer(NetworkCommand):
    def __init__(self, network: Network, uid: int, name: Optional[str], selector: Selector = None):
        layer = network.find(uid)
        super().__init__(network, f"Rename {layer.type}", selector)
        self.uid = uid
        self.new = name or None
        self.old = layer.name

    def redo(self) -> None:
        self.network.set_layer_name(self.uid, self.new)
        self._select([self.uid])

    def undo(self) -> None:
        self.network.set_layer_name(self.uid, self.old)
        self._select([self.uid])


class SetUis(NetworkCommand):
    """Set the ``ui`` objects of layers (uid -> dict): a block dragged to a place, Tidy layout."""

    def __init__(self, network: Network, uis: dict, text: str, selector: Selector = None):
        super().__init__(network, text, selector)
        self.new = {uid: dict(ui) for uid, ui in uis.items()}
        self.old = {layer.uid: dict(layer.ui) for layer in network.layers if layer.uid in uis}

    def redo(self) -> None:
        self.network.set_uis(self.new)
        self._select(list(self.new))

    def undo(self) -> None:
        self.network.set_uis(self.old)
        self._select(list(self.old))
