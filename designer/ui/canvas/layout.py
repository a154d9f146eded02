"""The canvas's block size and margins, and the gaps of a chain drawn as one column (the
layered flow of graph_layout.py, where a chain's block ``i`` is in row ``i``): where a layer
dropped at a point goes, and where the insertion marker stands. Pure arithmetic, no Qt.

Coordinates are scene units; ``(x, y)`` is a block's top-left corner.
"""
from __future__ import annotations

BLOCK_W = 184.0
BLOCK_H = 112.0
MARGIN = 30.0


def gap_index(y: float, tops: list) -> int:
    """The insertion index (0..n) for a drop at height ``y`` on a chain whose blocks' tops are
    ``tops`` (top to bottom): before the first block whose middle is below the pointer."""
    for i, top in enumerate(tops):
        if y < top + BLOCK_H / 2:
            return i
    return len(tops)


def marker_y(gap: int, tops: list, gap_y: float) -> float:
    """The height of the insertion marker (a horizontal bar) for ``gap``: in the middle of the
    gap between two rows, above the first block, or under the last."""
    if not tops:
        return MARGIN - gap_y / 4
    if gap < len(tops):
        return tops[gap] - gap_y / 2 if gap else tops[0] - min(gap_y / 2, MARGIN / 2)
    return tops[-1] + BLOCK_H + gap_y / 2
