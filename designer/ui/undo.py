"""Undo commands. Each one only calls the Network's edit methods, so undo and redo go through
the same path as any other edit and every view updates from ``network.changed``.

A command may carry a ``selector`` (a callable taking a list of layer uids) that it calls after
redo and undo, so the canvas selects what the step touched.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from PySide6.QtGui import QUndoCommand

from ..model import Layer, Network
from ..model.wiring import wiring_of

Selector = Optional[Callable[[list], None]]


class NetworkCommand(QUndoCommand):
    def __init__(self, network: Network, text: str, selector: Selector = None):
        super().__init__(text)
        self.network = network
        self.selector = selector

    def _select(self, uids: list) -> None:
        if self.selector is not None:
            self.selector(uids)


class InsertLayers(NetworkCommand):
    """Insert ``layers`` at ``index`` (paste, duplicate, a drop, quick-add)."""

    def __init__(self, network: Network, index: int, layers: list[Layer], text: str = "",
                 selector: Selector = None):
        names = ", ".join(layer.type for layer in layers[:3]) + ("…" if len(layers) > 3 else "")
        super().__init__(network, text or f"Add {names}", selector)
        self.index = index
        self.layers = list(layers)

    def redo(self) -> None:
        self.network.insert_many(self.index, self.layers)  # one event for them all
        self._select([layer.uid for layer in self.layers])

    def undo(self) -> None:
        self.network.remove_many(range(self.index, self.index + len(self.layers)))
        self._select([])


class RemoveLayers(NetworkCommand):
    def __init__(self, network: Network, indices: list[int], selector: Selector = None):
        self.indices = sorted(set(indices))
        self.layers = [network[i] for i in self.indices]
        names = ", ".join(layer.type for layer in self.layers[:3]) + ("…" if len(self.layers) > 3 else "")
        super().__init__(network, f"Delete {names}", selector)

    def redo(self) -> None:
        self.network.remove_many(self.indices)  # one event for them all
        self._select([])

    def undo(self) -> None:
        self.network.insert_many(self.indices, self.layers)  # each back at its index, one event
        self._select([layer.uid for layer in self.layers])


class MoveLayer(NetworkCommand):
    """Move the layer at ``src`` so that it ends up at ``dst`` (one block dragged)."""

    def __init__(self, network: Network, src: int, dst: int, selector: Selector = None):
        super().__init__(network, f"Move {network[src].type}", selector)
        self.src, self.dst = src, dst
        self.uid = network[src].uid

    def redo(self) -> None:
        self.network.move(self.src, self.dst)
        self._select([self.uid])

    def undo(self) -> None:
        self.network.move(self.dst, self.src)
        self._select([self.uid])


class SetKeys(NetworkCommand):
    """Set one or more settings of one layer (None restores a key's default): one typed value,
    or one change of an input's shape, is one step."""

    def __init__(self, network: Network, index: int, values: dict[str, Any], selector: Selector = None):
        layer = network[index]
        keys = ", ".join(values)
        super().__init__(network, f"Set {layer.type} {keys}", selector)
        self.index = index
        self.uid = layer.uid
        self.new = dict(values)
        self.old = {key: layer.config.get(key) for key in values}

    def _apply(self, values: dict) -> None:
        self.network.set_keys(self.index, values)  # one event, all or nothing
        self._select([self.uid])

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class RenameLayer(NetworkCommand):
    def __init__(self, network: Network, index: int, name: Optional[str], selector: Selector = None):
        layer = network[index]
        super().__init__(network, f"Rename {layer.type}", selector)
        self.index = index
        self.uid = layer.uid
        self.new = name or None
        self.old = layer.name

    def redo(self) -> None:
        self.network.set_layer_name(self.index, self.new)
        self._select([self.uid])

    def undo(self) -> None:
        self.network.set_layer_name(self.index, self.old)
        self._select([self.uid])


class Rewire(NetworkCommand):
    """Swap the network's wiring (order, ids, inputs; see designer/model/wiring.py) for another:
    connect, disconnect, insert on an edge, delete or paste in a branched network, block commands."""

    def __init__(self, network: Network, new: list, text: str, selector: Selector = None,
                 selected: Optional[list] = None):
        super().__init__(network, text, selector)
        self.old = wiring_of(network.layers)
        self.new = list(new)
        self.selected = list(selected or [])

    def redo(self) -> None:
        self.network.set_wiring(self.new)
        self._select(self.selected)

    def undo(self) -> None:
        self.network.set_wiring(self.old)
        self._select(self.selected if all(any(w[0].uid == u for w in self.old) for u in self.selected) else [])


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
