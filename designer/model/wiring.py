"""The edge edits of a branched network: connect, disconnect, the inspector's inputs, insert on
an edge, paste with edges, delete, a residual connection.

Each works on a ``Draft`` (edits.py) of the layers and returns the ``Edit`` that
``Network.apply`` makes in one event (or raises WiringError with one sentence), so an undo step
applies the edit backwards. The list is re-sorted topologically, moving as little as possible.
A connection is refused when it would make a loop, or when inference (from its error codes)
says the target cannot take the new input's shape.

Pure Python.
"""
from __future__ import annotations

from typing import Optional

from ..errors import UserError
from .catalogue import KINDS
from .document import clones
from .edits import Draft, Edit, same_sources
from .graph import ancestors, is_layer
from .inference import Code, infer


def describe(error: str) -> str:
    """An inference error as the end of a status-bar sentence."""
    text = error.split(": ", 1)[1] if error.startswith("inputs: ") else error
    return text if text.endswith(".") else text + "."


class WiringError(UserError):
    """An edge edit that cannot be made; ``str(e)`` is one sentence for the status bar."""


def _find(draft: Draft, uid: int):
    layer = draft.find(uid)
    if layer is None:
        raise WiringError("That layer is no longer in the network.")
    return layer


def _label(draft: Draft, layer) -> str:
    return f"{layer.type} #{draft.index(layer)}"


def _reads(draft: Draft, reader, layer) -> bool:
    return any(is_layer(s) and s.uid == layer.uid for s in draft.reads[reader.uid])


def _errors_of(layers, reads: Optional[dict], layer) -> list:
    layers = list(layers)
    index = next((i for i, other in enumerate(layers) if other.uid == layer.uid), None)
    return [] if index is None else infer(layers, reads).layers[index].errors


def connect(layers, src_uid: int, dst_uid: int, slot: Optional[int] = None) -> Edit:
    """The edit that makes the layer ``dst_uid`` read ``src_uid``: a merge gains an input (in place
    of one that was deleted, if any, else at ``slot``, default last), any other layer reads
    ``src_uid`` instead of what it read. Refused (WiringError) when it would make a loop or when
    the shapes cannot take it."""
    draft = Draft(layers)
    src, dst = _find(draft, src_uid), _find(draft, dst_uid)
    if dst.type == "input":
        raise WiringError("An input layer reads no other layer.")
    if src is dst:
        raise WiringError("A layer cannot read itself.")
    if dst.uid in ancestors(src, draft.reads):
        raise WiringError(f"Connecting {_label(draft, src)} to {_label(draft, dst)} would make a loop: "
                          f"{_label(draft, dst)} already feeds {_label(draft, src)}.")
    if _reads(draft, dst, src):
        raise WiringError(f"{_label(draft, dst).capitalize()} already reads {_label(draft, src)}.")
    before = _errors_of(layers, None, dst)
    reads = draft.reads[dst.uid]
    hole = next((k for k, s in enumerate(reads) if not is_layer(s)), None)
    if KINDS[dst.type].is_merge and hole is not None:  # an input that was deleted: filled
        draft.reads[dst.uid] = reads[:hole] + [src] + reads[hole + 1:]
    elif KINDS[dst.type].is_merge:
        at = len(reads) if slot is None else max(0, min(slot, len(reads)))
        draft.reads[dst.uid] = reads[:at] + [src] + reads[at:]
    else:
        draft.reads[dst.uid] = [src]
    if not draft.sort():
        raise WiringError("That connection would make a loop.")
    after = _errors_of(draft.order, draft.reads, dst)
    # a merge that still lacks inputs is no reason to refuse: that is what this edit works on
    new = [e for e in after if e not in before and e.code is not Code.TOO_FEW_INPUTS]
    if new:
        raise WiringError(f"Cannot connect {_label(draft, src)} to {_label(draft, dst)}: {describe(new[0])}")
    return draft.edit()


def disconnect(layers, src_uid: int, dst_uid: int) -> Edit:
    """The edit after which the layer ``dst_uid`` stops reading ``src_uid``."""
    draft = Draft(layers)
    src, dst = _find(draft, src_uid), _find(draft, dst_uid)
    if not _reads(draft, dst, src):
        raise WiringError(f"{_label(draft, dst).capitalize()} does not read {_label(draft, src)}.")
    left = [s for s in draft.reads[dst.uid] if not (is_layer(s) and s.uid == src.uid)]
    if not left:
        raise WiringError(_nothing_left(draft, dst))
    draft.reads[dst.uid] = left
    return draft.edit()


def _nothing_left(draft: Draft, dst) -> str:
    # a model file cannot say "reads nothing" (inputs is never empty), so this is refused
    return (f"{_label(draft, dst).capitalize()} would read nothing: connect another input to it first, "
            f"or delete it.")


def set_inputs(layers, dst_uid: int, src_uids: list) -> Edit:
    """The edit after which the layer ``dst_uid`` reads exactly ``src_uids`` (the inspector's
    list); refused when that would make a loop."""
    draft = Draft(layers)
    dst = _find(draft, dst_uid)
    srcs = [_find(draft, uid) for uid in src_uids]
    for src in srcs:
        if src is dst or dst.uid in ancestors(src, draft.reads):
            raise WiringError(f"{_label(draft, dst).capitalize()} cannot read {_label(draft, src)}: "
                              f"that would make a loop.")
    if not srcs:
        raise WiringError(_nothing_left(draft, dst))
    draft.reads[dst.uid] = srcs
    draft.sort()
    return draft.edit()


def insert_on_edge(layers, src_uid: int, dst_uid: int, new_layers: list) -> Edit:
    """The edit that puts ``new_layers`` (a chain) on the edge from ``src_uid`` to ``dst_uid``:
    the first reads ``src_uid``, ``dst_uid`` reads the last instead."""
    draft = Draft(layers)
    src, dst = _find(draft, src_uid), _find(draft, dst_uid)
    if not _reads(draft, dst, src):
        raise WiringError(f"{_label(draft, dst).capitalize()} does not read {_label(draft, src)}.")
    at = draft.index(src) + 1
    draft.order[at:at] = new_layers
    prev = src
    for layer in new_layers:
        draft.reads[layer.uid] = [prev]
        prev = layer
    draft.reads[dst.uid] = [prev if is_layer(s) and s.uid == src.uid else s for s in draft.reads[dst.uid]]
    return draft.edit()


def add_layers(layers, index: int, new_layers: list, reads: Optional[list] = None,
               in_line: bool = True) -> Edit:
    """The edit that inserts ``new_layers`` at ``index`` keeping the edges among them (paste,
    duplicate). What the first of them read from outside them becomes the layer before
    ``index`` (for every one of them that reads it); with ``reads`` (uids) the first reads those
    layers instead. Any other layer outside them that they read stays read if it comes before
    ``index``; what is not there is dropped, and a layer left reading nothing reads the layer
    before it. ``in_line``: the layers that read the layer before ``index`` read the last new
    layer instead (a block pasted into a path); otherwise (a new branch) every other layer keeps
    reading what it read. The new layers lose their ids (their originals keep theirs)."""
    draft = Draft(layers)
    index = max(0, min(index, len(draft.order)))
    before = draft.order[index - 1] if index else None
    earlier = {layer.uid for layer in draft.order[:index]}
    inside = {layer.uid for layer in new_layers}
    first = [s for s in new_layers[0].sources if not (is_layer(s) and s.uid in inside)] if new_layers else []
    for layer in new_layers:  # the copies are new layers: their ids would clash with the originals'
        layer.id = None
    draft.order[index:index] = new_layers
    for k, layer in enumerate(new_layers):
        got = []
        for s in layer.sources:
            if is_layer(s) and s.uid in inside:
                got.append(s)
            elif before is not None and any(same_sources([s], [f]) for f in first):
                got.append(before)  # what the copied block read: now the layer before it
            elif is_layer(s) and s.uid in earlier:
                got.append(s)  # a shortcut from outside the copied layers
        if k == 0 and reads is not None:
            got = [_find(draft, uid) for uid in reads]
        elif not got and layer.type != "input" and index + k > 0:
            got = [draft.order[index + k - 1]]
        draft.reads[layer.uid] = list({s.uid: s for s in got}.values())
    if in_line and before is not None and new_layers and new_layers[-1].type != "input":
        last = new_layers[-1]
        for layer in draft.order[index + len(new_layers):]:
            draft.reads[layer.uid] = [last if is_layer(s) and s.uid == before.uid else s
                                      for s in draft.reads[layer.uid]]
    draft.sort()
    return draft.edit()


def remove(layers, uids) -> Edit:
    """The edit that deletes the layers ``uids``. A one-input layer that read a deleted one-input
    layer reads what that one read (a chain closes up); every other reference to a deleted layer
    becomes a Missing, so the reader (a merge) is red and says why."""
    draft = Draft(layers)
    gone = set(uids)

    def through(layer):
        while layer.uid in gone:
            srcs = draft.reads[layer.uid]
            if len(srcs) != 1 or not is_layer(srcs[0]):
                return None
            layer = srcs[0]
        return layer

    survivors = [layer for layer in draft.order if layer.uid not in gone]
    for layer in survivors:
        new = []
        for s in draft.reads[layer.uid]:
            if not is_layer(s) or s.uid not in gone:
                new.append(s)
            elif not KINDS[layer.type].is_merge and through(s) is not None:
                new.append(through(s))
            else:
                new.append(draft.hole(s))
        draft.reads[layer.uid] = new
    draft.order = survivors
    return draft.edit()


def copies(layers, uids) -> list:
    """Copies of the layers ``uids`` (in list order) with their edges among them; what they read
    from outside them they still read (``add_layers`` then decides)."""
    wanted = set(uids)
    return clones([layer for layer in layers if layer.uid in wanted])


def broken_reference(layers) -> str:
    """A sentence for the first reference to a layer that is not there (a merge whose input was
    deleted), or "": such a network cannot be saved, since reading the file would refuse it."""
    for info in infer(layers).layers:
        for error in info.errors:
            if error.code in (Code.MISSING_INPUT, Code.BAD_INPUT):
                return (f"{info.type} #{info.index} reads a layer that is not there ({error}); "
                        f"connect another layer to it, or undo the deletion, before saving.")
    return ""


def residual(layers, first_uid: int, last_uid: int, add, projection=None) -> Edit:
    """The edit that puts a residual connection around the path from ``first_uid`` to
    ``last_uid``: the layer ``add`` (an add) reads the last one and the shortcut
    (``projection``, a layer that reads the path's input, or the input itself); what read the
    last one reads the add."""
    draft = Draft(layers)
    first, last = _find(draft, first_uid), _find(draft, last_uid)
    srcs = draft.sources(first)
    if len(srcs) != 1:
        raise WiringError("A residual connection goes around layers whose first reads exactly one layer.")
    src = srcs[0]
    if first is not last and first.uid not in ancestors(last, draft.reads):
        raise WiringError("A residual connection goes around a path: the last selected layer must read the first.")
    readers = [layer for layer in draft.order if _reads(draft, layer, last)]
    at = draft.index(last) + 1
    new = ([projection] if projection is not None else []) + [add]
    draft.order[at:at] = new
    if projection is not None:
        draft.reads[projection.uid] = [src]
    draft.reads[add.uid] = [last, projection if projection is not None else src]
    for layer in readers:
        draft.reads[layer.uid] = [add if is_layer(s) and s.uid == last.uid else s for s in draft.reads[layer.uid]]
    draft.sort()
    return draft.edit()
