"""The canvas layout's arithmetic: rows that wrap, the insertion index under a point, where the
marker stands, and the connectors between rows."""
from __future__ import annotations

from designer.ui.canvas.layout import BLOCK_H, BLOCK_W, GAP_X, GAP_Y, MARGIN, Grid, columns_for_width, connector


def test_blocks_wrap_into_rows_like_text():
    grid = Grid(4)
    assert grid.position(0) == (MARGIN, MARGIN)
    assert grid.position(3) == (MARGIN + 3 * (BLOCK_W + GAP_X), MARGIN)
    assert grid.position(4) == (MARGIN, MARGIN + BLOCK_H + GAP_Y)
    w, h = grid.size(10)
    assert (w, h) == (2 * MARGIN + 4 * (BLOCK_W + GAP_X) - GAP_X, 2 * MARGIN + 3 * (BLOCK_H + GAP_Y) - GAP_Y)
    assert columns_for_width(100) == 3 and columns_for_width(2 * MARGIN + 6 * (BLOCK_W + GAP_X)) == 6


def test_the_gap_under_a_point():
    grid = Grid(4)
    n = 10
    x1, y1 = grid.position(1)
    assert grid.gap_index(x1 + 10, y1 + 10, n) == 1  # left half of block 1: before it
    assert grid.gap_index(x1 + BLOCK_W - 10, y1 + 10, n) == 2  # right half: after it
    x3, y3 = grid.position(3)
    assert grid.gap_index(x3 + BLOCK_W + 30, y3 + 10, n) == 4  # right of a row's end
    assert grid.gap_index(5, 5, n) == 0
    assert grid.gap_index(10_000, 10_000, n) == n
    x9, y9 = grid.position(9)
    assert grid.gap_index(x9 + BLOCK_W + 200, y9 + 20, n) == n
    assert grid.gap_index(123, 456, 0) == 0


def test_the_marker_stands_where_the_pointer_is():
    grid = Grid(4)
    x4, y4 = grid.position(4)
    assert grid.marker(4, 10, y4 + 10) == (x4 - GAP_X / 2, y4)  # in row 2: before block 4
    x3, y3 = grid.position(3)
    assert grid.marker(4, 10, y3 + 10) == (x3 + BLOCK_W + GAP_X / 2, y3)  # in row 1: after block 3
    x9, y9 = grid.position(9)
    assert grid.marker(10, 10) == (x9 + BLOCK_W + GAP_X / 2, y9)


def test_connectors_run_along_a_row_or_down_and_back():
    grid = Grid(4)
    along = connector(grid.position(0), grid.position(1))
    assert along == [(MARGIN + BLOCK_W, MARGIN + BLOCK_H / 2), (MARGIN + BLOCK_W + GAP_X, MARGIN + BLOCK_H / 2)]
    wrap = connector(grid.position(3), grid.position(4))
    assert len(wrap) == 4 and wrap[0][1] == MARGIN + BLOCK_H and wrap[-1] == (MARGIN + BLOCK_W / 2, grid.position(4)[1])
    assert wrap[1][1] == wrap[2][1] == MARGIN + BLOCK_H + GAP_Y / 2  # through the gap between rows
