"""The memory check before a run: the estimated memory of training a network at a batch size
(``Report.total_bytes``: input, activations and their gradients, parameters with gradients and
momentum) against what the machine has available. Used by the Train mode and the command line, so
that a batch too large is refused in one sentence instead of the process being killed."""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from ..model import BYTES_PER_VALUE, available_memory, human_bytes


def memory_problem(network, batch_size: int,
                   available: Callable[[], Optional[int]] = available_memory,
                   advice: str = "choose a smaller batch size", dtype="float32") -> Optional[str]:
    """One sentence refusing a run whose estimated memory (``Report.total_bytes``: input,
    activations and their gradients, parameters with gradients and momentum) exceeds the
    available memory, ending with ``advice`` (the command line names --batch-size); None when
    it fits or the machine does not say. The estimate counts float32 values: ``dtype``
    float64 doubles it. Sizes read as in the summary (``human_bytes``)."""
    per_value = np.dtype(dtype).itemsize / BYTES_PER_VALUE
    need = int(network.report().total_bytes(batch_size) * per_value)
    have = available()
    if have is None or need <= have:
        return None
    return (f"Training {network.name} at batch size {batch_size} needs about {human_bytes(need)} of "
            f"memory, but this machine has {human_bytes(have)} available; {advice}.")
