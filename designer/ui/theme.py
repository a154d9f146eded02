"""Colours: one hue per layer family (``kinds.FAMILY_COLOURS``, docs/ui-sketch.md), adapted to the
system palette so that the canvas reads well in a light or a dark desktop theme."""
from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette

from .kinds import FAMILY_COLOURS

ERROR_COLOUR = "#d7263d"
WARNING_COLOUR = "#e69500"
# Class colours of 2-D data (data panel, decision boundary): TensorFlow Playground's orange and
# blue first, then more for more classes.
CLASS_COLOURS = ((245, 147, 34), (8, 119, 189), (60, 160, 70), (200, 40, 60), (130, 80, 190),
                 (140, 100, 60), (220, 90, 180), (110, 110, 110), (170, 170, 30), (20, 170, 190))


def escape(text: str) -> str:
    """Text for Qt rich text (the html module's escape, without importing its entity tables)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def family_colour(family: str) -> QColor:
    return QColor(FAMILY_COLOURS.get(family, "#888888"))


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """``a`` moved a fraction ``t`` of the way towards ``b``."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def class_colour(c: int) -> tuple:
    """(r, g, b) of class ``c``."""
    return CLASS_COLOURS[int(c) % len(CLASS_COLOURS)]


def style_axes(plot, colour: QColor, sides: tuple = ("left", "bottom")) -> None:
    """Draw the axes (lines and tick labels) of a pyqtgraph PlotWidget or PlotItem in ``colour``."""
    item = plot.getPlotItem() if hasattr(plot, "getPlotItem") else plot
    for side in sides:
        axis = item.getAxis(side)
        axis.setPen(colour)
        axis.setTextPen(colour)


def is_dark(palette: QPalette | None = None) -> bool:
    palette = palette or QGuiApplication.palette()
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def text_on(colour: QColor) -> QColor:
    """Black or white, whichever reads better on ``colour``."""
    luma = 0.299 * colour.redF() + 0.587 * colour.greenF() + 0.114 * colour.blueF()
    return QColor("#111111") if luma > 0.6 else QColor("#ffffff")


class CanvasColours:
    """The colours the canvas paints with, computed once per palette."""

    def __init__(self, palette: QPalette | None = None):
        palette = palette or QGuiApplication.palette()
        self.dark = is_dark(palette)
        self.base = palette.color(QPalette.ColorRole.Base)
        self.text = palette.color(QPalette.ColorRole.Text)
        self.dim_text = mix(self.text, self.base, 0.45)
        self.highlight = palette.color(QPalette.ColorRole.Highlight)
        self.background = mix(palette.color(QPalette.ColorRole.Window), self.base, 0.5)
        self.arrow = mix(self.text, self.base, 0.35)
        self.error = QColor(ERROR_COLOUR) if not self.dark else QColor("#ff5a6e")
        self.warning = QColor(WARNING_COLOUR) if not self.dark else QColor("#ffb020")
        self._fills: dict = {}

    def header(self, family: str) -> QColor:
        colour = family_colour(family)
        return mix(colour, self.base, 0.25) if self.dark else colour

    def fill(self, family: str) -> QColor:
        if family not in self._fills:
            self._fills[family] = mix(self.base, family_colour(family), 0.22 if self.dark else 0.13)
        return self._fills[family]
