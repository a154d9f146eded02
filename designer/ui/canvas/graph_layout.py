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


def bands_of(sources: list, rank: list, max_rows: Optional[int]) -> list:
    """The first rank of each band. A long network is cut into bands set side by side (as a
    chain wraps into rows), each at most ``max_rows`` rows deep where it can be: a cut goes only
    where a single edge crosses it (between a residual block's add and its relu, say)."""
    top = max(rank, default=0)
    if not max_rows or top + 1 <= max_rows:
        return [0]
    crossing = [0] * (top + 1)  # edges crossing the cut below rank r
    for d, srcs in enumerate(sources):
        for s in srcs:
            for r in range(rank[s], rank[d]):
                crossing[r] += 1
    cuts = [r for r in range(top) if crossing[r] == 1]
    starts = [0]
    while True:
        begin = starts[-1]
        fits = [r for r in cuts if begin <= r < begin + max_rows - 1 + 1 and r < top]
        later = [r for r in cuts if r >= begin]
        if top - begin + 1 <= max_rows or not later:
            return starts
        cut = fits[-1] if fits else later[0]
        starts.append(cut + 1)


def layered(sources: list, fixed: Optional[dict] = None, max_rows: Optional[int] = None) -> GraphLayout:
    """The layout of nodes ``0..n-1`` (topological order) where node i reads ``sources[i]``;
    ``fixed`` maps a node to the (x, y) the user put it at; ``max_rows``: wrap into bands about
    that deep (None: one band)."""
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
    starts = bands_of(sources, rank, max_rows)
    band_of = [0] * (max(rank, default=0) + 1)
    for b, first in enumerate(starts):
        for r in range(first, len(band_of)):
            band_of[r] = b
    band_cols = [1] * len(starts)
    for i in range(n):
        b = band_of[rank[i]]
        band_cols[b] = max(band_cols[b], column[i] + 1)
    left = [MARGIN + GAP_X / 2]  # each band has room on its left for the spine's shortcut lane
    for b in range(1, len(starts)):
        left.append(left[-1] + band_cols[b - 1] * pitch_x + GAP_X / 2)
    band = _Bands(starts, band_of, left, pitch_x, pitch_y)
    grid = [(left[band_of[rank[i]]] + column[i] * pitch_x, band.row_y(rank[i])) for i in range(n)]
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
            routes[(s, d)] = _route(s, d, start, end, rank, column, taken, band, lanes, stagger)
    width = left[-1] + band_cols[-1] * pitch_x - GAP_X + MARGIN + GAP_X / 2
    rows = max(min(starts[b + 1] if b + 1 < len(starts) else len(band_of), len(band_of)) - starts[b]
               for b in range(len(starts)))
    height = MARGIN + rows * pitch_y - GAP_Y + MARGIN
    for x, y in positions:
        width, height = max(width, x + BLOCK_W + MARGIN), max(height, y + BLOCK_H + MARGIN)
    return GraphLayout(positions, routes, (width, height), column, rank)


class _Bands:
    def __init__(self, starts, band_of, left, pitch_x, pitch_y):
        self.starts, self.band_of, self.left = starts, band_of, left
        self.pitch_x, self.pitch_y = pitch_x, pitch_y

    def row_y(self, r: int) -> float:
        return MARGIN + (r - self.starts[self.band_of[r]]) * self.pitch_y

    def lane_right(self, r: int, col: int) -> float:
        """The middle of the gap right of column ``col`` in rank ``r``'s band."""
        return self.left[self.band_of[r]] + col * self.pitch_x + BLOCK_W + GAP_X / 2


def _elbow(start: tuple, end: tuple) -> list:
    mid = (start[1] + end[1]) / 2
    if abs(start[0] - end[0]) < 0.5:
        return [start, end]
    return [start, (start[0], mid), (end[0], mid), end]


def _route(s, d, start, end, rank, column, taken, band: _Bands, lanes, stagger=0.0) -> list:
    below = band.row_y(rank[s]) + BLOCK_H + GAP_Y / 2 - stagger / 2  # the gap under the source's row
    above = band.row_y(rank[d]) - GAP_Y / 2 + stagger / 2            # the gap over the target's row
    if band.band_of[rank[s]] != band.band_of[rank[d]]:
        # to the next band: along the gap under the source, up between the bands, along the
        # top margin, down into the target (the only edge that crosses this cut)
        between = band.left[band.band_of[rank[d]]] - GAP_X * 0.75
        top = MARGIN / 2
        return [start, (start[0], below), (between, below), (between, top), (end[0], top), end]
    if rank[d] == rank[s] + 1:
        if abs(start[0] - end[0]) < 0.5:
            return [start, end]
        return [start, (start[0], below), (end[0], below), end]
    same = column[s] == column[d]
    if same and all((r, column[s]) not in taken for r in range(rank[s] + 1, rank[d])) \
            and abs(start[0] - end[0]) < 0.5:
        return [start, end]  # nothing in between: straight down
    if same and column[s] == 0:
        base = band.left[band.band_of[rank[s]]] - GAP_X / 4          # left of the spine
    else:
        base = band.lane_right(rank[s], max(column[s], column[d]))
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
