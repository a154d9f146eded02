"""The network document: an ordered list of layers, a name, and change events.

Views subscribe to ``network.changed`` (a plain callback list, no Qt) and redraw from the
document; editors (the canvas, undo commands, the command line) change it only through the
methods here, each of which emits one event.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .catalogue import KINDS, ConfigError
from .graph import format_version
from .inference import Report, infer
from .keys import KeyValueError

_uids = itertools.count(1)


class Event:
    """A minimal signal: ``connect(callback)``, ``emit(*args)``."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for cb in list(self._callbacks):
            cb(*args)


@dataclass
class Layer:
    type: str
    config: dict = field(default_factory=dict)  # checked values, only the keys given
    name: Optional[str] = None
    ui: dict = field(default_factory=dict)
    # Version 2 (branches): the id later layers read this one by, and what this one reads (ids
    # or list indices, as written in the file); None reads the layer just before.
    id: Optional[str] = None
    inputs: Optional[list] = None
    uid: int = field(default_factory=lambda: next(_uids), compare=False)

    @classmethod
    def make(cls, type_: str, **config) -> "Layer":
        """A layer of a known type with checked settings (raises ConfigError)."""
        return cls(type_, KINDS[type_].check(config))

    @property
    def kind(self):
        return KINDS[self.type]

    def resolved(self) -> dict:
        return self.kind.resolve(self.config)

    def clone(self) -> "Layer":
        """A deep copy with a new uid (for paste and duplicate)."""
        return Layer(self.type, copy.deepcopy(self.config), self.name, copy.deepcopy(self.ui),
                     self.id, copy.deepcopy(self.inputs))

    def to_json(self) -> dict:
        out = {"type": self.type}
        if self.id is not None:
            out["id"] = self.id
        if self.inputs is not None:
            out["inputs"] = list(self.inputs)
        out.update(copy.deepcopy(self.config))
        if self.name is not None:
            out["name"] = self.name
        if self.ui:
            out["ui"] = copy.deepcopy(self.ui)
        return out


def check_values(type_: str, values: dict) -> dict:
    """The canonical values of settings ``values`` of a ``type_`` layer (``None`` = restore the
    default). Raises ConfigError with a sentence if one is impossible; checks nothing else."""
    kind = KINDS[type_]
    checked = {}
    for key, value in values.items():
        kind_key = kind.key(key)
        if value is None:
            if kind_key.required:
                raise ConfigError(key, f'a {type_} layer needs "{key}"')
        else:
            try:
                value = kind_key.check(value)
            except KeyValueError as e:
                raise ConfigError(key, f"{key} {e}") from None
        checked[key] = value
    return checked


class Network:
    """A network document. ``changed`` is emitted after every edit with a short reason."""

    def __init__(self, layers: Optional[list] = None, name: str = "untitled"):
        self.name = name
        self.layers: list[Layer] = list(layers or [])
        self.changed = Event()
        self._report: Optional[Report] = None

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, index: int) -> Layer:
        return self.layers[index]

    def index_of(self, uid: int) -> int:
        for i, layer in enumerate(self.layers):
            if layer.uid == uid:
                return i
        raise KeyError(uid)

    def report(self) -> Report:
        """Inference for the current layers, computed once per edit."""
        if self._report is None:
            self._report = infer(self.layers)
        return self._report

    # ------------------------------------------------------------------ editing
    def _emit(self, reason: str) -> None:
        self._report = None
        self.changed.emit(reason)

    def insert(self, index: int, layer: Layer) -> None:
        self.layers.insert(index, layer)
        self._emit("insert")

    def insert_many(self, index, layers: list) -> None:
        """Insert ``layers`` with one event: at ``index`` and after, in order; or, when ``index``
        is a list (one index per layer, ascending), each layer where it then ends up (the undo of
        ``remove_many``)."""
        layers = list(layers)
        if isinstance(index, int):
            self.layers[index:index] = layers
        else:
            indices = list(index)
            if len(indices) != len(layers) or indices != sorted(set(indices)):
                raise ValueError("insert_many needs one ascending index per layer")
            for i, layer in zip(indices, layers):
                self.layers.insert(i, layer)
        self._emit("insert")

    def remove(self, index: int) -> Layer:
        layer = self.layers.pop(index)
        self._emit("remove")
        return layer

    def remove_many(self, indices) -> list:
        """Remove the layers at ``indices`` (counted before the removal) with one event;
        returns them in pipeline order."""
        wanted = sorted(set(indices))
        if wanted and not (0 <= wanted[0] and wanted[-1] < len(self.layers)):
            raise IndexError(f"no layer {wanted[0] if wanted[0] < 0 else wanted[-1]}")
        gone = set(wanted)
        removed = [self.layers[i] for i in wanted]
        self.layers[:] = [layer for i, layer in enumerate(self.layers) if i not in gone]
        self._emit("remove")
        return removed

    def move(self, src: int, dst: int) -> None:
        """Move the layer at ``src`` so that it ends up at index ``dst``."""
        layer = self.layers.pop(src)
        self.layers.insert(dst, layer)
        self._emit("move")

    def set_key(self, index: int, key: str, value: Any) -> None:
        """Set one setting (``None`` restores the default). Raises ConfigError if impossible."""
        self.set_keys(index, {key: value})

    def set_keys(self, index: int, values: dict) -> None:
        """Set several settings of one layer at once, with one event (``None`` restores a
        default). Every value is checked first: if one is impossible (ConfigError), none is set."""
        layer = self.layers[index]
        checked = check_values(layer.type, values)
        for key, value in checked.items():  # clear first, so exclusive keys never meet
            if value is None:
                layer.config.pop(key, None)
        layer.config.update({k: v for k, v in checked.items() if v is not None})
        self._emit("config")

    def set_wiring(self, wiring: list) -> None:
        """Put the layers in the order of ``wiring`` ([(layer, id, inputs)], see wiring.py) and
        set each one's id and inputs, with one event: every edge edit, and its undo, is one call."""
        for layer, lid, inputs in wiring:
            layer.id = lid
            layer.inputs = None if inputs is None else list(inputs)
        self.layers = [layer for layer, _lid, _inputs in wiring]
        self._emit("wiring")

    def set_ui(self, index: int, ui: dict) -> None:
        """Replace a layer's ``ui`` object (where the canvas draws it), with one event."""
        self.layers[index].ui = copy.deepcopy(ui)
        self._emit("ui")

    def set_uis(self, uis: dict) -> None:
        """Replace the ``ui`` objects of several layers (uid -> dict) with one event (Tidy layout)."""
        for layer in self.layers:
            if layer.uid in uis:
                layer.ui = copy.deepcopy(uis[layer.uid])
        self._emit("ui")

    def set_layer_name(self, index: int, name: Optional[str]) -> None:
        self.layers[index].name = name or None
        self._emit("name")

    def set_name(self, name: str) -> None:
        self.name = name
        self._emit("title")

    def replace(self, layers: list, name: Optional[str] = None) -> None:
        """Swap in a whole new pipeline (open, new from template)."""
        self.layers = list(layers)
        if name is not None:
            self.name = name
        self._emit("reset")

    def to_json(self) -> dict:
        return {"format": "nn-designer", "version": format_version(self.layers), "name": self.name,
                "layers": [layer.to_json() for layer in self.layers]}
