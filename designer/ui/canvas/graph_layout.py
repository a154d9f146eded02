"""Where the blocks of a branched network go: a layered layout, top to bottom. Pure arithmetic, no Qt.

* Each block's row (rank) is the length of the longest path from the input to it, so a merge
  sits below everything it joins.
* The spine, the longest path into the output, runs down column 0; branches go side by side
  in the columns to its right, each in the column of what it reads when that is free.
* Edges run only through the gaps between rows and between columns, so none passes through a
  block: down from the source into the gap below it, along that gap, down a lane between two
  columns, along the gap above the target, into the target. A shortcut from the spine to the
  spine takes the lane on the spine's left.

Positions a user dragged (``fixed``) are kept; edges that touch them take a plain elbow.
Coordinates are scene units; ``(x, y)`` is a block's top-left corner.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .layout import BLOCK_H, BLOCK_W, MARGIN

GAP_X = 70.0   # room for lanes and shape labels between columns
GAP_Y = 64.0   # room for the horizontal runs of edges between rows
LANE_STEP = 7.0


@dataclass
class GraphLayout:
    positions: list            # (x, y) per node
    routes: dict               # (src, dst) -> [(x, y), ...] polyline, ending on dst's top
    size: tuple                # (width, height) with margins
    columns: list = field(default_factory=list)
    ranks: list = field(default_factory=list)


def ranks_of(sources: list) -> list:
    """Longest-path depth of each node (nodes in topological order)."""
    rank = []
    for srcs in sources:
        rank.append(max((rank[s] + 1 for s in srcs if s < len(rank)), default=0))
    return rank


def spine_of(sources: list, rank: list) -> list:
    """The longest path into the last node, as node indices from the input down."""
    if not sources:
        return []
    path = [len(sources) - 1]
    while sources[path[-1]]:
        srcs = sources[path[-1]]
        path.append(max(srcs, key=lambda s: (rank[s], -srcs.index(s))))
    return path[::-1]


def layered(sources: list, fixed: Optional[dict] = None) -> GraphLayout:
    """The layout of nodes ``0..n-1`` (topological order) where node i reads ``sources[i]``;
    ``fixed`` maps a node to the (x, y) the user put it at."""
    n = len(sources)
    fixed = fixed or {}
    rank = ranks_of(sources)
    spine = set(spine_of(sources, rank))
    column = [0] * n
    taken: set = set()
    for i in range(n):
        if i in spine:
            taken.add((rank[i], 0))
    for i in range(n):
        if i in spine:
            continue
        first = sources[i][0] if sources[i] else None
        want = column[first] if first is not None and first not in spine else 1
        c = max(want, 1)
        while (rank[i], c) in taken:
            c += 1
        column[i] = c
        taken.add((rank[i], c))
    pitch_x, pitch_y = BLOCK_W + GAP_X, BLOCK_H + GAP_Y
    left = MARGIN + GAP_X / 2  # room for the spine's shortcut lane
    grid = [(left + column[i] * pitch_x, MARGIN + rank[i] * pitch_y) for i in range(n)]
    positions = [tuple(fixed.get(i, grid[i])) for i in range(n)]
    routes = {}
    lanes: dict = {}  # lane x -> list of (y0, y1) taken, so parallel runs do not overlap
    for d in range(n):
        srcs = sources[d]
        for k, s in enumerate(srcs):
            start = (positions[s][0] + BLOCK_W / 2, positions[s][1] + BLOCK_H)
            end = (positions[d][0] + BLOCK_W * (k + 1) / (len(srcs) + 1), positions[d][1])
            if s in fixed or d in fixed:
                routes[(s, d)] = _elbow(start, end)
                continue
            # the runs into one merge each at their own height, so that each can be followed
            stagger = (len(srcs) - 1 - k) * LANE_STEP
            routes[(s, d)] = _route(s, d, start, end, rank, column, taken, pitch_x, pitch_y, left, lanes, stagger)
    cols = max(column, default=0) + 1
    width = left + cols * pitch_x - GAP_X + MARGIN + GAP_X / 2
    height = MARGIN + (max(rank, default=0) + 1) * pitch_y - GAP_Y + MARGIN
    for x, y in positions:
        width, height = max(width, x + BLOCK_W + MARGIN), max(height, y + BLOCK_H + MARGIN)
    return GraphLayout(positions, routes, (width, height), column, rank)


def _elbow(start: tuple, end: tuple) -> list:
    mid = (start[1] + end[1]) / 2
    if abs(start[0] - end[0]) < 0.5:
        return [start, end]
    return [start, (start[0], mid), (end[0], mid), end]


def _route(s, d, start, end, rank, column, taken, pitch_x, pitch_y, left, lanes, stagger=0.0) -> list:
    below = MARGIN + rank[s] * pitch_y + BLOCK_H + GAP_Y / 2 - stagger / 2  # the gap under the source's row
    above = MARGIN + rank[d] * pitch_y - GAP_Y / 2 + stagger / 2            # the gap over the target's row
    if rank[d] == rank[s] + 1:
        if abs(start[0] - end[0]) < 0.5:
            return [start, end]
        return [start, (start[0], below), (end[0], below), end]
    same = column[s] == column[d]
    if same and all((r, column[s]) not in taken for r in range(rank[s] + 1, rank[d])) \
            and abs(start[0] - end[0]) < 0.5:
        return [start, end]  # nothing in between: straight down
    if same and column[s] == 0:
        base = left - GAP_X / 4          # left of the spine
    else:
        base = left + max(column[s], column[d]) * pitch_x + BLOCK_W + GAP_X / 2
    lane = _free_lane(lanes, base, below, above)
    return [start, (start[0], below), (lane, below), (lane, above), (end[0], above), end]


def _free_lane(lanes: dict, base: float, y0: float, y1: float) -> float:
    """The lane nearest the middle of a gap (``base``, then 7 units either side, ...) whose run
    from y0 to y1 overlaps no other's."""
    for k in range(7):
        x = base + LANE_STEP * ((k + 1) // 2) * (1 if k % 2 else -1)
        runs = lanes.setdefault(round(x, 1), [])
        if all(y1 <= a or y0 >= b for a, b in runs):
            runs.append((y0, y1))
            return x
    return base


def crosses_block(points: list, rect: tuple) -> bool:
    """True when the polyline ``points`` passes through the inside of ``rect`` (x, y, w, h)
    (for tests: an edge touching a block's border where it ends does not count)."""
    x, y, w, h = rect
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if abs(ax - bx) < 1e-6:  # vertical
            if x + 1 < ax < x + w - 1 and max(min(ay, by), y + 1) < min(max(ay, by), y + h - 1):
                return True
        elif abs(ay - by) < 1e-6:  # horizontal
            if y + 1 < ay < y + h - 1 and max(min(ax, bx), x + 1) < min(max(ax, bx), x + w - 1):
                return True
    return False
