"""The status bar's permanent fields: "61,706 parameters · 0 errors · 1 warning", the memory
estimate (the summary's numbers) and the zoom."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar

from ..model import Network, human_bytes, partial_note, plural, totals
from .theme import CanvasColours


def counts_text(report) -> str:
    def count(n: int, word: str) -> str:
        return plural(n, word, grouped=True)   # 61,706 parameters
    return (f"{count(report.total_params, 'parameter')}{partial_note(report)} · "
            f"{count(report.error_count, 'error')} · {count(report.warning_count, 'warning')}")


class MessageBar(QStatusBar):
    """A status bar whose messages (every refusal, "Saved …", an import's note) are shown whole:
    a temporary message was cut at the permanent fields, with the suggested fix, and was gone
    after four seconds. A message here wraps onto more lines when it must and stays until the
    next one. Qt's own status tips (a menu item hovered) still show as temporary messages, above
    it; only calls from Python reach ``showMessage`` here."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.message = QLabel()
        self.message.setObjectName("status_message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.addWidget(self.message, 1)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (Qt's name)
        """Show ``text`` until the next message (``timeout`` is accepted for Qt's signature and
        not used: a sentence the user had no time to read was lost)."""
        self.message.setText(text)
        self.message.setToolTip(text)
        self._fit()

    def clearMessage(self) -> None:  # noqa: N802
        self.showMessage("")

    def currentMessage(self) -> str:  # noqa: N802
        return self.message.text()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        """As many lines as the sentence needs at the width it has."""
        width = self.message.width() or max(200, self.width() // 2)
        lines = self.message.heightForWidth(width) if self.message.text() else 0
        self.message.setMinimumHeight(max(lines, self.fontMetrics().height()))


class StatusFields:
    def __init__(self, bar: QStatusBar, network: Network, batch_size):
        self.network = network
        self.batch_size = batch_size  # callable: the summary's batch size
        self.counts = QLabel()
        self.counts.setToolTip("Total parameters, and layers with errors (red) or warnings (amber)")
        self.memory = QLabel()
        self.memory.setToolTip("Weights in float32, and the estimated memory to train at the summary's "
                               "batch size, or in Train mode at the run's (activations and their "
                               "gradients, weights, gradients and momentum)")
        self.zoom = QLabel("100%")
        self.zoom.setToolTip("Canvas zoom: Ctrl+wheel, Ctrl+0 to fit")
        bar.addPermanentWidget(self.counts)
        bar.addPermanentWidget(self.memory)
        bar.addPermanentWidget(self.zoom)
        network.changed.connect(lambda _change: self.refresh())
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
