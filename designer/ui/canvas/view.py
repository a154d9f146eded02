"""The canvas view: zoom (Ctrl+wheel, fit), pan (middle button, scroll bars), drops from the
palette with an insertion marker (or onto an edge of a branched network), blocks dragged to
reorder (a chain) or to a new place (a branched network), connections dragged from a block's
output port with a live preview, arrow keys to walk the network or along the edges.

The view edits nothing itself: it emits what the user asked for (``type_dropped``,
``block_moved``, ``connect_requested``, ...) and the window turns that into undo commands.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QGraphicsView

from ..mime import type_from_mime, local_files
from ...model import KINDS
from .items import EdgeItem
from .graph_layout import GAP_Y, PITCH_Y
from .layout import BLOCK_H, BLOCK_W, MARGIN
from .scene import NetworkScene

NUDGE = 20.0  # how far Alt+arrow moves a block of a branched network

MIN_ZOOM, MAX_ZOOM = 0.08, 3.0  # zooming by hand
FIT_MIN_ZOOM = 0.004  # Fit shows everything however small: no scroll bar, nothing cut
READABLE_ZOOM = 0.4  # below this a whole network is too small to read: its width at the top instead
FIT_SLACK = 0.995  # a fitted drawing stays a hair inside the viewport, or rounding adds scroll bars


class CanvasView(QGraphicsView):
    type_dropped = Signal(int, str, dict)  # insertion index, layer type, starting config
    block_moved = Signal(int, int)  # layer uid, insertion index (0..n) it was dropped at
    files_dropped = Signal(list)
    zoom_changed = Signal(float)
    activated = Signal()  # Enter on a block: edit it in the inspector
    type_dropped_on_edge = Signal(int, int, str, dict)  # src uid, dst uid, layer type, config
    type_dropped_on_block = Signal(int, str, dict)  # a branched network: a new branch from that layer
    connect_requested = Signal(int, int, int)  # src uid, dst uid, slot among a merge's inputs (-1: last)
    block_placed = Signal(int, float, float)  # layer uid, new top-left (a branched network)
    refused = Signal(str)  # a sentence for the status bar

    def __init__(self, scene: NetworkScene, parent=None):
        super().__init__(scene, parent)
        self.network_scene = scene
        self.setAcceptDrops(True)
        self.setDragMode(QGraphicsView.DragMode.RubberBandDrag)
        self.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        # left, not centred: a branch added on the right then moves nothing on the screen
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setToolTip("")
        self.auto_fit = True  # until the user zooms by hand, resizing re-fits the layout
        self.wrap = False  # Blocks ▸ Wrap into columns: bands side by side that fit the window
        self._fit_whole = False  # Ctrl+0: fit the whole network however small (kept on resize)
        self._press: tuple[int, QPoint] | None = None
        self._reordering: int | None = None
        self._connecting: int | None = None  # the uid a connection is dragged from
        self._preview: EdgeItem | None = None
        self._grab = QPointF()  # where in the block a branched network's block was taken
        self._target: int | None = None  # the block a dragged connection is over
        # (src uid, dst uid) -> "" or why that connection would be refused; the window sets the
        # Editor's check, so the preview turns red (and says why) before the button is released
        self.connection_rule: Callable[[int, int], str] = lambda _src, _dst: ""
        self._pan_from: QPoint | None = None
        self._space_held = False  # Space + left drag pans, as in drawing programs
        # (gap, layer type) -> the gap a layer of that type may land in; the window sets the
        # Editor's allowed_gap, so the marker stands where the drop will go
        self.gap_rule: Callable[[int, str], int] = lambda gap, _type: gap
        self._arrange_timer = QTimer(self, singleShot=True, interval=60)
        # after a resize the zoom follows the window, but the drawing stays where the user scrolled
        self._arrange_timer.timeout.connect(lambda: self.arrange(fit=self.auto_fit, force=self._fit_whole,
                                                                 home=self._fit_whole))
        # an edit, a collapse or an expand keeps the zoom: the drawing stays where the user looks

    # ------------------------------------------------------------------ zoom and layout
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def set_zoom(self, zoom: float, floor: float = MIN_ZOOM) -> None:
        zoom = max(floor, min(MAX_ZOOM, zoom))
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
        """Fit the whole network in the window (Ctrl+0), and keep it fitted when the window
        (or its scroll bars) change size."""
        self.auto_fit = self._fit_whole = True
        self.arrange(fit=True, force=True)

    def fit_readable(self) -> None:
        """Fit as much as stays readable (a new document): a long chain scrolls."""
        self.auto_fit, self._fit_whole = True, False
        self.arrange(fit=True)

    def set_wrap(self, on: bool) -> None:
        """Wrap into columns (only when the user asks): the drawing is cut into bands side by side
        that fit the window; off, one flow from top to bottom. Either way it is fitted again."""
        self.wrap = bool(on)
        if not self.wrap:
            self.network_scene.set_max_rows(None)
        self.arrange(fit=True, force=self._fit_whole)

    def _wrap_for(self, vw: float, vh: float, force: bool) -> None:
        """The band depth that shows the network biggest in this window; if that is too small to
        read (and the user did not ask for everything), bands as deep as the window at full size."""
        rows, zoom = self.network_scene.best_rows(vw, vh)
        if zoom < READABLE_ZOOM and not force:
            rows = max(2, int((vh - 2 * MARGIN + GAP_Y) // PITCH_Y))
        self.network_scene.set_max_rows(rows)

    def arrange(self, fit: bool = True, force: bool = False, home: bool = True) -> None:
        """If ``fit``, zoom for this window: with ``force`` (Fit) the whole drawing however small;
        else the whole drawing when its blocks stay readable (at least READABLE_ZOOM), or its
        full width at a readable zoom, starting at the input (the top) when ``home``."""
        vw, vh = max(self.viewport().width(), 100), max(self.viewport().height(), 100)
        if self.wrap:
            self._wrap_for(vw, vh, force)
        if not fit:
            return
        rect = self.network_scene.sceneRect()
        whole = min(vw / max(rect.width(), 1.0), vh / max(rect.height(), 1.0)) * FIT_SLACK
        if force:
            self.set_zoom(min(whole, 1.0), FIT_MIN_ZOOM)
            if whole < READABLE_ZOOM and not self.wrap:
                self.refused.emit(f"The whole network at {self.zoom:.0%}: Blocks ▸ Wrap into columns "
                                  "shows it bigger, in columns side by side.")
        elif whole >= READABLE_ZOOM:
            self.set_zoom(min(whole, 1.0))
        else:  # its full width, but at least three rows, at a readable zoom
            rows = vh / (3 * PITCH_Y - GAP_Y + 2 * MARGIN)
            self.set_zoom(max(min(vw / max(rect.width(), 1.0) * FIT_SLACK, 1.0, rows), READABLE_ZOOM))
        if not home:
            return
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())
        self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())
        if self.network_scene.order:  # a network wider than the window: the input in view
            first = self.network_scene.block_at_index(0)
            self.ensureVisible(first.sceneBoundingRect(), 20, 20)

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
            self.network_scene.refresh_style()
        super().changeEvent(event)

    # ------------------------------------------------------------------ drops from the palette
    def _gap(self, pos: QPointF, type_: str = "") -> int:
        """The gap under the pointer, as ``gap_rule`` (the Editor's rule) lets a ``type_`` land."""
        return self.gap_rule(self.network_scene.gap_at(self.mapToScene(pos.toPoint())), type_)

    def dragEnterEvent(self, event) -> None:
        if type_from_mime(event.mimeData()) or local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        dragged = type_from_mime(event.mimeData())
        if dragged:
            self.network_scene.show_marker(self._gap(event.position(), dragged[0]),
                                           self.mapToScene(event.position().toPoint()))
            event.acceptProposedAction()
        elif local_files(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.network_scene.hide_marker()
        event.accept()

    def dropEvent(self, event) -> None:
        self.network_scene.hide_marker()
        dragged = type_from_mime(event.mimeData())
        files = local_files(event.mimeData())
        scene_pos = self.mapToScene(event.position().toPoint())
        edge = self.network_scene.edge_at(scene_pos) if self.network_scene.is_graph else None
        block = self.network_scene.block_at(scene_pos) if self.network_scene.is_graph else None
        if dragged and edge is not None:
            event.acceptProposedAction()
            self.type_dropped_on_edge.emit(edge.src, edge.dst, dragged[0], dragged[1])
        elif dragged and block is not None:
            event.acceptProposedAction()
            self.type_dropped_on_block.emit(block.uid, dragged[0], dragged[1])
        elif dragged:
            event.acceptProposedAction()
            self.type_dropped.emit(self._gap(event.position(), dragged[0]), dragged[0], dragged[1])
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
            scene_pos = self.mapToScene(event.position().toPoint())
            port = self.network_scene.port_at(scene_pos)
            if port is not None:
                self._start_connection(port.uid, scene_pos)
                event.accept()
                return
            block = self.network_scene.block_at(scene_pos)
            if block is not None and event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                # Shift+click: the layers from the last one clicked to this one, as in the
                # Summary's table (Ctrl+click adds or removes one, Qt's own)
                self.network_scene.select_range(block.uid)
                self._press = None
                event.accept()
                return
            self._press = (block.uid, event.position().toPoint()) if block else None
            if block is not None:
                self._grab = scene_pos - block.pos()
                self.network_scene.anchor = block.uid
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._pan_from is not None:
            delta = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - delta.x())
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - delta.y())
            return
        if self._connecting is not None:
            self._update_connection(self.mapToScene(pos))
            return
        if self._press and event.buttons() & Qt.MouseButton.LeftButton:
            uid, start = self._press
            if self._reordering is None and (pos - start).manhattanLength() >= QApplication.startDragDistance():
                self._reordering = uid
                self.network_scene.block(uid).setOpacity(0.45)
                self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            if self._reordering is not None and self.network_scene.is_graph:
                self.network_scene.block(uid).setPos(self.mapToScene(pos) - self._grab)  # follows the mouse
                return
            if self._reordering is not None:
                self.network_scene.show_marker(self._gap(event.position(), self._type_of(uid)), self.mapToScene(pos))
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
        if self._connecting is not None and event.button() == Qt.MouseButton.LeftButton:
            self._finish_connection(self.mapToScene(event.position().toPoint()))
            return
        if self._reordering is not None and event.button() == Qt.MouseButton.LeftButton and self.network_scene.is_graph:
            uid, self._reordering, self._press = self._reordering, None, None
            self.viewport().unsetCursor()
            if uid in self.network_scene.blocks:
                block = self.network_scene.block(uid)
                block.setOpacity(1.0)
                top_left = self.mapToScene(event.position().toPoint()) - self._grab
                self.block_placed.emit(uid, top_left.x(), max(top_left.y(), 0.0))
            super().mouseReleaseEvent(event)
            return
        if self._reordering is not None and event.button() == Qt.MouseButton.LeftButton:
            uid, self._reordering, self._press = self._reordering, None, None
            gap = self._gap(event.position(), self._type_of(uid))
            self.network_scene.hide_marker()
            if uid in self.network_scene.blocks:
                self.network_scene.block(uid).setOpacity(1.0)
            self.viewport().unsetCursor()
            self.block_moved.emit(uid, gap)
            super().mouseReleaseEvent(event)  # let the scene release its mouse grab
            return
        self._press = None
        super().mouseReleaseEvent(event)

    def mouseDoubleClickEvent(self, event) -> None:
        """A double-click on a collapsed block draws its layers again (view only)."""
        block = self.network_scene.block_at(self.mapToScene(event.position().toPoint()))
        if block is not None and block.group and self.network_scene.expand([block.uid]):
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    # ------------------------------------------------------------------ connections
    def _start_connection(self, uid: int, scene_pos: QPointF) -> None:
        self._connecting = uid
        self._preview = EdgeItem(self.network_scene.style.colours, uid, uid)
        self._preview.dashed = True
        self._preview.setZValue(5)
        self._preview.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.network_scene.addItem(self._preview)
        self.viewport().setCursor(Qt.CursorShape.CrossCursor)
        self._update_connection(scene_pos)

    def _update_connection(self, scene_pos: QPointF) -> None:
        block = self.network_scene.block(self._connecting)
        start = block.mapToScene(block.port)
        if (scene_pos - start).manhattanLength() > 2:
            self._preview.set_points([start.toTuple(), scene_pos.toTuple()])
        target = self.network_scene.block_at(scene_pos)
        uid = target.uid if target is not None and target.uid != self._connecting else None
        if uid != self._target:
            self._target = uid
            problem = self.connection_rule(self._connecting, uid) if uid is not None else ""
            self._preview.set_refused(bool(problem))
            if problem:
                self.refused.emit(problem)
        self._preview.set_hot(uid is not None)

    def _finish_connection(self, scene_pos: QPointF) -> None:
        src, self._connecting, self._target = self._connecting, None, None
        if self._preview is not None:
            self.network_scene.removeItem(self._preview)
            self._preview = None
        self.viewport().unsetCursor()
        target = self.network_scene.block_at(scene_pos)
        if target is None:
            return
        if target.uid == src:
            self.refused.emit("A layer cannot read itself.")
            return
        self.connect_requested.emit(src, target.uid, self._slot(target, scene_pos))

    def _slot(self, target, scene_pos: QPointF) -> int:
        """Where among a merge's inputs a connection dropped at ``scene_pos`` goes: the inputs
        arrive spread along the block's top, left to right, and the new one lands where it was dropped."""
        index = self.network_scene.order.index(target.uid)
        if not KINDS[self.network_scene.network.layers[index].type].is_merge:
            return -1
        n = len(self.network_scene.sources[index])
        x = target.mapFromScene(scene_pos).x()
        return sum(1 for k in range(n) if BLOCK_W * (k + 1) / (n + 1) < x)

    def _type_of(self, uid: int) -> str:
        return self.network_scene.network.layers[self.network_scene.order.index(uid)].type

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
        order = self.network_scene.order
        if not order or key not in (Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up, Qt.Key.Key_Down,
                                    Qt.Key.Key_Home, Qt.Key.Key_End, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            super().keyPressEvent(event)
            return
        selected = self.network_scene.selected_indices()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if selected:
                self.activated.emit()
            return
        if self.network_scene.is_graph and key not in (Qt.Key.Key_Home, Qt.Key.Key_End):
            self._graph_key(key, event.modifiers(), selected)
            event.accept()
            return
        current = selected[-1] if selected else -1
        step = {Qt.Key.Key_Left: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1}
        if key == Qt.Key.Key_Home:
            target = 0
        elif key == Qt.Key.Key_End:
            target = len(order) - 1
        elif current < 0:
            target = 0
        else:
            target = max(0, min(len(order) - 1, current + step[key]))
        self.network_scene.select_uids([order[target]])
        self.ensureVisible(self.network_scene.block_at_index(target), 40, 40)
        event.accept()

    def _graph_key(self, key, modifiers, selected: list) -> None:
        """Arrow keys walk along the edges: Down to what reads the block, Up to what it reads,
        Left/Right to the block beside it; with Alt they move the block."""
        scene = self.network_scene
        order = scene.order
        if not selected:
            scene.select_uids([order[0]])
            return
        current = selected[-1]
        block = scene.block_at_index(current)
        dx, dy = {Qt.Key.Key_Left: (-1, 0), Qt.Key.Key_Right: (1, 0), Qt.Key.Key_Up: (0, -1),
                  Qt.Key.Key_Down: (0, 1)}[key]
        if modifiers & Qt.KeyboardModifier.AltModifier:
            pos = block.pos()
            self.block_placed.emit(order[current], pos.x() + dx * NUDGE, max(pos.y() + dy * NUDGE, 0.0))
            return
        if dy:
            nearby = list(scene.sources[current] if dy < 0 else scene.readers[current])
        else:
            here = block.pos()
            nearby = [i for i, uid in enumerate(order) if scene.blocks[uid].isVisible()
                      and abs(scene.blocks[uid].pos().y() - here.y()) < BLOCK_H / 2
                      and (scene.blocks[uid].pos().x() - here.x()) * dx > 0]
            nearby.sort(key=lambda i: abs(scene.blocks[order[i]].pos().x() - here.x()))
        nearby = [i for i in nearby if scene.blocks[order[i]].isVisible()]
        if nearby:
            scene.select_uids([order[nearby[0]]])
            self.ensureVisible(scene.block_at_index(nearby[0]), 40, 40)
