"""Finding a layer kind from a few typed letters: one matcher (no Qt) for the palette's search
box and quick-add (Ctrl+F). A kind's own aliases (``LayerKind.aliases``: "fc", "linear", "mlp" for
the dense layer, "bn" batch norm) find it, "max pool" the pool layer set to max, a family's name
("activation") its kinds."""
from __future__ import annotations

from ..model import FAMILIES, KINDS

# (what is listed, layer type, starting settings) beyond one entry per kind
EXTRA = [
    ("Max pool", "pool", {"mode": "max"}),
    ("Average pool", "pool", {"mode": "avg"}),
]
_FAMILY_TITLES = dict(FAMILIES)


def entries() -> list[tuple[str, str, dict]]:
    """(label, layer type, starting settings) of everything that can be added."""
    return [(f"{label} ({t})", t, cfg) for label, t, cfg in EXTRA] + [
        (f"{k.label} ({t})", t, {}) for t, k in KINDS.items()]


def matches(text: str) -> list[tuple[str, str, dict]]:
    """Entries for typed text, best first: exact type, then prefixes, then anywhere. Every
    word typed must be found in the entry's type, label, aliases, family or settings."""
    words = text.lower().split()
    if not words:
        return entries()
    scored = []
    for n, (label, type_, cfg) in enumerate(entries()):
        family = _FAMILY_TITLES.get(KINDS[type_].family, "")
        hay = (f"{type_} {label.lower()} {KINDS[type_].aliases} {family.lower()} "
               f"{' '.join(map(str, cfg.values()))}")
        if not all(w in hay for w in words):
            continue
        first = words[0]
        if first == type_:
            score = 0
        elif label.lower().startswith(first):
            score = 1
        elif any(word.startswith(first) for word in hay.split()):
            score = 2
        else:
            score = 3
        scored.append((score, n, (label, type_, cfg)))
    return [entry for _, _, entry in sorted(scored)]


def matching_types(text: str) -> list[str]:
    """The layer types that match, best first, each once."""
    return list(dict.fromkeys(type_ for _, type_, _ in matches(text)))
