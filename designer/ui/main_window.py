"""The main window: palette (left), canvas (centre), inspector (right), summary (bottom), status
bar, menus, and the mode switch (Design / Train / Learn) at the top right.

Other modes plug in with ``add_mode(name, panels_or_factory)`` (see modes.py and
docs/architecture.md); each side panel is a QStackedWidget holding one page per mode."""
from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut, QUndoStack
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QTabBar

from .. import APP_NAME, __version__
from ..model import Network, template_name
from . import dialogs, tab_stops
from .actions import build_menus
from .canvas.scene import NetworkScene
from .canvas.view import CanvasView
from .editor import Editor
from .export_actions import Exporter
from .files import AUTOSAVE_MS, Files
from .frame_fit import FrameFit
from .inspector import Inspector
from .kinds import new_layer
from .mime import local_files
from .modes import OPTIONAL_MODES, Mode, ModePanels, PageStack, PanelsOrFactory
from .palette import Palette
from .status import MessageBar, StatusFields
from .summary_panel import SummaryPanel
from .weights_holder import WeightsHolder


# The window's size at its first start, on a screen large enough for it, and the smallest screen
# area its layout is made for (every mode fits 900×600: tests/test_ui_mode_layouts.py).
FIRST_SIZE = QSize(1400, 880)
SMALLEST = QSize(900, 600)


def first_size(available: Optional[QSize]) -> QSize:
    """The first start's size: ``FIRST_SIZE``, within the screen's available area (a 1280×720
    screen had the window's right side, the mode tabs and the inspector, off the screen). On a
    screen below ``SMALLEST`` it stays ``FIRST_SIZE``: squeezed below its panels' widths, the
    window would keep them squeezed."""
    if available is None or available.width() < SMALLEST.width() or available.height() < SMALLEST.height():
        return FIRST_SIZE
    return FIRST_SIZE.boundedTo(available)


class MainWindow(QMainWindow):
    mode_changed = Signal(str)

    def __init__(self, settings: Optional[QSettings] = None, recovery_dir: Optional[Path] = None,
                 autosave_ms: int = AUTOSAVE_MS):
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.network = Network([new_layer("input")], "untitled")
        self.undo_stack = QUndoStack(self)
        self.scene = NetworkScene(self.network, self)
        self.canvas = CanvasView(self.scene)
        self.canvas.setToolTip("")
        self.setCentralWidget(self.canvas)
        self.editor = Editor(self.network, self.undo_stack, self.scene, self)
        self.palette_panel = Palette()
        self.inspector = Inspector(self.network, self.editor)
        self.summary = SummaryPanel(self.network)
        self.setStatusBar(MessageBar())   # messages whole, kept until the next one
        self.status = StatusFields(self.statusBar(), self.network, self._status_batch_size)
        self._quick_add = None  # built on first use (Ctrl+F)
        self.files = Files(self, self.network, self.undo_stack, self.settings, recovery_dir, autosave_ms)
        # The weights the window holds for its network: trained or loaded in Train mode, else a
        # template's own; the Train mode writes them, the export and the lessons read them.
        self.weights = WeightsHolder(shipped=self.files.shipped_weights)
        self.exporter = Exporter(self)

        self.docks = {}
        self.stacks = {}
        for place, area, title in (("left", Qt.DockWidgetArea.LeftDockWidgetArea, "Palette"),
                                   ("right", Qt.DockWidgetArea.RightDockWidgetArea, "Inspector"),
                                   ("bottom", Qt.DockWidgetArea.BottomDockWidgetArea, "Summary")):
            dock = QDockWidget(title, self)
            dock.setObjectName(f"{place}_dock")
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
            stack = PageStack()
            dock.setWidget(stack)
            self.addDockWidget(area, dock)
            self.docks[place], self.stacks[place] = dock, stack
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        self.menus = build_menus(self)
        self.actions_by_name = self.menus.actions
        for dock in self.docks.values():
            action = dock.toggleViewAction()
            action.setToolTip(f"Show or hide the {dock.windowTitle().lower()} panel")
            self.menus.panels.addAction(action)

        self.modes: dict[str, Mode] = {}
        self.current_mode = ""
        # Each mode's own arrangement of the docks (QMainWindow.saveState), kept when it is left
        # and restored when it comes back, and across restarts: one shared arrangement gave the
        # canvas the lesson's height back in Design.
        self.mode_states: dict[str, object] = {}
        self.mode_bar = QTabBar()
        self.mode_bar.setDrawBase(False)
        self.mode_bar.setExpanding(False)
        self.mode_bar.setToolTip("Design the network, train it, or learn how the layers work")
        self.menuBar().setCornerWidget(self.mode_bar, Qt.Corner.TopRightCorner)
        self.add_mode("Design", ModePanels(self.palette_panel, self.summary, self.inspector,
                                           "Palette", "Summary", "Inspector"),
                      "Build the network: palette, canvas, inspector and summary")
        for name, module in OPTIONAL_MODES:
            self._add_optional_mode(name, module)
        self.mode_bar.currentChanged.connect(lambda i: self.set_mode(self.mode_bar.tabText(i)))
        self.set_mode("Design")

        self._wire()
        self.setAcceptDrops(True)
        self.resize(first_size(self._available()))
        self._restore_geometry()
        self.frame_fit = FrameFit(self)  # the frame, not only the client area, fits the screen
        self.files.update_title()
        self._update_recent_menu()
        self.canvas.fit_readable()

    # ------------------------------------------------------------------ wiring
    def _wire(self) -> None:
        c, e = self.canvas, self.editor
        c.gap_rule = e.allowed_gap
        c.connection_rule = e.connection_problem
        c.type_dropped.connect(lambda gap, type_, cfg: e.insert_kind(gap, type_, cfg))
        c.block_moved.connect(e.move)
        c.type_dropped_on_edge.connect(lambda src, dst, type_, cfg: e.insert_on_edge(src, dst, type_, cfg))
        c.type_dropped_on_block.connect(lambda uid, type_, cfg: e.branch_from(uid, type_, cfg))
        c.connect_requested.connect(e.connect_layers)
        c.block_placed.connect(e.place)
        c.refused.connect(lambda text: self.statusBar().showMessage(text, 4000))
        c.files_dropped.connect(self._open_dropped)
        c.zoom_changed.connect(self.status.set_zoom)
        c.activated.connect(lambda: self.inspector.focus_first())
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.inspector, self.canvas.setFocus)
        back.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # Esc: from a setting back to the canvas
        self.palette_panel.activated.connect(e.add_after_selection)
        self.summary.rows_selected.connect(self._select_indices)
        self.summary.batch_changed.connect(lambda _b: self.status.refresh())
        e.message.connect(lambda text: self.statusBar().showMessage(text, 4000))
        self.files.recent_changed.connect(self._update_recent_menu)
        self.files.document_replaced.connect(self.canvas.fit_readable)
        self.scene.selectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def _status_batch_size(self) -> int:
        """The batch the memory estimate is for: the current mode's (Train: the run's), else the
        summary's."""
        mode = self.modes.get(self.current_mode) if hasattr(self, "modes") else None
        own = mode.panels.batch_size if mode is not None and mode.panels is not None else None
        return own() if own is not None else self.summary.batch_size

    def _selection_changed(self) -> None:
        selected = self.scene.selected_indices()
        for name in ("cut", "copy", "duplicate"):
            self.actions_by_name[name].setEnabled(bool(selected) and self.editor.enabled)
        self.actions_by_name["delete"].setEnabled(
            bool(selected or self.scene.selected_edges()) and self.editor.enabled)
        for name in ("move_left", "move_right"):
            self.actions_by_name[name].setEnabled(len(selected) == 1 and self.editor.enabled)
        self.summary.select_rows(selected)  # one selection, shown in both

    def _select_index(self, index: int) -> None:
        self._select_indices([index])

    def _select_indices(self, indices: list) -> None:
        """The Summary's selection becomes the canvas's (the one selection every command acts on)."""
        indices = [i for i in indices if 0 <= i < len(self.scene.order)]
        self.editor.select([self.scene.order[i] for i in indices])
        if indices:
            self.canvas.ensureVisible(self.scene.block_at_index(indices[-1]), 40, 40)

    def _quick_added(self, type_: str, config: dict) -> None:
        if getattr(self, "_branching", False):
            self._branching = False
            if not self.editor.branch_from_selection(type_, config):
                return
        elif self.editor.insert_kind(self.editor.insertion_point(), type_, config) is None:
            return
        selected = self.scene.selected_uids()
        if selected:
            self.canvas.ensureVisible(self.scene.block(selected[-1]), 40, 40)
        if not self.inspector.focus_first():
            self.canvas.setFocus()

    @property
    def quick_add(self):
        if self._quick_add is None:
            from .quick_add import QuickAdd

            self._quick_add = QuickAdd(self.canvas)
            self._quick_add.chosen.connect(self._quick_added)
        return self._quick_add

    def open_quick_add(self) -> None:
        if self.current_mode != "Design":
            self.set_mode("Design")
        self._branching = False
        self.quick_add.open()

    def open_branch_add(self) -> None:
        """Blocks ▸ Branch from here: the layer typed next reads the selected one, beside what
        already reads it."""
        if not self.scene.selected_indices():
            self.statusBar().showMessage("Select the layer to branch from.", 4000)
            return
        self.open_quick_add()
        self._branching = True

    def _update_recent_menu(self) -> None:
        menu = self.menus.recent
        menu.clear()
        recent = self.files.recent()
        for path in recent:
            action = menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.files.open_path(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear the list", self.files.clear_recent)
        menu.setEnabled(bool(recent))

    def open_model(self, spec: str) -> bool:
        """Open a model file, or a template by name (``nn-designer alexnet``)."""
        if template_name(spec):
            return self.files.new_from_template(spec)
        return self.files.open_path(spec)

    def _open_dropped(self, paths: list) -> None:
        if paths:
            self.files.open_path(paths[0])

    def show_about(self) -> None:
        dialogs.about(self, f"<b>{APP_NAME}</b> {__version__}<br>Design, check and train neural "
                            "networks, with its own NumPy engine.")

    # ------------------------------------------------------------------ modes
    def add_mode(self, name: str, panels: PanelsOrFactory, tooltip: str = "") -> None:
        """Add (or replace) a mode in the switch. ``panels`` is a ModePanels or a callable
        ``factory(window) -> ModePanels`` called the first time the mode is shown."""
        mode = Mode(name, panels, tooltip)
        index = next((i for i in range(self.mode_bar.count()) if self.mode_bar.tabText(i) == name), -1)
        if index < 0:
            index = self.mode_bar.addTab(name)
        self.mode_bar.setTabEnabled(index, True)
        self.mode_bar.setTabToolTip(index, tooltip or f"{name} mode")
        self.modes[name] = mode

    def _add_optional_mode(self, name: str, module: str) -> None:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):
            found = False
        if found:
            self.add_mode(name, lambda window, m=module: importlib.import_module(m).create_mode(window),
                          f"{name} mode")
        else:
            index = self.mode_bar.addTab(name)
            self.mode_bar.setTabEnabled(index, False)
            self.mode_bar.setTabToolTip(index, f"{name} mode is not part of this build")

    def set_mode(self, name: str) -> None:
        if name not in self.modes or name == self.current_mode:
            return
        design = self.modes["Design"].build(self)
        first = self.modes[name].panels is None
        if first:
            self._announce(name)
        try:
            panels = self.modes[name].build(self)
        finally:
            if first:
                QApplication.restoreOverrideCursor()
                if self.statusBar().currentMessage() == f"Opening the {name} mode…":
                    self.statusBar().clearMessage()
        size = self.size()   # a mode switch never resizes the window (see _keep_size)
        if self.current_mode:
            self.mode_states[self.current_mode] = self.saveState()
            old = self.modes[self.current_mode].panels
            for menu in (old.menus if old else []):
                menu.menuAction().setVisible(False)
            if old and old.on_leave:
                old.on_leave()
        for place in ("left", "bottom", "right"):
            page = getattr(panels, place) or getattr(design, place)
            title = getattr(panels, f"{place}_title") if getattr(panels, place) else getattr(design, f"{place}_title")
            stack = self.stacks[place]
            if stack.indexOf(page) < 0:
                tab_stops.settle(page)   # Tab only where a key does something
                stack.addWidget(page)
            stack.setCurrentWidget(page)
            self.docks[place].setWindowTitle(title)
        for menu in panels.menus:
            if menu.menuAction() not in self.menuBar().actions():
                anchor = self.menus.learn or self.menus.help  # File … Train Learn Help
                self.menuBar().insertMenu(anchor.menuAction(), menu)
            menu.menuAction().setVisible(True)
        self.current_mode = name
        index = next(i for i in range(self.mode_bar.count()) if self.mode_bar.tabText(i) == name)
        if self.mode_bar.currentIndex() != index:
            self.mode_bar.blockSignals(True)
            self.mode_bar.setCurrentIndex(index)
            self.mode_bar.blockSignals(False)
        if self.mode_states.get(name) is not None:
            self.modes[name].docks_sized = True
            self.restoreState(self.mode_states[name])
        elif not self.modes[name].docks_sized:
            self.modes[name].docks_sized = True
            for place in panels.hidden:
                self.docks[place].hide()
            self._size_docks(panels.dock_sizes)
        self.inspector.set_mode(name)
        if panels.on_enter:
            panels.on_enter()
        self.status.refresh()   # the memory estimate's batch may be the mode's
        self._keep_size(size)
        self.mode_changed.emit(name)

    def _announce(self, name: str) -> None:
        """Show at once that a mode is coming (its first build takes a moment): the tab, a
        wait cursor and a sentence, painted now rather than after the build."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.statusBar().showMessage(f"Opening the {name} mode…")
        if self.isVisible():
            self.mode_bar.repaint()
            self.statusBar().repaint()

    def _keep_size(self, size: QSize) -> None:
        """Give the window back ``size`` if the new mode's docks grew it (now and once the layout
        has settled): switching to Train widened a 900-px window by itself. A mode whose panels
        need more than ``size`` gets its minimum only."""
        def back() -> None:
            if self.isVisible() and not (self.isMaximized() or self.isFullScreen()) and self.size() != size:
                self.resize(size.expandedTo(self.minimumSizeHint()))
        if self.isVisible():   # before the first show the window has no size of its own yet
            back()
            QTimer.singleShot(0, self, back)   # with the window as context: dropped if it is gone

    def _size_docks(self, sizes: dict) -> None:
        """Resize docks to ``sizes`` (ModePanels.dock_sizes: pixels, or a share of the window)."""
        def pixels(place: str) -> int:
            size = sizes[place]
            whole = self.height() if place == "bottom" else self.width()
            return int(whole * size) if isinstance(size, float) and size < 1 else int(size)

        # Within the window as it is: docks asked wider than it has room for grew the window
        # (Train's 360 + 340 px made a 900-px window 950 px wide), and the canvas keeps a third.
        across = [place for place in ("left", "right") if place in sizes]
        if across:
            wanted = [pixels(p) for p in across]
            room = int(self.width() * 0.66)
            if sum(wanted) > room:
                wanted = [w * room // sum(wanted) for w in wanted]
            self.resizeDocks([self.docks[p] for p in across], wanted, Qt.Orientation.Horizontal)
        if "bottom" in sizes:
            self.resizeDocks([self.docks["bottom"]], [min(pixels("bottom"), int(self.height() * 0.75))],
                             Qt.Orientation.Vertical)

    def open_lesson(self, key: str) -> None:
        """Switch to the Learn mode and show lesson ``key`` (designer/ui/learn/lessons.py)."""
        self.set_mode("Learn")
        if self.current_mode == "Learn":
            self.learn_mode.show_lesson(key)

    def set_editing_enabled(self, enabled: bool) -> None:
        """Make the network read-only (False), e.g. while it trains, or editable again."""
        self.editor.enabled = enabled
        self.palette_panel.setEnabled(enabled)
        self.inspector.setEnabled(enabled)
        for name in ("new", "open", "paste", "quick_add", "undo", "redo"):
            self.actions_by_name[name].setEnabled(enabled)
        self.menus.recent.setEnabled(enabled and bool(self.files.recent()))
        self.menus.templates.setEnabled(enabled)
        if enabled:
            self.actions_by_name["undo"].setEnabled(self.undo_stack.canUndo())
            self.actions_by_name["redo"].setEnabled(self.undo_stack.canRedo())
        self._selection_changed()

    # ------------------------------------------------------------------ window events
    def dragEnterEvent(self, event) -> None:
        if local_files(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = local_files(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self._open_dropped(paths)

    def closeEvent(self, event) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        for mode in self.modes.values():  # e.g. Train stops a running training, joins its threads
            if mode.panels and mode.panels.on_close:
                mode.panels.on_close()
        for mode in self.modes.values():
            if mode.panels and mode.panels.on_leave and mode.name == self.current_mode:
                mode.panels.on_leave()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.mode_states[self.current_mode] = self.saveState()
        for name, state in self.mode_states.items():
            self.settings.setValue(f"window/modes/{name}", state)
        self.settings.setValue("window/state", self.mode_states["Design"])
        self.files.close()
        event.accept()

    def _available(self) -> Optional[QSize]:
        """The size of the screen's area that windows may take (without panels and docks)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        return screen.availableGeometry().size() if screen is not None else None

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        for name in self.modes:
            saved = self.settings.value(f"window/modes/{name}")
            if saved is not None and name != "Design":
                self.mode_states[name] = saved
        if state is not None:
            self.restoreState(state)
        else:
            # A share of a small window, never below what the palette and the inspector need.
            width = self.width()
            self.resizeDocks([self.docks["left"], self.docks["right"]],
                             [max(150, min(210, int(width * 0.18))), max(260, min(300, int(width * 0.3)))],
                             Qt.Orientation.Horizontal)
            self.resizeDocks([self.docks["bottom"]], [230], Qt.Orientation.Vertical)
