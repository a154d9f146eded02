"""The status bar's permanent fields: "61,706 parameters · 0 errors · 1 warning", the memory
estimate (the summary's numbers) and the zoom."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from ..model import Network
from ..model.summary import human_bytes, totals
from .theme import CanvasColours


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"



def counts_text(report) -> str:
    return (f"{plural(report.total_params, 'parameter')} · {plural(report.error_count, 'error')} · "
            f"{plural(report.warning_count, 'warning')}")


class StatusFields:
    def __init__(self, bar: QStatusBar, network: Network, batch_size):
        self.network = network
        self.batch_size = batch_size  # callable: the summary's batch size
        self.counts = QLabel()
        self.counts.setToolTip("Total parameters, and layers with errors (red) or warnings (amber)")
        self.memory = QLabel()
        self.memory.setToolTip("Weights in float32, and the estimated memory to train at the summary's "
                               "batch size (activations and their gradients, weights, gradients and momentum)")
        self.zoom = QLabel("100%")
        self.zoom.setToolTip("Canvas zoom: Ctrl+wheel, Ctrl+0 to fit")
        bar.addPermanentWidget(self.counts)
        bar.addPermanentWidget(self.memory)
        bar.addPermanentWidget(self.zoom)
        network.changed.connect(lambda _reason: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        report = self.network.report()
        colours = CanvasColours(self.counts.palette())
        self.counts.setText(counts_text(report))
        colour = colours.error if report.error_count else colours.warning if report.warning_count else None
        self.counts.setStyleSheet(f"color: {colour.name()}; font-weight: bold;" if colour else "")
        t = totals(report, self.batch_size())
        self.memory.setText(f"weights {human_bytes(t['param_bytes'])} · training ≈ "
                            f"{human_bytes(t['total_bytes'])} (batch {t['batch_size']})")

    def set_zoom(self, zoom: float) -> None:
        self.zoom.setText(f"{zoom * 100:.0f}%")
