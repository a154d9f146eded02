"""Editing which layers read which, so that every reference keeps meaning the same layer.

A *wiring* is the list order plus each layer's ``id`` and ``inputs``: a list of
``(layer, id, inputs)``. The edits here never change a Layer: they return a new wiring (or raise
WiringError with one sentence) that ``Network.set_wiring`` applies in one event, so an undo step
only swaps two wirings.

How references stay put: an edit first *pins* every reference to the layer object it means (an
implicit "the layer just before", an index and an id alike), rearranges, then writes the
references back: a lone reference to the layer just before is written implicit (as the templates
and version 1 files are), any other one as the id of the layer meant (a layer that needs an id and
has none gets one). A reference that resolves to nothing stays as written, so that a merge whose
input was deleted keeps saying so instead of being rewired.

Pure Python.
"""
from __future__ import annotations

import heapq
import re
from dataclasses import replace
from typing import Optional

from . import graph
from .catalogue import KINDS
from .inference import infer


_COUNT = re.compile(r"^inputs: .* needs \d+ or more inputs")


def describe(error: str) -> str:
    """An inference error as the end of a status-bar sentence."""
    text = error.split(": ", 1)[1] if error.startswith("inputs: ") else error
    return text if text.endswith(".") else text + "."


class WiringError(ValueError):
    """An edge edit that cannot be made; ``str(e)`` is one sentence for the status bar."""


def wiring_of(layers) -> list:
    """The current wiring of ``layers``: [(layer, id, inputs)]."""
    return [(layer, layer.id, None if layer.inputs is None else list(layer.inputs)) for layer in layers]


class _Pinned:
    """The layers in order and, for each (by uid), what it reads: Layer objects, or the raw
    reference (a str or int) when it resolves to nothing."""

    def __init__(self, layers):
        self.order = list(layers)
        self.reads: dict = {}
        self.implicit_input: set = set()  # uids whose ``inputs`` was None and read nothing
        ids = graph.ids_of(self.order)
        for i, layer in enumerate(self.order):
            srcs, _problems = graph.resolve(self.order, i, ids)
            refs = layer.inputs
            if refs is None:
                self.reads[layer.uid] = [self.order[s] for s in srcs]
                if not srcs:
                    self.implicit_input.add(layer.uid)
                continue
            out = []
            for ref in refs:
                target = self._target(ref, ids, i)
                out.append(target if target is not None else ref)
            self.reads[layer.uid] = out
        self.ids = {layer.id for layer in self.order if layer.id is not None}
        # A reference to a deleted layer keeps its id: a fresh id must never take it, or the
        # reference would silently point at another layer (perhaps a later one).
        self.ids |= {r for reads in self.reads.values() for r in reads if isinstance(r, str)}

    def _target(self, ref, ids: dict, index: int):
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            return None
        j = ids.get(ref) if isinstance(ref, str) else ref
        if j is None or not 0 <= j < len(self.order) or j >= index:
            return None
        return self.order[j]

    def sources(self, layer) -> list:
        return [r for r in self.reads[layer.uid] if not isinstance(r, (str, int))]

    def ancestors(self, layer) -> set:
        """uids of every layer ``layer`` reads, directly or not."""
        seen, todo = set(), [layer]
        while todo:
            for src in self.sources(todo.pop()):
                if src.uid not in seen:
                    seen.add(src.uid)
                    todo.append(src)
        return seen

    def sort(self) -> None:
        """Reorder so that every layer comes after what it reads, moving as little as possible:
        of the layers ready to go, the one earliest in the current order goes first."""
        rank = {layer.uid: i for i, layer in enumerate(self.order)}
        waiting = {layer.uid: {s.uid for s in self.sources(layer) if s.uid in rank} for layer in self.order}
        readers: dict = {uid: [] for uid in rank}
        for uid, srcs in waiting.items():
            for s in srcs:
                readers[s].append(uid)
        ready = [rank[uid] for uid, srcs in waiting.items() if not srcs]
        heapq.heapify(ready)
        out = []
        while ready:
            layer = self.order[heapq.heappop(ready)]
            out.append(layer)
            for r in readers[layer.uid]:
                waiting[r].discard(layer.uid)
                if not waiting[r]:
                    heapq.heappush(ready, rank[r])
        if len(out) != len(self.order):
            raise WiringError("That connection would make a loop.")
        self.order = out

    def written(self, all_ids: bool = False) -> list:
        """The wiring: references written back (implicit where they can be, else ids; with
        ``all_ids`` every reference as an id, e.g. for layers about to be copied elsewhere)."""
        explicit: list = []
        for i, layer in enumerate(self.order):
            reads = self.reads[layer.uid]
            prev = self.order[i - 1] if i else None
            if layer.uid in self.implicit_input and not reads:
                explicit.append(None)
            elif len(reads) == 1 and reads[0] is prev and prev is not None and not all_ids:
                explicit.append(None)
            else:
                explicit.append(reads)
        needed = {r.uid for reads in explicit if reads for r in reads if not isinstance(r, (str, int))}
        new_ids = {}
        for layer in self.order:
            if layer.uid in needed and layer.id is None:
                new_ids[layer.uid] = self._fresh_id(layer)
        out = []
        for layer, reads in zip(self.order, explicit):
            lid = new_ids.get(layer.uid, layer.id)
            if reads is None:
                out.append((layer, lid, None))
                continue
            refs = [r if isinstance(r, (str, int)) else new_ids.get(r.uid, r.id) for r in reads]
            out.append((layer, lid, refs))
        return out

    def _fresh_id(self, layer) -> str:
        base = re.sub(r"[^A-Za-z0-9_.-]+", "_", layer.name).strip("_") if layer.name else layer.type
        base = base or layer.type
        n = 1
        while f"{base}{n}" in self.ids:
            n += 1
        self.ids.add(f"{base}{n}")
        return f"{base}{n}"


def _index(seq, obj) -> int:
    """Where ``obj`` itself is in ``seq`` (Layers compare by value: two relus are equal)."""
    return next(i for i, x in enumerate(seq) if x is obj)


def _has(seq, obj) -> bool:
    return any(x is obj for x in seq)


def _find(pinned: _Pinned, uid: int):
    for layer in pinned.order:
        if layer.uid == uid:
            return layer
    raise WiringError("That layer is no longer in the network.")


def _label(pinned: _Pinned, layer) -> str:
    return f"{layer.type} #{_index(pinned.order, layer)}"


def connect(layers, src_uid: int, dst_uid: int, slot: Optional[int] = None) -> list:
    """The wiring after making the layer ``dst_uid`` read ``src_uid``: a merge gains an input (in
    place of one that was deleted, if any), any other layer reads ``src_uid`` instead of what it read. Refused (WiringError) when it would
    make a loop or when the shapes cannot take it."""
    pinned = _Pinned(layers)
    src, dst = _find(pinned, src_uid), _find(pinned, dst_uid)
    if dst.type == "input":
        raise WiringError("An input layer reads no other layer.")
    if src is dst:
        raise WiringError("A layer cannot read itself.")
    if dst.uid in pinned.ancestors(src):
        raise WiringError(f"Connecting {_label(pinned, src)} to {_label(pinned, dst)} would make a loop: "
                          f"{_label(pinned, dst)} already feeds {_label(pinned, src)}.")
    reads = pinned.reads[dst.uid]
    if _has(reads, src):
        raise WiringError(f"{_label(pinned, dst).capitalize()} already reads {_label(pinned, src)}.")
    before = _errors_of(layers, dst)
    hole = next((k for k, r in enumerate(reads) if isinstance(r, (str, int))), None)
    if KINDS[dst.type].is_merge and hole is not None:  # an input that was deleted: filled
        pinned.reads[dst.uid] = reads[:hole] + [src] + reads[hole + 1:]
    elif KINDS[dst.type].is_merge:  # a merge gains an input, at ``slot`` (default: last)
        slot = len(reads) if slot is None else max(0, min(slot, len(reads)))
        pinned.reads[dst.uid] = reads[:slot] + [src] + reads[slot:]
    else:
        pinned.reads[dst.uid] = [src]
    pinned.implicit_input.discard(dst.uid)
    pinned.sort()
    wiring = pinned.written()
    after = _errors_of(trial(wiring), dst)
    new = [e for e in after if e not in before and not _COUNT.search(e)]
    if new:
        raise WiringError(f"Cannot connect {_label(pinned, src)} to {_label(pinned, dst)}: {describe(new[0])}")
    return wiring


def disconnect(layers, src_uid: int, dst_uid: int) -> list:
    """The wiring after the layer ``dst_uid`` stops reading ``src_uid`` (it may then read nothing,
    and says so in red: nothing is rewired)."""
    pinned = _Pinned(layers)
    src, dst = _find(pinned, src_uid), _find(pinned, dst_uid)
    if not _has(pinned.reads[dst.uid], src):
        raise WiringError(f"{_label(pinned, dst).capitalize()} does not read {_label(pinned, src)}.")
    left = [r for r in pinned.reads[dst.uid] if r is not src]
    if not left:
        raise WiringError(_nothing_left(pinned, dst))
    pinned.reads[dst.uid] = left
    pinned.implicit_input.discard(dst.uid)
    return pinned.written()


def _nothing_left(pinned: _Pinned, dst) -> str:
    # a model file cannot say "reads nothing" (inputs is never empty), so this is refused
    return (f"{_label(pinned, dst).capitalize()} would read nothing: connect another input to it first, "
            f"or delete it.")


def set_inputs(layers, dst_uid: int, src_uids: list) -> list:
    """The wiring after the layer ``dst_uid`` reads exactly ``src_uids`` (the inspector's list);
    refused when that would make a loop."""
    pinned = _Pinned(layers)
    dst = _find(pinned, dst_uid)
    srcs = [_find(pinned, uid) for uid in src_uids]
    for src in srcs:
        if src is dst or dst.uid in pinned.ancestors(src):
            raise WiringError(f"{_label(pinned, dst).capitalize()} cannot read {_label(pinned, src)}: "
                              f"that would make a loop.")
    if not srcs:
        raise WiringError(_nothing_left(pinned, dst))
    pinned.reads[dst.uid] = srcs
    pinned.implicit_input.discard(dst.uid)
    pinned.sort()
    return pinned.written()


def insert_on_edge(layers, src_uid: int, dst_uid: int, new_layers: list) -> list:
    """The wiring with ``new_layers`` (a chain) put on the edge from ``src_uid`` to ``dst_uid``:
    the first reads ``src_uid``, ``dst_uid`` reads the last instead."""
    pinned = _Pinned(layers)
    src, dst = _find(pinned, src_uid), _find(pinned, dst_uid)
    if not _has(pinned.reads[dst.uid], src):
        raise WiringError(f"{_label(pinned, dst).capitalize()} does not read {_label(pinned, src)}.")
    at = _index(pinned.order, src) + 1
    pinned.order[at:at] = new_layers
    prev = src
    for layer in new_layers:
        pinned.reads[layer.uid] = [prev]
        prev = layer
    pinned.reads[dst.uid] = [prev if r is src else r for r in pinned.reads[dst.uid]]
    return pinned.written()


def add_layers(layers, index: int, new_layers: list, reads: Optional[list] = None,
               in_line: bool = True) -> list:
    """The wiring with ``new_layers`` inserted at ``index`` keeping the edges among them (paste,
    duplicate). What the first of them read (outside them) becomes the layer before ``index``;
    with ``reads`` (uids), the first of them reads those layers instead. ``in_line``: the layers
    that read the layer before ``index`` read the last new layer instead (a block pasted into a
    path); otherwise (a new branch) every other layer keeps reading what it read."""
    pinned = _Pinned(layers)
    inner = _Pinned(new_layers)
    index = max(0, min(index, len(pinned.order)))
    existing = graph.ids_of(pinned.order[:index])
    before = pinned.order[index - 1] if index else None
    first = [r for r in inner.reads[new_layers[0].uid] if isinstance(r, str)] if new_layers else []
    for layer in new_layers:  # the copies are new layers: their ids would clash with the originals'
        layer.id = None
    pinned.order[index:index] = new_layers
    for k, layer in enumerate(new_layers):
        got = []
        for r in inner.reads[layer.uid]:
            if not isinstance(r, (str, int)):
                got.append(r)
            elif r in first and before is not None:  # what the copied block read: now the layer before it
                got.append(before)
            elif isinstance(r, str) and r in existing:  # a shortcut from outside the copied layers
                got.append(pinned.order[existing[r]])
        if k == 0 and reads is not None:
            got = [_find(pinned, uid) for uid in reads]
        elif k == 0 and not got and before is not None and layer.type != "input":
            got = [before]
        got = list({id(r): r for r in got}.values())
        pinned.reads[layer.uid] = got
        if layer.inputs is None and not got:
            pinned.implicit_input.add(layer.uid)
    if in_line and before is not None and new_layers and new_layers[-1].type != "input":
        # in line: what read the layer before the insertion now reads the last new layer
        last, new_uids = new_layers[-1], {layer.uid for layer in new_layers}
        for layer in pinned.order[index + len(new_layers):]:
            if layer.uid not in new_uids:
                pinned.reads[layer.uid] = [last if r is before else r for r in pinned.reads[layer.uid]]
    pinned.sort()
    return pinned.written()


def remove(layers, uids) -> list:
    """The wiring without the layers ``uids``. A one-input layer that read a removed one-input
    layer reads what that one read (a chain closes up, as before); a merge keeps the reference
    to the removed layer, now to nothing, so it is red and says why."""
    pinned = _Pinned(layers)
    gone = set(uids)
    bypass: dict = {}

    def through(layer):
        while layer.uid in gone:
            srcs = pinned.reads[layer.uid]
            if len(srcs) != 1 or isinstance(srcs[0], (str, int)):
                return None
            layer = srcs[0]
        return layer

    for layer in pinned.order:
        if layer.uid in gone:
            bypass[layer.uid] = through(layer)
    written_ids = {w[0].uid: w[1] for w in pinned.written()}  # ids the removed layers are named by
    survivors = [layer for layer in pinned.order if layer.uid not in gone]
    for layer in survivors:
        new = []
        for r in pinned.reads[layer.uid]:
            if isinstance(r, (str, int)) or r.uid not in gone:
                new.append(r)
            elif not KINDS[layer.type].is_merge and bypass[r.uid] is not None:
                new.append(bypass[r.uid])
            else:
                new.append(written_ids.get(r.uid) or pinned._fresh_id(r))
        if layer.inputs is None and not new and layer.uid not in pinned.implicit_input:
            pinned.implicit_input.add(layer.uid)
        pinned.reads[layer.uid] = new
    pinned.order = survivors
    return pinned.written()


def copies(layers, indices) -> list:
    """Clones of the layers at ``indices`` whose every reference is an id (a layer read from
    outside them included), so that ``add_layers`` can keep their inner edges and point what the
    first of them read at the layer before wherever they are pasted."""
    pinned = _Pinned(layers)
    wanted = set(indices)
    out = []
    for i, (layer, lid, inputs) in enumerate(pinned.written(all_ids=True)):
        if i in wanted:
            clone = layer.clone()
            clone.id, clone.inputs = lid, inputs
            out.append(clone)
    return out


def broken_reference(layers) -> str:
    """A sentence for the first reference that names no earlier layer (a merge whose input was
    deleted), or "": such a network cannot be saved, since reading the file would refuse it."""
    ids = graph.ids_of(layers)
    for i in range(len(layers)):
        _srcs, problems = graph.resolve(layers, i, ids)
        if problems:
            where, sentence = problems[0]
            return (f"{layers[i].type} #{i} reads a layer that is not there ({where}: {sentence}); "
                    f"connect another layer to it, or undo the deletion, before saving.")
    return ""


def trial(wiring: list) -> list:
    """Copies of the layers as ``wiring`` would leave them (to infer before committing)."""
    return [replace(layer, id=lid, inputs=inputs, uid=layer.uid) for layer, lid, inputs in wiring]


def _errors_of(layers, layer) -> list:
    layers = list(layers)
    for i, other in enumerate(layers):
        if other.uid == layer.uid:
            return infer(layers).layers[i].errors
    return []


def residual(layers, first_uid: int, last_uid: int, add, projection=None) -> list:
    """The wiring with a residual connection around the path from ``first_uid`` to ``last_uid``:
    the layer ``add`` (an add) reads the last one and the shortcut (``projection``, a layer that
    reads the path's input, or the input itself); what read the last one reads the add."""
    pinned = _Pinned(layers)
    first, last = _find(pinned, first_uid), _find(pinned, last_uid)
    srcs = pinned.sources(first)
    if len(srcs) != 1:
        raise WiringError("A residual connection goes around layers whose first reads exactly one layer.")
    src = srcs[0]
    if first is not last and first.uid not in pinned.ancestors(last):
        raise WiringError("A residual connection goes around a path: the last selected layer must read the first.")
    readers = [layer for layer in pinned.order if _has(pinned.reads[layer.uid], last)]
    at = _index(pinned.order, last) + 1
    new = ([projection] if projection is not None else []) + [add]
    pinned.order[at:at] = new
    if projection is not None:
        pinned.reads[projection.uid] = [src]
    pinned.reads[add.uid] = [last, projection if projection is not None else src]
    for layer in readers:
        pinned.reads[layer.uid] = [add if r is last else r for r in pinned.reads[layer.uid]]
    pinned.sort()
    return pinned.written()
