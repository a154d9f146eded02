"""Where blocks go: the pipeline wraps into rows like text (left to right, then the next row), so
that a 24-layer AlexNet and a 200-layer pipeline both stay readable. Pure arithmetic, no Qt.

Coordinates are scene units; ``(x, y)`` is a block's top-left corner.
"""
from __future__ import annotations

from dataclasses import dataclass

BLOCK_W = 184.0
BLOCK_H = 112.0
GAP_X = 46.0   # room for an arrow between two blocks in a row
GAP_Y = 58.0   # room for the connector from the end of a row to the start of the next
MARGIN = 30.0


@dataclass(frozen=True)
class Grid:
    columns: int

    @property
    def pitch_x(self) -> float:
        return BLOCK_W + GAP_X

    @property
    def pitch_y(self) -> float:
        return BLOCK_H + GAP_Y

    def position(self, index: int) -> tuple[float, float]:
        row, col = divmod(index, self.columns)
        return MARGIN + col * self.pitch_x, MARGIN + row * self.pitch_y

    def size(self, n: int) -> tuple[float, float]:
        """Width and height of the area ``n`` blocks take, margins included."""
        rows = max(1, -(-n // self.columns))
        cols = min(max(n, 1), self.columns)
        return 2 * MARGIN + cols * self.pitch_x - GAP_X, 2 * MARGIN + rows * self.pitch_y - GAP_Y

    def gap_index(self, x: float, y: float, n: int) -> int:
        """The insertion index (0..n) for a drop at scene point (x, y)."""
        if n == 0:
            return 0
        rows = -(-n // self.columns)
        row = int((y - MARGIN + GAP_Y / 2) // self.pitch_y)
        if row < 0:
            return 0
        if row >= rows:
            return n
        first = row * self.columns
        last = min(n, first + self.columns)
        for i in range(first, last):
            centre = self.position(i)[0] + BLOCK_W / 2
            if x < centre:
                return i
        return last

    def marker(self, gap: int, n: int, y: float | None = None) -> tuple[float, float]:
        """Top of the insertion marker for ``gap`` (a vertical bar BLOCK_H tall). A gap that
        starts a row is shown at the end of the row above when the pointer (at ``y``) is there."""
        if n == 0:
            return MARGIN - GAP_X / 2, MARGIN
        if gap < n:
            x, top = self.position(gap)
            if not (gap > 0 and gap % self.columns == 0 and y is not None and y < top - GAP_Y / 2):
                return x - GAP_X / 2, top
        x, top = self.position(gap - 1)
        return x + BLOCK_W + GAP_X / 2, top


def columns_for_width(width: float) -> int:
    """How many blocks fit side by side in ``width`` scene units (at least 3)."""
    return max(3, int((width - 2 * MARGIN + GAP_X) // (BLOCK_W + GAP_X)))


def connector(a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
    """Polyline from block a (top-left) to block b: straight along a row, or down, back and
    down again from the end of one row to the start of the next."""
    ax, ay = a
    bx, by = b
    if abs(ay - by) < 1e-6:
        return [(ax + BLOCK_W, ay + BLOCK_H / 2), (bx, by + BLOCK_H / 2)]
    mid = ay + BLOCK_H + GAP_Y / 2
    return [(ax + BLOCK_W / 2, ay + BLOCK_H), (ax + BLOCK_W / 2, mid),
            (bx + BLOCK_W / 2, mid), (bx + BLOCK_W / 2, by)]
