"""Garbage is collected in the GUI thread while a training run goes on (designer/ui/training/
threads.py, GuiCollector): a collection started by the worker's allocations would delete the Qt
objects of closed windows and dialogs from the worker thread, which crashed the process now and
then. Python's own collection is back once the run has ended."""
from __future__ import annotations

import gc
import threading

import pytest
from PySide6.QtCore import QTimer

from designer.ui.training.state import TrainState
from train_ui_support import run_to_end, settings, train_mode
from ui_support import dialog_log, window  # noqa: F401


class Cycle:
    """Cyclic garbage that records which thread collected it."""

    collected_in: list = []

    def __init__(self):
        self.me = self

    def __del__(self):
        Cycle.collected_in.append(threading.current_thread() is threading.main_thread())


@pytest.mark.slow
def test_garbage_made_during_a_run_is_collected_in_the_gui_thread(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:240")
    settings(mode, epochs=2, batch_size=8)
    gc.set_threshold(50)                     # collect often (conftest restores the thresholds)
    Cycle.collected_in = []
    enabled_while_running = []
    mode.state_changed.connect(
        lambda s: enabled_while_running.append(gc.isenabled()) if s is TrainState.RUNNING else None)
    litter = QTimer()
    litter.setInterval(2)
    litter.timeout.connect(Cycle)            # a new cycle, dropped at once, every 2 ms
    litter.start()
    run_to_end(mode, qtbot)
    litter.stop()
    assert enabled_while_running == [False]
    qtbot.waitUntil(gc.isenabled)            # given back once no worker thread runs
    gc.collect()
    assert len(Cycle.collected_in) > 10
    assert all(Cycle.collected_in), f"{Cycle.collected_in.count(False)} cycles were collected in a worker thread"
