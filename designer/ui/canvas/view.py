"""The canvas view: zoom (Ctrl+wheel, fit), pan (middle button, scroll bars), drops from the
palette with an insertion marker, blocks dragged to reorder, arrow keys to walk the pipeline.

The view edits nothing itself: it emits what the user asked for (``kind_dropped``,
``block_moved``, ``files_dropped``) and the window turns that into undo commands.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView

from ..mime import kind_from_mime, local_files
from .layout import Grid, columns_for_width
from .scene import PipelineScene

MIN_ZOOM, MAX_ZOOM = 0.08, 3.0
READABLE_ZOOM = 0.6  # below this a fitted layout is too small to read; scroll instead


class CanvasView(QGraphicsView):
    kind_dropped = Signal(int, str, dict)  # insertion index, layer type, starting config
    block_moved = Signal(int, int)  # layer uid, insertion index (0..n) it was dropped at
    files_dropped = Signal(list)
    zoom_changed = Signal(float)
    activated = Signal()  # Enter on a block: edit it in the inspector

    def __init__(self, scene: PipelineScene, parent=None):
        super().__init__(scene, parent)
        self.pipeline = scene
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self.auto_fit = True  # until the user zooms by hand, resizing re-fits the layout
        self._fit_whole = False  # Ctrl+0: fit the whole pipeline however small (kept on resize)
        self._press: tuple[int, QPoint] | None = None
        self._reordering: int | None = None
        self._pan_from: QPoint | None = None
        self._space_held = False  # Space + left drag pans, as in drawing programs
        # (gap, layer type) -> the gap a layer of that type may land in; the window sets the
        # Editor's allowed_gap, so the marker stands where the drop will go
        self.gap_rule: Callable[[int, str], int] = lambda gap, _type: gap
        self._arrange_timer = QTimer(self, singleShot=True, interval=60)
        self._arrange_timer.timeout.connect(lambda: self.arrange(fit=self.auto_fit, force=self._fit_whole))

    # ------------------------------------------------------------------ zoom and layout
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float) -> None:
        zoom = max(MIN_ZOOM, min(MAX_ZOOM, zoom))
        factor = zoom / self.zoom
        if abs(factor - 1) > 1e-9:
            self.scale(factor, factor)
        self.zoom_changed.emit(self.zoom)

    def zoom_by(self, factor: float) -> None:
        self.auto_fit = self._fit_whole = False
        self.set_zoom(self.zoom * factor)

    def actual_size(self) -> None:
        self.auto_fit = self._fit_whole = False
        self.set_zoom(1.0)

    def fit(self) -> None:
        """Fit the whole pipeline in the window (Ctrl+0), and keep it fitted when the window
        (or its scroll bars) change size."""
        self.auto_fit = self._fit_whole = True
        self.arrange(fit=True, force=True)

    def fit_readable(self) -> None:
        """Fit as much as stays readable (a new document): a long pipeline scrolls."""
        self.auto_fit, self._fit_whole = True, False
        self.arrange(fit=True)

    def arrange(self, fit: bool = True, force: bool = False) -> None:
        """Choose how many blocks go in a row for this window and, if ``fit``, a zoom that shows
        them all while staying readable; a long pipeline gets full-size rows and scrolls."""
        vw, vh = max(self.viewport().width(), 100), max(self.viewport().height(), 100)
        n = len(self.pipeline.order)
        best_cols, best_zoom = columns_for_width(vw), 0.0
        for cols in range(1, max(n, best_cols) + 1):
            w, h = Grid(cols).size(n)
            zoom = min(vw / w, vh / h, 1.0)
            if zoom >= best_zoom - 1e-6:  # of equal zooms the widest rows: layers added later
                best_cols, best_zoom = cols, zoom  # flow to the right, not down a column
        if best_zoom < READABLE_ZOOM and not force:
            best_cols, best_zoom = columns_for_width(vw), 1.0
        elif force and best_zoom < READABLE_ZOOM:
            best_cols = columns_for_width(vw / READABLE_ZOOM)
            w, h = Grid(best_cols).size(n)
            best_zoom = max(min(vw / w, vh / h, 1.0), MIN_ZOOM)
        self.pipeline.set_columns(max(best_cols, 1))
        if fit:
            self.set_zoom(best_zoom)
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())
            self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange_timer.start()

    @property
    def arrange_pending(self) -> bool:
        """True while the re-arrangement after a resize is still to come (it waits for resizing to settle)."""
        return self._arrange_timer.isActive()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120.0
            if steps:
                self.zoom_by(1.15 ** steps)
            event.accept()
            return
        super().wheelEvent(event)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.pipeline.refresh_style()
        super().changeEvent(event)

    # ------------------------------------------------------------------ drops from the palette
    def _gap(self, pos: QPointF, type_: str = "") -> int:
        """The gap under the pointer, as ``gap_rule`` (the Editor's rule) lets a ``type_`` land."""
        return self.gap_rule(self.pipeline.gap_at(self.mapToScene(pos.toPoint())), type_)

    def dragEnterEvent(self, event) -> None:
        if kind_from_mime(event.mimeData()) or local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        kind = kind_from_mime(event.mimeData())
        if kind:
            self.pipeline.show_marker(self._gap(event.position(), kind[0]),
                                      self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        elif local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.pipeline.hide_marker()
        event.accept()

    def dropEvent(self, event) -> None:
        self.pipeline.hide_marker()
        kind = kind_from_mime(event.mimeData())
        files = local_files(event.mimeData())
        if kind:
            event.acceptProposedAction()
            self.kind_dropped.emit(self._gap(event.position(), kind[0]), kind[0], kind[1])
        elif files:
            event.acceptProposedAction()
            self.files_dropped.emit(files)
        else:
            event.ignore()

    # ------------------------------------------------------------------ reorder and pan with the mouse
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton or (
                event.button() == Qt.MouseButton.LeftButton and self._space_held):
            self._pan_from = event.position().toPoint()
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            block = self.pipeline.block_at(self.mapToScene(event.position().toPoint()))
            self._press = (block.uid, event.position().toPoint()) if block else None
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        if self._press and event.buttons() & Qt.MouseButton.LeftButton:
            uid, start = self._press
            if self._reordering is None and (pos - start).manhattanLength() >= QApplication.startDragDistance():
                self._reordering = uid
                self.pipeline.block(uid).setOpacity(0.45)
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._reordering is not None:
                self.pipeline.show_marker(self._gap(event.position(), self._type_of(uid)), self.mapToScene(pos))
                self.ensureVisible(self.mapToScene(pos).x(), self.mapToScene(pos).y(), 1, 1, 30, 30)
                return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._pan_from is not None and event.button() in (Qt.MouseButton.MiddleButton, Qt.MouseButton.LeftButton):
            self._pan_from = None
            if self._space_held:
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            else:
                self.viewport().unsetCursor()
            return
        if self._reordering is not None and event.button() == Qt.MouseButton.LeftButton:
            uid, self._reordering, self._press = self._reordering, None, None
            gap = self._gap(event.position(), self._type_of(uid))
            self.pipeline.hide_marker()
            if uid in self.pipeline.blocks:
                self.pipeline.block(uid).setOpacity(1.0)
            self.viewport().unsetCursor()
            self.block_moved.emit(uid, gap)
            super().mouseReleaseEvent(event)  # let the scene release its mouse grab
            return
        self._press = None
        super().mouseReleaseEvent(event)

    def _type_of(self, uid: int) -> str:
        return self.pipeline.network.layers[self.pipeline.order.index(uid)].type

    # ------------------------------------------------------------------ keyboard
    def keyReleaseEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space_held = False
            self.viewport().unsetCursor()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space_held = True
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
            return
        order = self.pipeline.order
        if not order or key not in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                                    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
            return
        selected = self.pipeline.selected_indices()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if selected:
                self.activated.emit()
            return
        current = selected[-1] if selected else -1
        cols = self.pipeline.grid.columns
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -cols, Qt.Key.Key_Down: cols}
        if key == Qt.Key.Key_Home:
            target = 0
        elif key == Qt.Key.Key_End:
            target = len(order) - 1
        elif current < 0:
            target = 0
        else:
            target = max(0, min(len(order) - 1, current + step[key]))
        self.pipeline.select_uids([order[target]])
        self.ensureVisible(self.pipeline.block_at_index(target), 40, 40)
        event.accept()
