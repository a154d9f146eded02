"""The network as a graph of objects: each layer's ``sources`` are the layers it reads.

``layers`` is a list in topological order (every layer after what it reads), so one pass in list
order sees every layer's inputs first, and a layer's place in the list is its number everywhere
(canvas ``#i``, summary rows, weights keys). An edge is a layer object in its reader's
``sources``; a reader whose input was deleted holds a ``Missing`` in its place. How edges are
written in a file (ids, indices, "the layer before") is ``jsonio``'s business alone.

Identity is the uid: a source is the list's layer with the same uid (a trial copy made with
``dataclasses.replace`` stands in for its original). ``reads`` arguments, where taken, map uids
to sources that replace a layer's own while an edit is worked out (wiring.py).

Pure Python; works on anything with ``type``, ``id``, ``uid``, ``name`` and ``sources``.
"""
from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from typing import Optional

from .kind import quoted


@dataclass(frozen=True)
class Missing:
    """An input that is gone: a merge's reference to a deleted layer, kept (with the id it was
    read by) so that the merge stays red and says which input it lost, until a connection fills
    the hole or the deletion is undone."""

    name: str


def is_layer(source) -> bool:
    return not isinstance(source, Missing)


def reads_of(layer, reads: Optional[dict] = None) -> list:
    """``layer``'s sources, or what ``reads`` gives it instead."""
    return layer.sources if reads is None else reads.get(layer.uid, layer.sources)


def positions(layers) -> dict:
    """uid -> place in the list."""
    return {layer.uid: i for i, layer in enumerate(layers)}


def sources(layers, reads: Optional[dict] = None) -> list:
    """For each layer, the places of the earlier layers it reads (holes, layers not in the list
    and references that point forward are left out: inference reports them)."""
    at = positions(layers)
    out = []
    for i, layer in enumerate(layers):
        srcs: list = []
        for s in reads_of(layer, reads):
            t = at.get(s.uid) if is_layer(s) else None
            if t is not None and t < i and t not in srcs:
                srcs.append(t)
        out.append(srcs)
    return out


def readers_of(srcs: list) -> list:
    """For each layer, the places of the layers that read it, in list order, from ``sources``."""
    out: list = [[] for _ in srcs]
    for i, reads in enumerate(srcs):
        for s in reads:
            out[s].append(i)
    return out


def readers(layers) -> list:
    return readers_of(sources(layers))


def follows(layers, i: int, reads: Optional[dict] = None) -> bool:
    """Whether layer ``i`` is a link of a chain: it reads just the layer before it, or (an input
    layer, or the first layer) nothing. Such a layer follows its place when layers are inserted,
    removed or moved around it, and the file writes it without ``inputs``."""
    srcs = reads_of(layers[i], reads)
    if not srcs:
        return True
    return i > 0 and len(srcs) == 1 and is_layer(srcs[0]) and srcs[0].uid == layers[i - 1].uid


def is_chain(layers) -> bool:
    """True when every layer but the first reads just the one before (a version 1 chain)."""
    return all(not layer.sources if i == 0 else bool(layer.sources) and follows(layers, i)
               for i, layer in enumerate(layers))


def ancestors(layer, reads: Optional[dict] = None) -> set:
    """uids of every layer ``layer`` reads, directly or not."""
    seen, todo = set(), [layer]
    while todo:
        for src in reads_of(todo.pop(), reads):
            if is_layer(src) and src.uid not in seen:
                seen.add(src.uid)
                todo.append(src)
    return seen


def duplicate_ids(layers) -> list:
    """(index, sentence) for every layer whose id an earlier layer already has."""
    seen: dict = {}
    out = []
    for i, layer in enumerate(layers):
        lid = layer.id
        if lid is None:
            continue
        if lid in seen:
            out.append((i, f"the id {quoted(lid)} is already layer {seen[lid]}'s; ids are unique"))
        else:
            seen[lid] = i
    return out


def fresh_ids(layers, reads: Optional[dict] = None) -> dict:
    """uid -> a new id for each layer that needs one and has none: a layer read other than as
    the lone input of the layer just after it, which the file can only name by its id (and the
    canvas shows). A new id is the layer's name (or type) and a number, and never an id that a
    layer has or that a ``Missing`` input still names, so it cannot capture that reference."""
    taken = {layer.id for layer in layers if layer.id is not None}
    taken |= {s.name for layer in layers for s in reads_of(layer, reads) if not is_layer(s)}
    out: dict = {}
    for i, layer in enumerate(layers):
        if follows(layers, i, reads):
            continue
        for s in reads_of(layer, reads):
            if is_layer(s) and s.id is None and s.uid not in out:
                out[s.uid] = fresh_id(s, taken)
    return out


def fresh_id(layer, taken: set) -> str:
    """A new id for ``layer`` not in ``taken`` (which it joins)."""
    base = re.sub(r"[^A-Za-z0-9_.-]+", "_", layer.name).strip("_") if layer.name else ""
    base = base or layer.type
    n = 1
    while f"{base}{n}" in taken:
        n += 1
    taken.add(f"{base}{n}")
    return f"{base}{n}"


def topological(layers, reads: Optional[dict] = None) -> Optional[list]:
    """The layers reordered so that every layer comes after what it reads, moving as little as
    possible (of the layers ready to go, the one earliest in the current order goes first); None
    when the edges make a loop."""
    rank = positions(layers)
    waiting = {layer.uid: {s.uid for s in reads_of(layer, reads) if is_layer(s) and s.uid in rank}
               for layer in layers}
    after: dict = {uid: [] for uid in rank}
    for uid, srcs in waiting.items():
        for s in srcs:
            after[s].append(uid)
    ready = [rank[uid] for uid, srcs in waiting.items() if not srcs]
    heapq.heapify(ready)
    out = []
    while ready:
        layer = layers[heapq.heappop(ready)]
        out.append(layer)
        for r in after[layer.uid]:
            waiting[r].discard(layer.uid)
            if not waiting[r]:
                heapq.heappush(ready, rank[r])
    return out if len(out) == len(layers) else None


def label(index: int) -> str:
    """A layer as the summary's inputs column and the messages name it."""
    return f"#{index}"
