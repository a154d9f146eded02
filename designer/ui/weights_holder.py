"""The weights the window holds for its network, with one owner: ``window.weights``.

Three kinds, the first present wins:

* ``TRAINED``: the Train mode's last run (read from its net when asked, as the net goes on changing);
* ``LOADED``: a weights file loaded in the Train mode, which the next run starts from;
* ``SHIPPED``: a template's own weights, while the document is that unmodified template
  (``shipped``, a callable the window provides).

The Train mode puts weights here and says when a run is changing them (``set_busy``); the export
actions and the lessons only read them (``current()``), and hear of every change through
``changed`` (a plain ``Event``, no Qt) or compare ``version``. Qt-free.
"""
from __future__ import annotations

import enum
from typing import Callable, Optional

from ..errors import UserError
from ..model import Event


class WeightsSource(enum.Enum):
    NONE = "none"
    TRAINED = "trained"
    LOADED = "loaded"
    SHIPPED = "shipped"


class WeightsBusy(UserError):
    """The weights are being trained: no consistent set can be read now."""


class WeightsHolder:
    def __init__(self, shipped: Optional[Callable[[], Optional[dict]]] = None):
        self.shipped = shipped or (lambda: None)
        self.changed = Event()      # emit(holder) after every change of the weights held
        self.version = 0            # grows with every change
        self._trained: Optional[Callable[[], dict]] = None
        self._loaded: Optional[dict] = None
        self._busy = False

    # ------------------------------------------------------------------ reading
    @property
    def busy(self) -> bool:
        return self._busy

    @property
    def source(self) -> WeightsSource:
        """Where ``current()`` takes the weights from (SHIPPED only when the template ships some)."""
        if self._trained is not None:
            return WeightsSource.TRAINED
        if self._loaded is not None:
            return WeightsSource.LOADED
        return WeightsSource.SHIPPED if self.shipped() is not None else WeightsSource.NONE

    @property
    def loaded(self) -> Optional[dict]:
        """The loaded weights the next run starts from, if any."""
        return self._loaded

    @property
    def trained(self) -> bool:
        return self._trained is not None

    def has_own(self) -> bool:
        """Trained or loaded weights (not a template's shipped ones)."""
        return self._trained is not None or self._loaded is not None

    def current(self, shipped: bool = True) -> Optional[dict]:
        """The weights (arrays by weights-file key) or None; a template's shipped ones unless
        ``shipped`` is False. Raises WeightsBusy while a run changes them."""
        if self._busy:
            raise WeightsBusy("the network is training; pause or stop the run first, so that the "
                              "weights are one consistent set")
        if self._trained is not None:
            return self._trained()
        if self._loaded is not None:
            return self._loaded
        return self.shipped() if shipped else None

    # ------------------------------------------------------------------ changing (the Train mode)
    def set_trained(self, provider: Callable[[], dict]) -> None:
        """The weights of a run from now on: ``provider()`` returns them (the trainer's net)."""
        self._trained, self._loaded = provider, None
        self._changed()

    def set_loaded(self, arrays: dict) -> None:
        self._trained, self._loaded = None, arrays
        self._changed()

    def clear(self) -> None:
        """No trained or loaded weights (the architecture changed)."""
        if self.has_own():
            self._trained = self._loaded = None
            self._changed()

    def clear_trained(self) -> None:
        """No trained weights (the run they came from is forgotten); loaded ones stay."""
        if self._trained is not None:
            self._trained = None
            self._changed()

    def set_busy(self, busy: bool) -> None:
        """A run changes the trained weights (True) or leaves them still (False: they changed)."""
        if busy != self._busy:
            self._busy = busy
            self._changed()

    def _changed(self) -> None:
        self.version += 1
        self.changed.emit(self)
