"""Small pieces shared by the Train mode's widgets."""
from __future__ import annotations

from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGridLayout, QWidget


def tipped(widget: QWidget, tip: str) -> QWidget:
    """``widget`` with its tooltip set (every control has one)."""
    widget.setToolTip(tip)
    return widget


class PaintedWidget(QWidget):
    """A widget that paints itself in ``_paint(painter)``; the painter is always ended."""

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        try:
            self._paint(p)
        finally:
            p.end()

    def _paint(self, p: QPainter) -> None:
        raise NotImplementedError


def grid_of(rows: list) -> QGridLayout:
    """A grid layout holding ``rows`` (lists of widgets, None for an empty cell)."""
    grid = QGridLayout()
    for r, row in enumerate(rows):
        for c, widget in enumerate(row):
            if widget is not None:
                grid.addWidget(widget, r, c)
    return grid
