"""The network as a graph: which layers each layer reads (docs/model-format.md, version 2).

``layers`` is a list in topological order; a layer's ``inputs`` (ids or list indices, each of an
earlier layer) say what it reads, and without ``inputs`` it reads the layer just before it. The
index in the list stays every layer's number (canvas ``#i``, summary rows, weights keys).

Pure Python; works on anything with ``type``, ``id`` and ``inputs`` attributes.
"""
from __future__ import annotations

from typing import Optional

from .keys import show_number
from .kind import quoted


def ids_of(layers) -> dict:
    """id -> list index, first occurrence of each id."""
    out: dict = {}
    for i, layer in enumerate(layers):
        lid = getattr(layer, "id", None)
        if lid is not None and lid not in out:
            out[lid] = i
    return out


def _refs(layer) -> Optional[list]:
    return getattr(layer, "inputs", None)


def resolve(layers, index: int, ids: Optional[dict] = None) -> tuple:
    """(sources, problems) of the layer at ``index``: the list indices it reads (unresolvable
    references left out), and for each bad reference (subpath, sentence), e.g.
    ``("inputs[1]", 'no earlier layer has the id "x"')``."""
    layer = layers[index]
    refs = _refs(layer)
    if refs is None:
        if layer.type == "input" or index == 0:
            return [], []
        return [index - 1], []
    ids = ids_of(layers) if ids is None else ids
    sources, problems = [], []
    for j, ref in enumerate(refs):
        where = f"inputs[{j}]"
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            problems.append((where, "an input is a layer's id (a string) or index (a number)"))
            continue
        if isinstance(ref, str):
            if ref not in ids:
                problems.append((where, f"no layer has the id {quoted(ref)}"))
                continue
            target, named = ids[ref], f"the id {quoted(ref)}"
        else:
            if not 0 <= ref < len(layers):
                problems.append((where, f"there is no layer {show_number(ref)}"))
                continue
            target, named = ref, f"layer {ref}"
        if target == index:
            problems.append((where, f"a layer cannot read itself ({named})"))
        elif target > index:
            problems.append((where, f"{named} is layer {target}, after this one; a layer reads "
                                    f"only earlier layers"))
        elif target in sources:
            problems.append((where, f"{named} (layer {target}) is read twice"))
        else:
            sources.append(target)
    return sources, problems


def sources(layers) -> list:
    """For each layer, the list indices of the layers it reads (input layer: ``[]``; no
    ``inputs``: ``[i - 1]``); unresolvable references are left out (inference reports them)."""
    ids = ids_of(layers)
    return [resolve(layers, i, ids)[0] for i in range(len(layers))]


def readers(layers) -> list:
    """For each layer, the indices of the layers that read it, in list order."""
    return readers_of(sources(layers))


def readers_of(srcs: list) -> list:
    """``readers`` from already resolved sources (one list of indices per layer)."""
    out: list = [[] for _ in srcs]
    for i, reads in enumerate(srcs):
        for s in reads:
            out[s].append(i)
    return out


def is_chain(layers) -> bool:
    """True when every layer reads just the one before (a version 1 pipeline)."""
    return all(reads == ([i - 1] if i else []) for i, reads in enumerate(sources(layers)))


def duplicate_ids(layers) -> list:
    """(index, sentence) for every layer whose id an earlier layer already has."""
    seen: dict = {}
    out = []
    for i, layer in enumerate(layers):
        lid = getattr(layer, "id", None)
        if lid is None:
            continue
        if lid in seen:
            out.append((i, f"the id {quoted(lid)} is already layer {seen[lid]}'s; ids are unique"))
        else:
            seen[lid] = i
    return out


def hanging(layers, srcs: Optional[list] = None) -> list:
    """Indices of the layers, other than the last, that no later layer reads."""
    read = readers_of(sources(layers) if srcs is None else srcs)
    return [i for i in range(len(layers) - 1) if not read[i]]


def label(index: int) -> str:
    """A layer as the summary's inputs column and the messages name it."""
    return f"#{index}"


# What only version 2 of the file format has: a file without any of it is written as version 1,
# so that older versions of the program still open it.
V2_TYPES = ("add", "concat", "global_pool")
V2_KEYS = {"conv": ("groups",), "pool": ("ceil",)}


def format_version(layers) -> int:
    """The lowest file-format version that can hold ``layers``."""
    for layer in layers:
        if getattr(layer, "id", None) is not None or _refs(layer) is not None:
            return 2
        if layer.type in V2_TYPES or any(k in layer.config for k in V2_KEYS.get(layer.type, ())):
            return 2
    return 1
