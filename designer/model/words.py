"""Numbers in words, one way for the command line and the window: "1 unit", "2 units", "1,024 units",
"1.5 GB", "104.0 TB" (not "1 units" or "106544.0 GB")."""
from __future__ import annotations

from typing import Optional

BYTE_UNITS = (("EB", 2 ** 60), ("PB", 2 ** 50), ("TB", 2 ** 40), ("GB", 2 ** 30), ("MB", 2 ** 20), ("KB", 2 ** 10))


def plural(n: int, word: str, many: Optional[str] = None, grouped: bool = False) -> str:
    """'1 unit', '3 units' (``many`` for irregular plurals: plural(2, 'class', 'classes'));
    ``grouped`` writes thousands with commas (1,024)."""
    number = f"{n:,}" if grouped else str(n)
    return f"{number} {word if n == 1 else (many or word + 's')}"


def human_bytes(n: float) -> str:
    """Bytes in the largest unit that keeps the number at least 1: '12 B', '1.5 KB', '2.3 GB',
    '104.0 TB'."""
    for unit, size in BYTE_UNITS:
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def with_article(word: str) -> str:
    """``word`` after its article: "a conv", "an input"."""
    return ("an " if word[:1] in "aeiou" else "a ") + word


NBSP = "\u00a0"


def unbroken(formula: str) -> str:
    """``formula`` with no-break spaces inside its terms, so that a label wraps it only after an
    equals sign: '(11·11·3 + 1)·96 =' / '34,944', never '(11·11·3 +' / '1)·96'."""
    return formula.replace(" ", NBSP).replace(f"{NBSP}={NBSP}", f"{NBSP}= ")
