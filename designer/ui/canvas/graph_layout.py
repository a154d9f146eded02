"""Where the blocks go: one vertical flow for every network, chains included (Sugiyama-style
layers, top to bottom). Pure arithmetic, no Qt.

* Each block's row (rank) is the length of the longest path from the input to it, so a merge
  sits below everything it joins, and an edit changes the rows only of what it reaches.
* The spine, the longest path into the output, runs down column 0; a branch goes beside it on
  the side where it joins its merge (a concat's first input left of the spine, its later ones
  right), so the inputs of a merge arrive in their order and never cross. A merge whose
  branches lie on both sides of the spine thus sits centred below them.
* Stability: ``hints`` are the (rank, column) each node had in the drawing before the edit.
  A node keeps its column when it is free, nodes whose row did not change first, so an edit
  moves only the blocks it must: what it adds or removes and what lies below it. Column 0 is
  always at the same x (columns left of the spine are at negative x), so a branch added on the
  left moves nothing either.
* Edges run only through the gaps between rows and between columns, so none passes through a
  block: down the source's column while it is free, along the gap above the target, into the
  target; otherwise down a lane between two columns. The runs into one merge are stacked so
  that they do not overlap.
* ``max_rows`` wraps a long network into bands set side by side (only when asked: the diagram
  export). A cut goes only where a single edge crosses it.

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
RUN_STEP = 9.0  # between the stacked runs into one merge: far enough apart to follow each
PITCH_X, PITCH_Y = BLOCK_W + GAP_X, BLOCK_H + GAP_Y
X0 = MARGIN + GAP_X / 2  # column 0's x: room on its left for the spine's shortcut lane


@dataclass
class GraphLayout:
    positions: list            # (x, y) per node
    routes: dict               # (src, dst) -> [(x, y), ...] polyline, ending on dst's top
    size: tuple                # (width, height) with margins, from ``origin``
    columns: list = field(default_factory=list)
    ranks: list = field(default_factory=list)
    origin: tuple = (0.0, 0.0)  # the top-left of the drawing (x < 0 when a branch is left of the spine)

    @property
    def rect(self) -> tuple:
        return (*self.origin, *self.size)

    def hints(self) -> dict:
        """node -> (rank, column): what a later layout keeps where it can."""
        return {i: (r, c) for i, (r, c) in enumerate(zip(self.ranks, self.columns))}


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


def sides_of(sources: list, spine: list) -> list:
    """For each node off the spine, -1 when the branch it is on joins the spine before the
    spine's own input of that merge (left), else +1; 0 on the spine."""
    n = len(sources)
    on = set(spine)
    before = {spine[k + 1]: spine[k] for k in range(len(spine) - 1)}  # merge -> its spine input
    readers: list = [[] for _ in range(n)]
    for d, srcs in enumerate(sources):
        for s in srcs:
            readers[s].append(d)
    side = [0] * n
    for i in range(n - 1, -1, -1):
        if i in on:
            continue
        side[i] = 1
        for r in readers[i]:
            if r in on:
                srcs = sources[r]
                spine_in = before.get(r)
                if spine_in in srcs and srcs.index(i) < srcs.index(spine_in):
                    side[i] = -1
                break
            side[i] = side[r]
            break
    return side


def columns_of(sources: list, rank: list, hints: Optional[dict] = None) -> list:
    n = len(sources)
    hints = hints or {}
    spine = spine_of(sources, rank)
    on = set(spine)
    side = sides_of(sources, spine)
    column: list = [None] * n
    taken: set = set()

    def take(i: int, c: int, step: int) -> None:
        while (rank[i], c) in taken:
            c += step
        column[i] = c
        taken.add((rank[i], c))

    # the nodes the edit did not reach keep their place first, then the ones it moved down or up
    hinted = [i for i in range(n) if i in hints]
    for i in sorted(hinted, key=lambda i: (hints[i][0] != rank[i], i)):
        c = hints[i][1]
        if (rank[i], c) not in taken:
            column[i] = c
            taken.add((rank[i], c))
    for i in spine:
        if column[i] is None:
            take(i, 0, 1)
    for i in range(n):
        if column[i] is not None:
            continue
        step = side[i] or 1
        first = sources[i][0] if sources[i] else None
        if first is not None and first not in on and column[first] * step > 0:
            want = column[first]
        else:
            want = (column[first] if first is not None else 0) + step
        take(i, want, step)
    return column


def layered(sources: list, fixed: Optional[dict] = None, max_rows: Optional[int] = None,
            hints: Optional[dict] = None) -> GraphLayout:
    """The layout of nodes ``0..n-1`` (topological order) where node i reads ``sources[i]``;
    ``fixed`` maps a node to the (x, y) the user put it at; ``max_rows``: wrap into bands about
    that deep (None: one band); ``hints``: node -> (rank, column) of the drawing before."""
    n = len(sources)
    fixed = fixed or {}
    rank = ranks_of(sources)
    column = columns_of(sources, rank, hints)
    taken = {(rank[i], column[i]) for i in range(n)}
    band = _Bands(sources, rank, column, max_rows)
    grid = [band.position(rank[i], column[i]) for i in range(n)]
    positions = [tuple(fixed.get(i, grid[i])) for i in range(n)]
    routes = {}
    lanes: dict = {}  # lane x -> list of (y0, y1) taken, so parallel runs do not overlap
    for d in range(n):
        srcs = sources[d]
        ends = _entries(srcs, positions, d)
        runs = _run_levels(srcs, positions, ends)
        for k, s in enumerate(srcs):
            start = (positions[s][0] + BLOCK_W / 2, positions[s][1] + BLOCK_H)
            end = ends[k]
            if s in fixed or d in fixed:
                routes[(s, d)] = _elbow(start, end)
                continue
            routes[(s, d)] = _route(s, d, start, end, rank, column, taken, band, lanes, runs[k])
    xs = [x for x, _ in positions] or [X0]
    ys = [y for _, y in positions] or [MARGIN]
    left = min(0.0, min(xs) - GAP_X / 2 - MARGIN)
    top = min(0.0, min(ys) - MARGIN)
    width = max(max(xs) + BLOCK_W + MARGIN, X0 + BLOCK_W + MARGIN) - left
    height = max(max(ys) + BLOCK_H + MARGIN, MARGIN + BLOCK_H + MARGIN) - top
    return GraphLayout(positions, routes, (width, height), column, rank, (left, top))


class _Bands:
    """Rows and columns to scene units, a long network cut into bands when ``max_rows`` asks."""

    def __init__(self, sources, rank, column, max_rows):
        self.starts = bands_of(sources, rank, max_rows)
        top = max(rank, default=0)
        self.band_of = [0] * (top + 1)
        for b, first in enumerate(self.starts):
            for r in range(first, top + 1):
                self.band_of[r] = b
        lo = [0] * len(self.starts)
        hi = [0] * len(self.starts)
        for r, c in zip(rank, column):
            b = self.band_of[r]
            lo[b], hi[b] = min(lo[b], c), max(hi[b], c)
        self.lo = lo
        self.zero = [X0]  # the x of column 0 in each band: band 0's never moves
        for b in range(1, len(self.starts)):
            right = self.zero[b - 1] + hi[b - 1] * PITCH_X + BLOCK_W
            self.zero.append(right + GAP_X * 1.5 - lo[b] * PITCH_X)

    def position(self, r: int, c: int) -> tuple:
        return self.zero[self.band_of[r]] + c * PITCH_X, self.row_y(r)

    def row_y(self, r: int) -> float:
        return MARGIN + (r - self.starts[self.band_of[r]]) * PITCH_Y

    def lane_right(self, r: int, col: int) -> float:
        """The middle of the gap right of column ``col`` in rank ``r``'s band."""
        return self.zero[self.band_of[r]] + col * PITCH_X + BLOCK_W + GAP_X / 2


def bands_of(sources: list, rank: list, max_rows: Optional[int]) -> list:
    """The first rank of each band, each at most ``max_rows`` rows deep where it can be: a cut
    goes only where a single edge crosses it (between a residual block's add and its relu, say)."""
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
        fits = [r for r in cuts if begin <= r < begin + max_rows and r < top]
        later = [r for r in cuts if r >= begin]
        if top - begin + 1 <= max_rows or not later:
            return starts
        cut = fits[-1] if fits else later[0]
        starts.append(cut + 1)


def _entries(srcs: list, positions: list, d: int) -> list:
    """Where each input enters the top of node ``d``: spread along it in the order of the
    sources' x (left to right), so that the runs into a merge do not cross."""
    if not srcs:
        return []
    x, y = positions[d]
    order = sorted(range(len(srcs)), key=lambda k: (positions[srcs[k]][0], k))
    ends: list = [None] * len(srcs)
    for place, k in enumerate(order):
        ends[k] = (x + BLOCK_W * (place + 1) / (len(srcs) + 1), y)
    return ends


def _run_levels(srcs: list, positions: list, ends: list) -> list:
    """How far above the target each input's horizontal run goes (0: nearest): of the runs going
    left, the one ending further right runs nearer the target, and the other way round for the
    runs going right, so that no run crosses another input's last leg."""
    levels = [0] * len(srcs)
    left = sorted((k for k in range(len(srcs)) if positions[srcs[k]][0] + BLOCK_W / 2 > ends[k][0] + 0.5),
                  key=lambda k: -ends[k][0])
    right = sorted((k for k in range(len(srcs)) if positions[srcs[k]][0] + BLOCK_W / 2 < ends[k][0] - 0.5),
                   key=lambda k: ends[k][0])
    for group in (left, right):
        for level, k in enumerate(group):
            levels[k] = level
    return levels


def _elbow(start: tuple, end: tuple) -> list:
    mid = (start[1] + end[1]) / 2
    if abs(start[0] - end[0]) < 0.5:
        return [start, end]
    return [start, (start[0], mid), (end[0], mid), end]


def _route(s, d, start, end, rank, column, taken, band: _Bands, lanes, level=0) -> list:
    # the gap over the target's row, its runs stacked from near the target upwards
    above = band.row_y(rank[d]) - GAP_Y / 4 - min(level, 3) * RUN_STEP
    below = band.row_y(rank[s]) + BLOCK_H + GAP_Y / 4  # the gap under the source's row
    straight = abs(start[0] - end[0]) < 0.5
    if band.band_of[rank[s]] != band.band_of[rank[d]]:
        # to the next band: along the gap under the source, up between the bands, along the
        # top margin, down into the target (the only edge that crosses this cut)
        b = band.band_of[rank[d]]
        between = band.zero[b] + band.lo[b] * PITCH_X - GAP_X * 0.75
        top = MARGIN / 2
        return [start, (start[0], below), (between, below), (between, top), (end[0], top), end]
    between = range(rank[s] + 1, rank[d])
    if all((r, column[s]) not in taken for r in between):
        # nothing under the source down to the target's row: down its own column
        if straight:
            return [start, end]
        return [start, (start[0], above), (end[0], above), end]
    if all((r, column[d]) not in taken for r in between):
        return [start, (start[0], below), (end[0], below), end]
    if column[s] == column[d] == 0:
        base = band.zero[band.band_of[rank[s]]] - GAP_X / 2 + LANE_STEP  # left of the spine
    elif column[d] < column[s]:
        base = band.lane_right(rank[s], column[s] - 1)  # the gap on the source's left
    else:
        base = band.lane_right(rank[s], column[s])
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
