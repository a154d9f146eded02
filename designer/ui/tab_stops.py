"""Tab goes only where a key does something ("Tab lands on invisible stops"): a scroll
area around a panel, a plot, a drawing took the focus with nothing to show for it, and a table
kept Tab for its cells so that the focus never left it. ``settle(root)`` fixes that for the
widgets under ``root``; the window calls it on every mode's panels and every lesson."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QGraphicsView, QScrollArea, QWidget

# Graphics views that are read, not driven from the keyboard (the canvas is driven: it keeps Tab).
QUIET_VIEWS = ("PlotWidget", "GraphicsLayoutWidget", "GraphicsView", "BackpropDrawing", "PerceptronPlot")


def quiet(widget: QWidget) -> bool:
    """A widget that takes the focus but does nothing with keys."""
    if isinstance(widget, QScrollArea):          # a container: its contents take the focus
        return True
    if isinstance(widget, QGraphicsView):
        return type(widget).__name__ in QUIET_VIEWS or type(widget).__module__.startswith("pyqtgraph")
    return False


def settle(root: QWidget) -> None:
    for widget in [root, *root.findChildren(QWidget)]:
        if quiet(widget):
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        elif isinstance(widget, QAbstractItemView):
            widget.setTabKeyNavigation(False)    # Tab leaves the table; the arrows move in it
