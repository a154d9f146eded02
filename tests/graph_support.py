"""Helpers for the branched-canvas tests: connections dragged from a block's output port with
real mouse events, drops on empty canvas or on an edge, clicks on an edge, and the model file
compared with ids renamed."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt

from designer.ui.canvas.layout import BLOCK_W
from ui_support import _mouse, drop_at_end, drop_kind, viewport_point


def drag_connection(window, src: int, dst: int, x: float = BLOCK_W / 2) -> bool:
    """Press on block ``src``'s output port, move in steps onto block ``dst`` (``x`` units from
    its left edge, 40 down), release; returns whether the live preview showed it refused."""
    scene, viewport = window.scene, window.canvas.viewport()
    block = scene.block_at_index(src)
    left = Qt.MouseButton.LeftButton
    start = viewport_point(window, block.mapToScene(block.port))
    _mouse(viewport, QEvent.Type.MouseButtonPress, start, left, left)
    end_scene = scene.block_at_index(dst).mapToScene(QPointF(x, 40))
    end = window.canvas.mapFromScene(end_scene)
    for k in range(1, 6):
        _mouse(viewport, QEvent.Type.MouseMove, start + (end - start) * (k / 5), Qt.MouseButton.NoButton, left)
    seen = window.canvas._preview is not None and window.canvas._preview.isVisible()
    refused = bool(window.canvas._preview and window.canvas._preview.refused)
    end = viewport_point(window, end_scene)
    _mouse(viewport, QEvent.Type.MouseMove, end, Qt.MouseButton.NoButton, left)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton)
    assert seen, "no live preview while dragging the connection"
    assert window.canvas._preview is None
    return refused


def drop_anywhere(window, type_: str) -> None:
    """Drop a palette layer where there is no edge: at the end of a chain, else in the empty
    bottom-right corner of a branched network (it goes at the end, reading the last layer)."""
    if not window.scene.is_graph:
        drop_at_end(window, type_)
        return
    rect = window.scene.sceneRect()
    drop_kind(window, type_, QPointF(rect.right() - 8, rect.bottom() - 8))


def click_edge(window, src: int, dst: int) -> None:
    """Click on the middle of the last run of the edge from layer ``src`` to ``dst``."""
    scene = window.scene
    edge = scene.edges[(scene.order[src], scene.order[dst])]
    (ax, ay), (bx, by) = edge.points[-2], edge.points[-1]
    pos = viewport_point(window, QPointF((ax + bx) / 2, (ay + by) / 2))
    left = Qt.MouseButton.LeftButton
    _mouse(window.canvas.viewport(), QEvent.Type.MouseButtonPress, pos, left, left)
    _mouse(window.canvas.viewport(), QEvent.Type.MouseButtonRelease, pos, left, Qt.MouseButton.NoButton)


def renamed(model: dict) -> list:
    """The layers of a model file with every id renamed by the index of its layer ("L3"), and
    ids that nothing reads left out: two designs are the same when these are equal."""
    layers = model["layers"]
    ids: dict = {}
    for i, raw in enumerate(layers):
        if raw.get("id") is not None:
            ids.setdefault(raw["id"], i)
    read = {ref for raw in layers for ref in raw.get("inputs") or []}
    out = []
    for raw in layers:
        raw = dict(raw)
        raw.pop("ui", None)
        lid = raw.pop("id", None)
        if lid is not None and lid in read:
            raw["id"] = f"L{ids[lid]}"
        if raw.get("inputs") is not None:
            raw["inputs"] = [f"L{ids[r]}" if isinstance(r, str) else f"L{r}" for r in raw["inputs"]]
        out.append(raw)
    return out
