"""An edit of the layers' order and edges, as the changes it makes, so that undo makes the same
changes backwards.

A ``Draft`` works an edit out without touching the layers: the order and each layer's sources as
they are to be. ``Draft.edit()`` compares them with the layers and returns the ``Edit``: the order
before and after (when it changes), each layer whose sources change with its sources before and
after, and each layer that gets an id (graph.fresh_ids: a layer the file can name only by its id).
``Network.apply(edit)`` makes the changes with one event; ``edit.inverse()`` undoes them exactly.

Edits by place (insert, delete, move in the list: ``Draft.place``) keep a chain a chain: a layer
that follows its place (graph.follows: it reads just the layer before it) reads whatever is
before it afterwards, and so does a new layer; every other edge stays on its layers, and an edge
from a layer that is gone becomes a ``Missing``. The edits of a branched network (wiring.py) set
the sources themselves and then sort the list.

Pure Python.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from .changes import ChangeKind
from .graph import Missing, follows, fresh_id, fresh_ids, is_layer, topological

_OPPOSITE = {ChangeKind.INSERT: ChangeKind.REMOVE, ChangeKind.REMOVE: ChangeKind.INSERT}


@dataclass(frozen=True)
class Edit:
    what: ChangeKind  # what the Change event says changed (WIRING names every layer)
    order: Optional[tuple] = None  # (the layers before, the layers after) when the order changes
    sources: tuple = ()  # (layer, sources before, sources after) of each layer whose sources change
    ids: tuple = ()  # (layer, id before, id after) of each layer whose id changes
    touched: tuple = ()  # uids of the layers the event names (INSERT, REMOVE, MOVE)

    def inverse(self) -> "Edit":
        return Edit(_OPPOSITE.get(self.what, self.what),
                    None if self.order is None else (self.order[1], self.order[0]),
                    tuple((layer, after, before) for layer, before, after in self.sources),
                    tuple((layer, after, before) for layer, before, after in self.ids),
                    self.touched)


def _key(source):
    return source.uid if is_layer(source) else source


def same_sources(a, b) -> bool:
    """Whether two lists of sources name the same layers (and holes) in the same order."""
    return len(a) == len(b) and all(_key(x) == _key(y) for x, y in zip(a, b))


class Draft:
    """The order of the layers and what each reads, as an edit is worked out."""

    def __init__(self, layers):
        self.before = list(layers)
        self.order = list(layers)
        self.reads = {layer.uid: list(layer.sources) for layer in self.order}
        self._holes: dict = {}  # uid of a deleted layer -> the Missing its readers read

    def find(self, uid: int):
        return next((layer for layer in self.order if layer.uid == uid), None)

    def sources(self, layer) -> list:
        """The layers ``layer`` reads (its holes left out)."""
        return [s for s in self.reads[layer.uid] if is_layer(s)]

    def index(self, layer) -> int:
        return next(i for i, x in enumerate(self.order) if x.uid == layer.uid)

    def hole(self, layer) -> Missing:
        """What a reader of the deleted ``layer`` reads in its place: the id it is read by."""
        if layer.uid not in self._holes:
            taken = {x.id for x in self.before if x.id is not None}
            taken |= {s.name for reads in self.reads.values() for s in reads if not is_layer(s)}
            taken |= {hole.name for hole in self._holes.values()}
            self._holes[layer.uid] = Missing(layer.id if layer.id is not None else fresh_id(layer, taken))
        return self._holes[layer.uid]

    def place(self, order: list, new=()) -> None:
        """Put the layers in ``order`` (the draft's, some perhaps gone, and ``new`` ones) as an
        edit by place does: each layer that followed its place, and each new one, reads what is
        now just before it (an input layer, and the first layer, read nothing); the others keep
        their sources, a layer that is gone becoming a Missing."""
        followed = {layer.uid for i, layer in enumerate(self.order) if follows(self.order, i, self.reads)}
        followed |= {layer.uid for layer in new}
        kept = {layer.uid for layer in order}
        for i, layer in enumerate(order):
            if layer.uid in followed:
                self.reads[layer.uid] = [] if layer.type == "input" or i == 0 else [order[i - 1]]
            else:
                self.reads[layer.uid] = [s if not is_layer(s) or s.uid in kept else self.hole(s)
                                         for s in self.reads[layer.uid]]
        self.order = list(order)

    def sort(self) -> bool:
        """Reorder so that every layer comes after what it reads, moving as little as possible;
        False (and nothing changed) when the edges make a loop."""
        order = topological(self.order, self.reads)
        if order is None:
            return False
        self.order = order
        return True

    def edit(self, what: ChangeKind = ChangeKind.WIRING, touched=()) -> Edit:
        """The changes from the layers as they are to the draft, with the ids now needed."""
        order = None
        if [x.uid for x in self.order] != [x.uid for x in self.before]:
            order = (tuple(self.before), tuple(self.order))
        changed = tuple((layer, tuple(layer.sources), tuple(self.reads[layer.uid])) for layer in self.order
                        if not same_sources(layer.sources, self.reads[layer.uid]))
        by_uid = {layer.uid: layer for layer in self.order}
        ids = tuple((by_uid[uid], None, lid) for uid, lid in fresh_ids(self.order, self.reads).items()
                    if uid in by_uid)
        return Edit(what, order, changed, ids, tuple(touched))
