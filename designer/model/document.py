"""The network document: an ordered list of layers, a name, and change events.

Views subscribe to ``network.changed`` (a plain callback list, no Qt; each event is a typed
``Change``: its kind and the uids of the layers it touches, see changes.py) and redraw from the
document; editors (the canvas, undo commands, the command line) change it only through the
methods here, each of which emits one event. A layer is named by its uid in every edit; a place
in the list is asked for only where a layer goes (insert, move).

Edges are objects: a layer's ``sources`` are the layers it reads (graph.py). An edit of the
order or the edges is an ``Edit`` (edits.py) that ``apply`` makes; ``inserting``, ``removing``
and ``moving`` work one out by place, wiring.py those of a branched network.
"""
from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field
from typing import Any, Optional

from .catalogue import KINDS, ConfigError
from .changes import Change, ChangeKind, Event
from .edits import Draft, Edit
from .inference import Report, infer
from .keys import KeyValueError
from .words import with_article

_uids = itertools.count(1)


@dataclass
class Layer:
    type: str
    config: dict = field(default_factory=dict)  # checked values, only the keys given
    name: Optional[str] = None
    ui: dict = field(default_factory=dict)
    # The name later layers read this one by in the file (version 2), shown on a collapsed block
    # and used by the PyTorch export as a variable name.
    id: Optional[str] = None
    # The layers this one reads, in order (a merge's order is its inputs' order): Layer objects,
    # or a graph.Missing where a deleted layer was; [] for an input layer (and a first layer).
    sources: list = field(default_factory=list, compare=False, repr=False)
    uid: int = field(default_factory=lambda: next(_uids), compare=False)
    # How the file this layer was read from wrote its inputs: jsonio's alone, so that a file
    # opened and saved unedited is written back byte for byte.
    read_as: Any = field(default=None, compare=False, repr=False)

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
        """A copy with a new uid reading the same layers (for paste and duplicate; see also
        ``clones``)."""
        return Layer(self.type, copy.deepcopy(self.config), self.name, copy.deepcopy(self.ui),
                     self.id, list(self.sources))


def clones(layers) -> list:
    """Copies of ``layers`` with the edges among them between the copies; what they read from
    outside they still read."""
    out = [layer.clone() for layer in layers]
    twin = {old.uid: new for old, new in zip(layers, out)}
    for copy_ in out:
        copy_.sources = [twin.get(s.uid, s) if isinstance(s, Layer) else s for s in copy_.sources]
    return out


def linked(layers: list) -> list:
    """``layers`` with each one after the first that reads nothing (a new layer) reading the
    one before it, as a list of new layers is meant: a chain. An input layer reads nothing."""
    for i in range(1, len(layers)):
        if not layers[i].sources and layers[i].type != "input":
            layers[i].sources = [layers[i - 1]]
    return layers


def check_values(type_: str, values: dict) -> dict:
    """The canonical values of settings ``values`` of a ``type_`` layer (``None`` = restore the
    default). Raises ConfigError with a sentence if one is impossible; checks nothing else."""
    kind = KINDS[type_]
    checked = {}
    for key, value in values.items():
        kind_key = kind.key(key)
        if value is None:
            if kind_key.required:
                raise ConfigError(key, f'{with_article(type_)} layer needs "{key}"')
        else:
            try:
                value = kind_key.check(value)
            except KeyValueError as e:
                raise ConfigError(key, f"{key} {e}") from None
        checked[key] = value
    return checked


class Network:
    """A network document. ``changed`` is emitted after every edit with a ``Change``."""

    def __init__(self, layers: Optional[list] = None, name: str = "untitled"):
        self.name = name
        self.layers: list[Layer] = linked(list(layers or []))
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

    def find(self, uid: int) -> Layer:
        """The layer whose uid is ``uid`` (KeyError if none)."""
        return self.layers[self.index_of(uid)]

    def report(self) -> Report:
        """Inference for the current layers, computed once per edit."""
        if self._report is None:
            self._report = infer(self.layers)
        return self._report

    # ------------------------------------------------------------------ edits by place
    def inserting(self, index, layers: list) -> Edit:
        """The edit that inserts ``layers`` at ``index`` and after, in order; or, when ``index``
        is a list (one place per layer, ascending), each layer where it then ends up. The new
        layers form a chain from the layer before them, and a layer that read that one reads the
        last of them instead (edits.Draft.place)."""
        layers = list(layers)
        order = list(self.layers)
        if isinstance(index, int):
            order[index:index] = layers
        else:
            indices = list(index)
            if len(indices) != len(layers) or indices != sorted(set(indices)):
                raise ValueError("insert_many needs one ascending index per layer")
            for i, layer in zip(indices, layers):
                order.insert(i, layer)
        draft = Draft(self.layers)
        draft.place(order, new=layers)
        return draft.edit(ChangeKind.INSERT, [layer.uid for layer in layers])

    def removing(self, uids) -> Edit:
        """The edit that deletes the layers ``uids``: a chain closes up (a layer that read a
        deleted one reads what is now before it); another layer's edge from a deleted layer
        becomes a graph.Missing."""
        gone = set(uids)
        for uid in gone:
            self.index_of(uid)  # KeyError for a layer that is not here
        draft = Draft(self.layers)
        draft.place([layer for layer in self.layers if layer.uid not in gone])
        return draft.edit(ChangeKind.REMOVE, [layer.uid for layer in self.layers if layer.uid in gone])

    def moving(self, uid: int, dst: int) -> Edit:
        """The edit that moves the layer ``uid`` so that it ends up at index ``dst``."""
        order = list(self.layers)
        layer = order.pop(self.index_of(uid))
        order.insert(dst, layer)
        draft = Draft(self.layers)
        draft.place(order)
        return draft.edit(ChangeKind.MOVE, [uid])

    def insert(self, index: int, layer: Layer) -> None:
        self.apply(self.inserting(index, [layer]))

    def insert_many(self, index, layers: list) -> None:
        """Insert ``layers`` with one event (see ``inserting``)."""
        self.apply(self.inserting(index, layers))

    def remove(self, uid: int) -> Layer:
        return self.remove_many([uid])[0]

    def remove_many(self, uids) -> list:
        """Delete the layers ``uids`` with one event (see ``removing``); returns them in list order."""
        gone = set(uids)
        removed = [layer for layer in self.layers if layer.uid in gone]
        self.apply(self.removing(gone))
        return removed

    def move(self, uid: int, dst: int) -> None:
        self.apply(self.moving(uid, dst))

    # ------------------------------------------------------------------ editing
    def _emit(self, what: ChangeKind, layers=()) -> None:
        self._report = None
        self.changed.emit(Change(what, tuple(layer.uid for layer in layers)))

    def apply(self, edit: Edit) -> None:
        """Make the changes of ``edit`` (edits.py), with one event: every edit of the order or
        the edges, and its undo (``edit.inverse()``), is one call."""
        if edit.order is not None:
            self.layers = list(edit.order[1])
        for layer, _before, after in edit.sources:
            layer.sources = list(after)
        for layer, _before, after in edit.ids:
            layer.id = after
        self._report = None
        uids = tuple(layer.uid for layer in self.layers) if edit.what is ChangeKind.WIRING else edit.touched
        self.changed.emit(Change(edit.what, uids))

    def set_key(self, uid: int, key: str, value: Any) -> None:
        """Set one setting (``None`` restores the default). Raises ConfigError if impossible."""
        self.set_keys(uid, {key: value})

    def set_keys(self, uid: int, values: dict) -> None:
        """Set several settings of one layer at once, with one event (``None`` restores a
        default). Every value is checked first: if one is impossible (ConfigError), none is set."""
        layer = self.find(uid)
        checked = check_values(layer.type, values)
        for key, value in checked.items():  # clear first, so exclusive keys never meet
            if value is None:
                layer.config.pop(key, None)
        layer.config.update({k: v for k, v in checked.items() if v is not None})
        self._emit(ChangeKind.CONFIG, [layer])

    def set_ui(self, uid: int, ui: dict) -> None:
        """Replace a layer's ``ui`` object (where the canvas draws it), with one event."""
        self.set_uis({uid: ui})

    def set_uis(self, uis: dict) -> None:
        """Replace the ``ui`` objects of several layers (uid -> dict) with one event (Tidy layout)."""
        for layer in self.layers:
            if layer.uid in uis:
                layer.ui = copy.deepcopy(uis[layer.uid])
        self._emit(ChangeKind.UI, [layer for layer in self.layers if layer.uid in uis])

    def set_layer_name(self, uid: int, name: Optional[str]) -> None:
        layer = self.find(uid)
        layer.name = name or None
        self._emit(ChangeKind.NAME, [layer])

    def set_name(self, name: str) -> None:
        self.name = name
        self._emit(ChangeKind.TITLE)

    def replace(self, layers: list, name: Optional[str] = None) -> None:
        """Swap in a whole new network (open, new from template)."""
        self.layers = linked(list(layers))
        if name is not None:
            self.name = name
        self._emit(ChangeKind.RESET, self.layers)
