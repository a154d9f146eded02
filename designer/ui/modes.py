"""Modes share the window (docs/architecture.md, "Adding a mode"): Design is built in; Train and
Learn come from optional packages (``designer.ui.training``, ``designer.ui.learn``) that define
``create_mode(window) -> ModePanels``. A mode's panels are built the first time it is shown,
so the app starts without importing the engine or pyqtgraph."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional, Union

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QStackedWidget, QWidget

# Modes the switch lists, and the package each comes from (absent packages show disabled).
OPTIONAL_MODES = (("Train", "designer.ui.training"), ("Learn", "designer.ui.learn"))


@dataclass
class ModePanels:
    """What a mode puts in the window. ``None`` keeps the Design mode's panel in that place.
    The canvas in the centre is always shown."""

    left: Optional[QWidget] = None       # replaces the palette
    bottom: Optional[QWidget] = None     # replaces the summary
    right: Optional[QWidget] = None      # replaces the inspector
    left_title: str = ""
    bottom_title: str = ""
    right_title: str = ""
    menus: list = field(default_factory=list)  # QMenus shown in the menu bar while the mode is active
    on_enter: Optional[Callable[[], None]] = None
    on_leave: Optional[Callable[[], None]] = None
    on_close: Optional[Callable[[], None]] = None  # the window closes (stop threads, join them)
    # Dock sizes set the first time the mode is entered: {"left": 360, "bottom": 0.58, ...};
    # pixels, or a float < 1 for a share of the window's width (left, right) or height (bottom)
    dock_sizes: dict = field(default_factory=dict)
    # The batch size of the status bar's memory estimate while the mode is shown (Train: the
    # run's); None keeps the summary's
    batch_size: Optional[Callable[[], int]] = None
    # Docks hidden the first time the mode is entered ("right": the inspector); each mode keeps
    # its own arrangement after that (the window's mode_states), so Design shows them again
    hidden: tuple = ()


class PageStack(QStackedWidget):
    """A stack of pages (one per mode, one per lesson) sized by the page shown: a plain
    QStackedWidget asks for the largest minimum of all its pages, so a wide page of one mode kept
    the window that wide in every mode after it had once been shown."""

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.currentChanged.connect(lambda _i: self.updateGeometry())

    def sizeHint(self) -> QSize:
        page = self.currentWidget()
        return page.sizeHint() if page is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        page = self.currentWidget()
        if page is None:
            return super().minimumSizeHint()
        # A page's explicit minimum size wins over its hint, as the layouts treat it.
        hint, least = page.minimumSizeHint(), page.minimumSize()
        return QSize(max(hint.width(), least.width()), max(hint.height(), least.height()))


PanelsOrFactory = Union[ModePanels, Callable[[QWidget], ModePanels]]


@dataclass
class Mode:
    name: str
    source: PanelsOrFactory
    tooltip: str = ""
    panels: Optional[ModePanels] = None
    docks_sized: bool = False  # the mode's dock_sizes were applied (once)

    def build(self, window) -> ModePanels:
        if self.panels is None:
            self.panels = self.source(window) if callable(self.source) else self.source
        return self.panels
