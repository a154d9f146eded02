"""The scene: one BlockItem per layer and one ArrowItem per connection, kept in step with the
Network incrementally. On every ``network.changed`` the scene adds and removes only the blocks of
layers that came or went, repaints only the blocks whose text changed, and moves only the blocks
whose place changed, so an edit on a 200-layer pipeline stays cheap."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QGraphicsScene, QToolTip

from ...model import Network
from .block import BlockItem, Style
from .items import ArrowItem, InsertionMarker
from .layout import Grid, connector


class PipelineScene(QGraphicsScene):
    def __init__(self, network: Network, parent=None):
        super().__init__(parent)
        self.network = network
        self.style = Style()
        self.grid = Grid(5)
        self.blocks: dict[int, BlockItem] = {}
        self.order: list[int] = []
        self.arrows: list[ArrowItem] = []
        self.marker = InsertionMarker(self.style.colours)
        self.addItem(self.marker)
        self.setBackgroundBrush(self.style.colours.background)
        network.changed.connect(self._on_changed)
        self.sync()

    # ------------------------------------------------------------------ keeping in step
    def _on_changed(self, _change=None) -> None:
        self.sync()

    def sync(self) -> None:
        """Bring the items in line with the network (cheap when little changed)."""
        layers = self.network.layers
        report = self.network.report()
        uids = [layer.uid for layer in layers]
        for layer in layers:
            if layer.uid not in self.blocks:
                block = BlockItem(layer.uid, self.style)
                self.blocks[layer.uid] = block
                self.addItem(block)
        self.order = uids
        alive = set(uids)
        for uid in [u for u in self.blocks if u not in alive]:
            self.removeItem(self.blocks.pop(uid))  # may emit selectionChanged: order is up to date
        for i, (layer, info) in enumerate(zip(layers, report.layers)):
            self.blocks[layer.uid].set_state(i, layer, info)
        self._place()

    def _place(self) -> None:
        positions = [self.grid.position(i) for i in range(len(self.order))]
        for uid, (x, y) in zip(self.order, positions):
            block = self.blocks[uid]
            if block.pos() != QPointF(x, y):
                block.setPos(x, y)
        want = max(len(positions) - 1, 0)
        while len(self.arrows) > want:
            self.removeItem(self.arrows.pop())
        while len(self.arrows) < want:
            arrow = ArrowItem(self.style.colours)
            self.arrows.append(arrow)
            self.addItem(arrow)
        for i, arrow in enumerate(self.arrows):
            arrow.set_points(connector(positions[i], positions[i + 1]))
        w, h = self.grid.size(len(positions))
        rect = QRectF(0, 0, w, h)
        if rect != self.sceneRect():
            self.setSceneRect(rect)

    def set_columns(self, columns: int) -> None:
        if columns != self.grid.columns:
            self.grid = Grid(columns)
            self._place()

    def refresh_style(self) -> None:
        """Rebuild colours and fonts (the system palette changed) and repaint everything."""
        self.style.__init__()
        self.marker.colours = self.style.colours
        for arrow in self.arrows:
            arrow.colours = self.style.colours
        self.setBackgroundBrush(self.style.colours.background)
        for block in self.blocks.values():
            block.invalidate()
        self.sync()
        self.update()

    def helpEvent(self, event) -> None:
        """Tooltips of blocks are built when the mouse rests on one (not on every edit)."""
        block = self.block_at(event.scenePos())
        if block is None:
            QToolTip.hideText()
            return
        QToolTip.showText(event.screenPos(), block.toolTip(), event.widget())
        event.accept()

    # ------------------------------------------------------------------ queries
    def block(self, uid: int) -> BlockItem:
        return self.blocks[uid]

    def block_at_index(self, index: int) -> BlockItem:
        return self.blocks[self.order[index]]

    def block_at(self, pos: QPointF) -> BlockItem | None:
        for item in self.items(pos):
            if isinstance(item, BlockItem):
                return item
        return None

    def gap_at(self, pos: QPointF) -> int:
        return self.grid.gap_index(pos.x(), pos.y(), len(self.order))

    def selected_uids(self) -> list[int]:
        """Selected layers in pipeline order."""
        return [self.order[i] for i in self.selected_indices()]

    def selected_indices(self) -> list[int]:
        try:
            return [i for i, uid in enumerate(self.order) if self.blocks[uid].isSelected()]
        except RuntimeError:  # the scene is being destroyed (the app is closing)
            return []

    # ------------------------------------------------------------------ selection, marker
    def select_uids(self, uids) -> None:
        wanted = set(uids)
        self.blockSignals(True)
        try:
            for uid, block in self.blocks.items():
                block.setSelected(uid in wanted)
        finally:
            self.blockSignals(False)
        self.selectionChanged.emit()

    def show_marker(self, gap: int, pointer: QPointF | None = None) -> None:
        x, y = self.grid.marker(gap, len(self.order), pointer.y() if pointer is not None else None)
        self.marker.setPos(x, y)
        self.marker.setVisible(True)

    def hide_marker(self) -> None:
        self.marker.setVisible(False)
