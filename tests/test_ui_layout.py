"""The canvas's layout as a pure function from the graph to positions (no Qt): one vertical flow
for every network, chains included, and stable under edits: for each kind of edit (add and
delete a layer, add a residual, rewire an edge, collapse and expand) the blocks the edit does not
reach keep their places and every block keeps its column; dragged blocks stay put; a chain's
gaps and marker."""
from __future__ import annotations

import time

import pytest

from designer.model import Layer, load_template, wiring
from designer.model.graph import readers_of, sources
from designer.ui.canvas.collapse import contract, merge_blocks
from designer.ui.canvas.graph_layout import GAP_Y, PITCH_Y, crosses_block, layered
from designer.ui.canvas.layout import BLOCK_H, BLOCK_W, MARGIN, gap_index, marker_y


def drawn(layers, hints=None, fixed=None):
    """{uid: (x, y)} and {uid: (rank, column)} of ``layers`` laid out with ``hints`` by uid."""
    index_hints = {i: hints[layer.uid] for i, layer in enumerate(layers) if hints and layer.uid in hints}
    layout = layered(sources(layers), fixed, hints=index_hints)
    return ({layer.uid: layout.positions[i] for i, layer in enumerate(layers)},
            {layer.uid: (layout.ranks[i], layout.columns[i]) for i, layer in enumerate(layers)})


def below(layers, uids) -> set:
    """The uids of ``uids`` and every layer that reads them, directly or not."""
    readers = readers_of(sources(layers))
    todo = [i for i, layer in enumerate(layers) if layer.uid in uids]
    seen = set(todo)
    while todo:
        for r in readers[todo.pop()]:
            if r not in seen:
                seen.add(r)
                todo.append(r)
    return {layers[i].uid for i in seen}


def assert_moved_only_what_it_must(before, after, reached, sideways=False):
    """Blocks the edit does not reach keep their places; those it reaches move down or up, and
    sideways only when ``sideways`` (a layer rewired to a row its column has no room in)."""
    for uid in set(before) & set(after):
        if uid in reached:
            assert sideways or after[uid][0] == before[uid][0], uid
        else:
            assert after[uid] == before[uid], uid


def edited(name, make):
    network = load_template(name)
    before, hints = drawn(network.layers)
    edit, touched = make(network)
    network.apply(edit)
    after, _ = drawn(network.layers, hints)
    return before, after, below(network.layers, touched)


def test_a_chain_is_one_column_top_to_bottom():
    layers = load_template("lenet5").layers
    layout = layered(sources(layers))
    assert len({x for x, _ in layout.positions}) == 1
    assert [y for _, y in layout.positions] == [MARGIN + i * PITCH_Y for i in range(len(layers))]


def test_adding_a_layer_to_a_chain_moves_only_what_is_below_it():
    def make(network):
        layer = Layer.make("relu")
        return network.inserting(3, [layer]), {layer.uid}
    before, after, reached = edited("lenet5", make)
    assert_moved_only_what_it_must(before, after, reached)
    moved = [uid for uid in before if after[uid] != before[uid]]
    assert moved and all(after[uid][1] - before[uid][1] == PITCH_Y for uid in moved)  # one row down


@pytest.mark.parametrize("name, at", [("lenet5", 4), ("resnet20", 6), ("inception", 8)])
def test_deleting_a_layer_moves_only_what_is_below_it(name, at):
    def make(network):
        gone = network.layers[at]
        readers = {layer.uid for layer in network.layers if gone in layer.sources}
        return wiring.remove(network.layers, [gone.uid]), readers
    before, after, reached = edited(name, make)
    assert_moved_only_what_it_must(before, after, reached)


@pytest.mark.parametrize("name, first, last, projection", [
    ("lenet5", 1, 3, False),        # one residual made LeNet's rows wrapped columns
    ("lenet5", 4, 6, True),
    ("resnet20", 10, 15, False),
])
def test_adding_a_residual_moves_only_what_is_below_it(name, first, last, projection):
    def make(network):
        add = Layer.make("add")
        proj = Layer.make("conv", filters=8, kernel=1, bias=False) if projection else None
        a, b = network.layers[first], network.layers[last]
        new = {add.uid} | ({proj.uid} if proj else set())
        return wiring.residual(network.layers, a.uid, b.uid, add, proj), new
    before, after, reached = edited(name, make)
    assert_moved_only_what_it_must(before, after, reached)


@pytest.mark.parametrize("name, src, dst", [("inception", 2, 7), ("resnet20", 3, 11), ("inception", 4, 12)])
def test_rewiring_an_edge_moves_only_what_is_below_it(name, src, dst):
    def make(network):
        a, b = network.layers[src], network.layers[dst]
        return wiring.connect(network.layers, a.uid, b.uid), {b.uid}
    before, after, reached = edited(name, make)
    assert_moved_only_what_it_must(before, after, reached, sideways=True)
    assert sum(after[uid] != before[uid] for uid in before) <= len(reached)


@pytest.mark.parametrize("name", ["resnet20", "resnet18", "inception"])
def test_collapsing_and_expanding_move_only_what_is_below_and_come_back(name):
    layers = load_template(name).layers
    srcs = sources(layers)
    families = [layer.kind.family for layer in layers]
    group = merge_blocks(srcs, readers_of(srcs), families)[0]
    first = layered(srcs)
    hints = first.hints()
    nodes, node_sources, _ = contract(srcs, [group])
    collapsed = layered(node_sources, hints={k: hints[i] for k, i in enumerate(nodes)})
    reached = set(range(group[0], len(layers)))
    for k, i in enumerate(nodes):
        if i in reached:
            assert collapsed.positions[k][0] == first.positions[i][0]
        else:
            assert collapsed.positions[k] == first.positions[i]
    again = {i: (collapsed.ranks[k], collapsed.columns[k]) for k, i in enumerate(nodes)}
    expanded = layered(srcs, hints={i: again.get(i, hints[i]) for i in range(len(layers))})
    assert expanded.positions == first.positions


def test_a_dragged_block_stays_put_through_an_edit():
    network = load_template("resnet20")
    moved = network.layers[7]
    fixed_at = (900.0, 400.0)
    index = network.layers.index(moved)
    before, hints = drawn(network.layers, fixed={index: fixed_at})
    network.apply(network.inserting(3, [Layer.make("relu")]))
    after, _ = drawn(network.layers, hints, fixed={network.layers.index(moved): fixed_at})
    assert before[moved.uid] == after[moved.uid] == fixed_at


def _segments(points):
    return list(zip(points, points[1:]))


def _cross(a, b) -> bool:
    """Two axis-parallel segments cross (touching ends do not count)."""
    (ax0, ay0), (ax1, ay1) = a
    (bx0, by0), (bx1, by1) = b
    if (ax0 == ax1) == (bx0 == bx1):
        return False
    if ax0 == ax1:  # a vertical, b horizontal
        return min(bx0, bx1) < ax0 < max(bx0, bx1) and min(ay0, ay1) < by0 < max(ay0, ay1)
    return _cross(b, a)


def test_inceptions_concat_sits_centred_below_its_branches_with_runs_apart_and_no_crossing():
    layers = load_template("inception").layers
    srcs = sources(layers)
    layout = layered(srcs)
    concat = next(i for i, layer in enumerate(layers) if layer.type == "concat")
    xs = sorted(layout.positions[s][0] for s in srcs[concat])
    assert xs[0] < layout.positions[concat][0] < xs[-1]  # not bottom-left: between its branches
    assert layout.positions[concat][1] > max(layout.positions[s][1] for s in srcs[concat])
    routes = [layout.routes[(s, concat)] for s in srcs[concat]]
    for i, a in enumerate(routes):
        for b in routes[i + 1:]:
            assert not any(_cross(p, q) for p in _segments(a) for q in _segments(b))
    runs = sorted({round(y, 1) for r in routes for (_, y0), (_, y1) in _segments(r) if y0 == y1 for y in [y0]})
    assert all(b - a >= 8 for a, b in zip(runs, runs[1:]))  # parallel runs far enough apart to follow
    entries = [r[-1][0] for r in routes]
    assert sorted(entries) == [entries[k] for k in sorted(range(4), key=lambda k: xs.index(layout.positions[srcs[concat][k]][0]))]


def test_the_layout_of_a_long_branched_network_is_fast_and_clean():
    layers = [Layer.make("input", width=32, height=32, depth=8)]
    while len(layers) < 300:  # residual blocks: conv, relu, conv, add, relu
        fork = layers[-1]
        a = Layer.make("conv", filters=8, kernel=3, padding=1)
        b = Layer.make("relu")
        c = Layer.make("conv", filters=8, kernel=3, padding=1)
        add = Layer.make("add")
        out = Layer.make("relu")
        a.sources, b.sources, c.sources, add.sources, out.sources = [fork], [a], [b], [c, fork], [add]
        layers += [a, b, c, add, out]
    srcs = sources(layers)
    start = time.perf_counter()
    layout = layered(srcs)
    took = time.perf_counter() - start
    assert took < 0.5, took  # about 5 ms on a laptop; a keystroke's budget with room for a busy CI
    rects = [(x, y, BLOCK_W, BLOCK_H) for x, y in layout.positions]
    assert len(set(layout.positions)) == len(layers)
    for (s, d), points in list(layout.routes.items())[:60]:
        assert not any(crosses_block(points, rect) for k, rect in enumerate(rects) if k not in (s, d))


def test_a_chains_gaps_and_marker_run_down_the_column():
    tops = [MARGIN + i * PITCH_Y for i in range(4)]
    assert gap_index(0, tops) == 0
    assert gap_index(tops[1] + 10, tops) == 1           # upper half of block 1: before it
    assert gap_index(tops[1] + BLOCK_H - 10, tops) == 2  # lower half: after it
    assert gap_index(10_000, tops) == 4 and gap_index(5, []) == 0
    assert tops[0] < marker_y(1, tops, GAP_Y) < tops[1]
    assert marker_y(4, tops, GAP_Y) > tops[3] + BLOCK_H
