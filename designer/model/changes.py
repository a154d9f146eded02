"""What an edit of a network changed, as a typed value: ``Change(what, uids)``.

``Network.changed`` emits one ``Change`` after every edit; ``Event`` is the minimal (Qt-free)
signal it is sent through, also used for other plain-Python events (the window's weights).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Callable


class Event:
    """A minimal signal: ``connect(callback)``, ``disconnect(callback)``, ``emit(*args)``."""

    def __init__(self):
        self._callbacks: list[Callable] = []

    def connect(self, callback: Callable) -> None:
        self._callbacks.append(callback)

    def disconnect(self, callback: Callable) -> None:
        self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        for cb in list(self._callbacks):
            cb(*args)


class ChangeKind(enum.Enum):
    INSERT = "insert"   # layers came (``uids``: the new layers)
    REMOVE = "remove"   # layers went (``uids``: the removed layers)
    MOVE = "move"       # one layer moved (``uids``: it)
    CONFIG = "config"   # settings of one layer (``uids``: it)
    NAME = "name"       # a layer's name (``uids``: it)
    TITLE = "title"     # the network's name (no uids)
    RESET = "reset"     # a whole new network (``uids``: all its layers)
    WIRING = "wiring"   # ids, inputs and order of the layers (``uids``: all of them)
    UI = "ui"           # where the canvas draws layers (``uids``: those)


@dataclass(frozen=True)
class Change:
    what: ChangeKind
    uids: tuple = ()

    @property
    def keeps_architecture(self) -> bool:
        """Names or canvas positions only: every shape, parameter and weight stays what it was."""
        return self.what in (ChangeKind.NAME, ChangeKind.TITLE, ChangeKind.UI)
