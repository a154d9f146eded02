"""The Train mode's state (``TrainMode.state``, sent by ``TrainMode.state_changed``)."""
from __future__ import annotations

import enum


class TrainState(enum.Enum):
    IDLE = "idle"           # no run
    STARTING = "starting"   # the worker builds the trainer
    RUNNING = "running"
    PAUSED = "paused"       # the worker waits between two batches
    STOPPING = "stopping"   # asked to stop; the worker ends within the batch under way

    @property
    def busy(self) -> bool:
        """A run exists: the architecture is read-only, the data and settings stay."""
        return self is not TrainState.IDLE

    @property
    def weights_still(self) -> bool:
        """No batch changes the weights now: they are one consistent set to save or export."""
        return self in (TrainState.IDLE, TrainState.PAUSED)

    @property
    def stoppable(self) -> bool:
        return self in (TrainState.STARTING, TrainState.RUNNING, TrainState.PAUSED)
