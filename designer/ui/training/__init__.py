"""The Train mode of the window: data and training panels, a background training
worker, live plots, feature maps, filters, confusion matrix and decision boundary.

``create_mode(window)`` is what the main window calls (designer/ui/modes.py) the first time the
Train mode is shown.
"""
from __future__ import annotations

from ..modes import ModePanels
from .train_mode import TrainMode

__all__ = ["TrainMode", "create_mode"]

LEFT_WIDTH = 360
RIGHT_WIDTH = 340
BOTTOM_HEIGHT = 430


def create_mode(window) -> ModePanels:
    mode = TrainMode(window)
    window.train_mode = mode
    status = getattr(window, "status", None)
    if status is not None:   # the memory estimate follows the batch this mode trains with
        mode.panel.batch.valueChanged.connect(lambda _b: status.refresh())
    return ModePanels(left=mode.left, bottom=mode.bottom, right=mode.right,
                      left_title="Data and training", bottom_title="Training curves and feature maps",
                      right_title="Results", menus=[mode.menu], on_close=mode.shutdown,
                      dock_sizes={"left": LEFT_WIDTH, "right": RIGHT_WIDTH, "bottom": BOTTOM_HEIGHT},
                      batch_size=mode.panel.batch.value)
