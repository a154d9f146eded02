"""Typed layer keys: what a layer setting may hold, and how a raw JSON value is checked.

Each key turns a raw value (from JSON or from a widget) into a canonical one, or raises
``KeyValueError`` with a sentence that says what is wrong. Canonical forms:

* ``int`` / ``float`` / ``bool`` / ``choice``: the value itself;
* ``pair``: an int or a two-item list ``[h, w]`` (kernel, stride), kept as given;
* ``padding``: an int, a pair, or the string ``"same"``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Far above any sensible network, far below what overflows an int64 array size.
MAX_INT = 1_000_000


def show_number(value) -> str:
    """A number from a file for a message: whole, with thousands separators, unless it is too long
    to read (Python even refuses to print an integer of more than 4,300 digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        digits = int(abs(value).bit_length() * 0.30102999566)  # str() may be refused: count by powers
        while abs(value) >= 10**digits:
            digits += 1
        return f"a {'negative ' if value < 0 else ''}number of {digits:,} digits"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else repr(value)


class KeyValueError(ValueError):
    """A value that a key cannot take; the message is one plain sentence fragment."""


def _check_int(value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise KeyValueError(f"must be a whole number, not {_show(value)}")
    if value < lo:
        raise KeyValueError(f"must be at least {lo}, not {show_number(value)}")
    if value > hi:
        raise KeyValueError(f"must be at most {hi:,}, not {show_number(value)}")
    return value


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "an object"
    return show_number(value)


@dataclass(frozen=True)
class Key:
    """One setting of a layer kind."""

    name: str
    value_type: str  # "int", "float", "bool", "choice", "pair", "padding"
    default: Any = None
    required: bool = False
    lo: float = 0
    hi: float = MAX_INT
    choices: tuple = ()
    help: str = ""
    # Exclusive lower bound for floats (e.g. a rate of 0 is fine, eps of 0 is not).
    lo_open: bool = False
    # When not set, the value of this other key of the layer (a pool's stride: its window size).
    default_from: str = ""

    def check(self, value: Any) -> Any:
        """Return the canonical value or raise KeyValueError."""
        k = self.value_type
        if k == "int":
            return _check_int(value, int(self.lo), int(self.hi))
        if k == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise KeyValueError(f"must be a number, not {_show(value)}")
            try:
                value = float(value)
            except OverflowError:  # an integer beyond any float
                raise KeyValueError(f"must be at most {self.hi:g}, not {show_number(value)}") from None
            if not math.isfinite(value):
                raise KeyValueError(f"must be a finite number, not {value}")
            if value < self.lo or (self.lo_open and value == self.lo):
                word = "greater than" if self.lo_open else "at least"
                raise KeyValueError(f"must be {word} {self.lo:g}, not {value:g}")
            if value > self.hi:
                raise KeyValueError(f"must be at most {self.hi:g}, not {value:g}")
            return value
        if k == "bool":
            if not isinstance(value, bool):
                raise KeyValueError(f"must be true or false, not {_show(value)}")
            return value
        if k == "choice":
            if value not in self.choices:
                opts = ", ".join(f'"{c}"' for c in self.choices)
                raise KeyValueError(f"must be one of {opts}, not {_show(value)}")
            return value
        if k in ("pair", "padding"):
            if k == "padding" and value == "same":
                return value
            if isinstance(value, (list, tuple)):
                if len(value) != 2:
                    raise KeyValueError(f"must be a number or a pair [h, w], not a list of {len(value)}")
                return [_check_int(v, int(self.lo), int(self.hi)) for v in value]
            if isinstance(value, str):
                extra = ' or "same"' if k == "padding" else ""
                raise KeyValueError(f"must be a number or a pair [h, w]{extra}, not {_show(value)}")
            return _check_int(value, int(self.lo), int(self.hi))
        raise AssertionError(f"unknown key value type {k}")


def as_pair(value: Any) -> tuple[int, int]:
    """An int or [h, w] as a (h, w) tuple."""
    if isinstance(value, (list, tuple)):
        return int(value[0]), int(value[1])
    return int(value), int(value)


def show_pair(pair: tuple[int, int]) -> str:
    """(3, 3) -> '3×3'."""
    return f"{pair[0]}×{pair[1]}"
