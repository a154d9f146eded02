"""Words for counts in sentences, shared by every layer of the app: "1 unit", "2 units", "1 class"."""
from __future__ import annotations

# Words whose plural is not word + "s".
_PLURALS = {"class": "classes", "sample": "samples", "matrix": "matrices"}


def plural(n: int, word: str) -> str:
    """``n`` and the word, singular for exactly one: "1 unit", "10 units", "1,000 classes"."""
    many = _PLURALS.get(word, word + "s")
    return f"{n:,} {word if n == 1 else many}"
