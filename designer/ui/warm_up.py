"""Import the Train and Learn modes' code ahead of their first use, on a background thread,
once the window is up: the first switch to Train took about 1.6 s, most of it importing the
engine, NumPy's parts and pyqtgraph. Only modules are imported here (no widget is made off the
GUI thread); building the panels stays the window's, on the GUI thread, when the mode is first
shown. The start itself still imports none of it (bench/ui_startup.py)."""
from __future__ import annotations

import importlib
import os
import threading

from PySide6.QtCore import QObject, QTimer

# What the first switch to each mode imports: the modes' own modules, and through them the
# engine, the data sets and pyqtgraph.
MODULES = ("designer.ui.training.train_mode", "designer.ui.training", "designer.ui.learn.learn_mode",
           "designer.ui.learn.backprop")
DELAY_MS = 1200   # after the window is shown: the first paint and the model opened come first


class WarmUp(QObject):
    def __init__(self, parent: QObject, modules=MODULES, delay_ms: int = DELAY_MS):
        super().__init__(parent)
        self.modules = tuple(modules)
        self.thread: threading.Thread | None = None
        self.done = threading.Event()
        if os.environ.get("NN_DESIGNER_NO_WARM_UP") != "1":
            QTimer.singleShot(delay_ms, self, self.start)   # dropped with its owner

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="nn-designer warm-up", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        try:
            for name in self.modules:
                try:
                    importlib.import_module(name)
                except Exception:  # noqa: BLE001 — a missing optional mode shows disabled anyway
                    pass
        finally:
            self.done.set()
