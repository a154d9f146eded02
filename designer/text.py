"""Words for counts in sentences, shared by every layer of the app: "1 unit", "2 units", "1 class";
and formulas that wrap only between their terms."""
from __future__ import annotations

# Words whose plural is not word + "s".
_PLURALS = {"class": "classes", "sample": "samples", "matrix": "matrices"}


def plural(n: int, word: str) -> str:
    """``n`` and the word, singular for exactly one: "1 unit", "10 units", "1,000 classes"."""
    many = _PLURALS.get(word, word + "s")
    return f"{n:,} {word if n == 1 else many}"


NBSP = "\u00a0"


def unbroken(formula: str) -> str:
    """``formula`` with no-break spaces inside its terms, so that a label wraps it only after an
    equals sign: '(11·11·3 + 1)·96 =' / '34,944', never '(11·11·3 +' / '1)·96'."""
    return formula.replace(" ", NBSP).replace(f"{NBSP}={NBSP}", f"{NBSP}= ")
