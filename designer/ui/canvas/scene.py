"""The scene: one BlockItem per layer and one EdgeItem per connection, kept in step with the
Network incrementally. On every ``network.changed`` the scene adds and removes only the blocks of
layers that came or went, repaints only the blocks whose text changed, and moves only the blocks
whose place changed, so an edit on a 200-layer network stays cheap.

Every network, a chain too, is drawn as one vertical flow (graph_layout.py). The scene keeps each
layer's row and column of the drawing before, so that an edit moves only the blocks it must;
positions the user dragged in a branched network (each layer's ``ui`` ``x``/``y``) are kept;
groups may be collapsed into one block (view only).
"""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Signal
from PySide6.QtWidgets import QGraphicsScene, QToolTip

from ...model import KINDS, Network, format_shape
from .block import BlockItem, Style
from .collapse import contract
from .graph_layout import GAP_Y, X0, layered
from .items import EdgeItem, InsertionMarker
from .layout import BLOCK_H, BLOCK_W, gap_index, marker_y


def chain_sources(sources: list) -> bool:
    return all(srcs == ([i - 1] if i else []) for i, srcs in enumerate(sources))


class NetworkScene(QGraphicsScene):
    relaid = Signal()  # the drawing changed shape (chain ⇄ graph, collapse, expand, wrap)

    def __init__(self, network: Network, parent=None):
        super().__init__(parent)
        self.network = network
        self.style = Style()
        self.blocks: dict[int, BlockItem] = {}
        self.order: list[int] = []
        self.sources: list = []  # per layer, the places of the layers it reads (the report's)
        self.readers: list = []  # per layer, the places of the layers that read it (the report's)
        self.is_graph = False
        self.edges: dict = {}  # (src uid, dst uid) -> EdgeItem
        self.collapsed: list = []  # groups of layer uids drawn as one block
        self.layout = None  # the GraphLayout drawn (a branched network)
        self.max_rows = None  # wrap into bands about this deep (None: one flow; only when asked)
        self._hints: dict = {}  # uid -> (rank, column) in the drawing before: what an edit keeps
        self.anchor = None  # the block clicked last: where a Shift+click's range starts
        self._node_sources: list = []  # the graph laid out (collapsed groups contracted)
        self.marker = InsertionMarker(self.style.colours)
        self.addItem(self.marker)
        self.setBackgroundBrush(self.style.colours.background)
        network.changed.connect(self._on_changed)
        self.sync()

    @property
    def arrows(self) -> list:
        return list(self.edges.values())

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
        self.collapsed = [g for g in ([u for u in group if u in alive] for group in self.collapsed) if len(g) > 1]
        self.sources = [info.sources for info in report.layers]
        self.readers = report.readers
        was = self.is_graph
        self.is_graph = not chain_sources(self.sources)
        for i, (layer, info) in enumerate(zip(layers, report.layers)):
            self.blocks[layer.uid].set_state(i, layer, info)
        self._place()
        if was != self.is_graph:
            self.relaid.emit()

    def _place(self) -> None:
        index = {uid: i for i, uid in enumerate(self.order)}
        groups = [sorted(index[u] for u in group) for group in self.collapsed]
        nodes, node_sources, node_edges = contract(self.sources, groups)
        fixed = {}
        for k, i in enumerate(nodes):
            ui = self.network.layers[i].ui
            if self.is_graph and isinstance(ui.get("x"), (int, float)) and isinstance(ui.get("y"), (int, float)):
                fixed[k] = (float(ui["x"]), float(ui["y"]))
        self._node_sources = node_sources
        hints = {k: self._hints[self.order[i]] for k, i in enumerate(nodes) if self.order[i] in self._hints}
        layout = layered(node_sources, fixed, self.max_rows, hints)
        self.layout = layout
        if len(self._hints) > 4 * len(self.order) + 1000:  # a deleted layer's place is kept for its undo
            alive = set(self.order)
            self._hints = {uid: h for uid, h in self._hints.items() if uid in alive}
        for k, i in enumerate(nodes):  # hidden members of a collapsed group keep theirs
            self._hints[self.order[i]] = (layout.ranks[k], layout.columns[k])
        shown = set(nodes)
        report = self.network.report()
        members = {max(g): g for g in groups}
        for i, uid in enumerate(self.order):
            self.blocks[uid].setVisible(i in shown)
        for k, i in enumerate(nodes):
            block = self.blocks[self.order[i]]
            block.set_port(QPointF(BLOCK_W / 2, BLOCK_H))
            if i in members:
                group = members[i]
                block.set_group((len(group), sum(report.layers[j].param_count for j in group)))
            else:
                block.set_group(None)
            x, y = layout.positions[k]
            if block.pos() != QPointF(x, y):
                block.setPos(x, y)
        wanted = {}
        for (a, b), real in node_edges.items():
            s, d = real[0]
            points = layout.routes[(a, b)]
            wanted[(self.order[s], self.order[d])] = points
        self._set_edges(wanted)
        self._set_rect(*layout.rect)

    def forget_layout(self) -> bool:
        """Lay every block out afresh (Tidy layout), forgetting the rows and columns kept across
        edits; True if a block moved."""
        before = {uid: block.pos() for uid, block in self.blocks.items()}
        self._hints = {}
        self._place()
        return any(self.blocks[uid].pos() != pos for uid, pos in before.items())

    def _set_edges(self, wanted: dict) -> None:
        """Keep one EdgeItem per (src uid, dst uid) in ``wanted`` (its polyline), labelled with
        the shape it carries when it goes into a merge."""
        for key in [k for k in self.edges if k not in wanted]:
            self.removeItem(self.edges.pop(key))
        index = {uid: i for i, uid in enumerate(self.order)}
        report = self.network.report()
        for key, points in wanted.items():
            edge = self.edges.get(key)
            if edge is None:
                edge = self.edges[key] = EdgeItem(self.style.colours, *key)
                self.addItem(edge)
            edge.set_points(points)
            s, d = index[key[0]], index[key[1]]
            merge = KINDS[self.network.layers[d].type].is_merge
            output = report.layers[s].output
            edge.set_label(format_shape(output) if merge and output is not None else "")

    def _set_rect(self, x: float, y: float, w: float, h: float) -> None:
        rect = QRectF(x, y, w, h)
        if rect != self.sceneRect():
            self.setSceneRect(rect)

    def graph_size(self, max_rows) -> tuple:
        """The size the network would take wrapped into bands ``max_rows`` deep."""
        return layered(self._node_sources, None, max_rows).size

    def graph_rows(self) -> int:
        """How many rows deep the network is, in one band."""
        return max(layered(self._node_sources).ranks, default=0) + 1

    def best_rows(self, width: float, height: float) -> tuple:
        """(max_rows, zoom): the band depth that shows the network biggest in a ``width`` ×
        ``height`` window (None: one band), and that zoom (at most 1). For a wrap the user asks
        for (and the diagram export)."""
        deepest = self.graph_rows()
        best_rows, best_zoom, best_area = None, 0.0, 0.0
        # a dozen depths, not every one: a 200-layer network is laid out in a few milliseconds each
        tried = sorted({r for r in (2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 60, 90, 140)
                        if r < deepest} | {deepest})
        for rows in tried:
            w, h = self.graph_size(rows if rows < deepest else None)
            zoom = min(width / w, height / h, 1.0)
            # At the same zoom the smaller drawing wins: GoogLeNet's inception stacks cannot be
            # cut, so their band sets the height whatever the depth.
            if zoom > best_zoom + 1e-6 or (zoom > best_zoom - 1e-6 and w * h < best_area):
                best_rows, best_zoom, best_area = (rows if rows < deepest else None), zoom, w * h
        return best_rows, best_zoom

    def set_max_rows(self, rows) -> None:
        """Wrap into bands about ``rows`` deep (None: one flow)."""
        if rows != self.max_rows:
            self.max_rows = rows
            self._place()
            self.relaid.emit()

    def collapse(self, uids: list) -> None:
        """Draw the layers ``uids`` as one block (view only)."""
        wanted = set(uids)
        self.collapsed = [g for g in self.collapsed if not wanted & set(g)] + [list(uids)]
        self._place()
        self.relaid.emit()

    def expand(self, uids: list) -> bool:
        """Draw every layer of the groups that hold any of ``uids`` again; False if none did."""
        wanted = set(uids)
        kept = [g for g in self.collapsed if not wanted & set(g)]
        changed = len(kept) != len(self.collapsed)
        self.collapsed = kept
        if changed:
            self._place()
            self.relaid.emit()
        return changed

    def group_of(self, uid: int) -> list:
        return next((g for g in self.collapsed if uid in g), [])

    def refresh_style(self) -> None:
        """Rebuild colours and fonts (the system palette changed) and repaint everything."""
        self.style.__init__()
        self.marker.colours = self.style.colours
        for edge in self.edges.values():
            edge.colours = self.style.colours
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
            if isinstance(item, BlockItem) and item.isVisible():
                return item
        return None

    def gap_at(self, pos: QPointF) -> int:
        """Where a layer dropped at ``pos`` goes: a gap of the rows; in a branched network the end
        (a drop on an edge inserts on that edge instead, see ``edge_at``)."""
        if self.is_graph:
            return len(self.order)
        members = self._band_at(pos)
        if not members:
            return 0
        k = gap_index(pos.y(), [self.blocks[self.order[i]].pos().y() for i in members])
        return members[k] if k < len(members) else members[-1] + 1

    def _band_at(self, pos: QPointF) -> list:
        """The places of a chain's blocks in the column nearest ``pos`` (one column, or one band
        of a chain wrapped into columns)."""
        xs = [self.blocks[uid].pos().x() for uid in self.order]
        if not xs:
            return []
        nearest = min(set(xs), key=lambda x: abs(x + BLOCK_W / 2 - pos.x()))
        return [i for i, x in enumerate(xs) if x == nearest]

    def edge_at(self, pos: QPointF):
        for item in self.items(pos):
            if isinstance(item, EdgeItem):
                return item
        return None

    def selected_edges(self) -> list:
        try:
            return [edge for edge in self.edges.values() if edge.isSelected()]
        except RuntimeError:  # the scene is being destroyed (the app is closing)
            return []

    def port_at(self, pos: QPointF):
        """The block whose output port is under ``pos`` (where a connection is dragged from)."""
        for block in self.blocks.values():
            if block.isVisible() and block.port_hit(block.mapFromScene(pos)):
                return block
        return None

    def selected_uids(self) -> list[int]:
        """Selected layers in the network's order."""
        return [self.order[i] for i in self.selected_indices()]

    def selected_indices(self) -> list[int]:
        try:
            chosen = {uid for uid in self.order if self.blocks[uid].isSelected()}
            for group in self.collapsed:  # a collapsed block stands for all its layers
                if chosen & set(group):
                    chosen |= set(group)
            return [i for i, uid in enumerate(self.order) if uid in chosen]
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

    def select_range(self, uid: int) -> None:
        """Select the layers from the anchor (the block clicked last) to ``uid`` in list order,
        the drawn ones (a collapsed group stands for its layers)."""
        index = {u: i for i, u in enumerate(self.order)}
        start = index.get(self.anchor, index[uid])
        lo, hi = sorted((start, index[uid]))
        self.select_uids([u for u in self.order[lo:hi + 1] if self.blocks[u].isVisible()])

    def show_marker(self, gap: int, pointer: QPointF | None = None) -> None:
        if self.is_graph:  # no gaps between rows: the edge under the pointer lights up instead
            hot = self.edge_at(pointer) if pointer is not None else None
            for edge in self.edges.values():
                edge.set_hot(edge is hot)
            return
        members = self._band_at(pointer) if pointer is not None else list(range(len(self.order)))
        if gap < len(self.order) and gap not in members and gap - 1 >= 0:
            members = self._band_at(self.blocks[self.order[gap - 1]].pos())  # the end of a column
        tops = [self.blocks[self.order[i]].pos().y() for i in members]
        x = self.blocks[self.order[members[0]]].pos().x() if members else X0
        k = members.index(gap) if gap in members else len(members)
        self.marker.setPos(x, marker_y(k, tops, GAP_Y))
        self.marker.setVisible(True)

    def hide_marker(self) -> None:
        self.marker.setVisible(False)
        for edge in self.edges.values():
            edge.set_hot(False)
