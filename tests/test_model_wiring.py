"""Edge edits on the document (designer/model/wiring.py): connect, disconnect, insert on an edge,
remove and paste keep every reference meaning the same layer, refuse loops and shapes that do not
fit with one sentence, and leave a merge whose input was deleted red instead of rewiring it."""
from __future__ import annotations

import pytest

from designer.model import Layer, Network, infer, load_template, to_json
from designer.model import wiring
from designer.model.graph import Missing, sources


def net(*types, **first):
    layers = [Layer.make("input", width=8, height=8, depth=4)]
    for t in types:
        cfg = {"filters": 4, "padding": 1} if t == "conv" else {}
        layers.append(Layer.make(t, **cfg))
    return Network(layers)


def apply(network, edit):
    network.apply(edit)
    return sources(network.layers)


def test_connect_a_shortcut_into_an_add_and_undo_by_applying_the_edit_backwards():
    n = net("conv", "relu", "add")
    edit = wiring.connect(n.layers, n[0].uid, n[3].uid)
    srcs = apply(n, edit)
    assert srcs == [[], [0], [1], [2, 0]]
    assert not infer(n.layers).error_count
    written = to_json(n)["layers"]
    assert n[0].id and written[3]["inputs"] == [n[2].id, n[0].id] and written[0]["id"] == n[0].id
    assert [(layer.uid, len(before), len(after)) for layer, before, after in edit.sources] == [(n[3].uid, 1, 2)]
    n.apply(edit.inverse())
    assert sources(n.layers) == [[], [0], [1], [2]] and "inputs" not in to_json(n)["layers"][3] and n[0].id is None


def test_a_loop_is_refused_with_one_sentence():
    n = net("conv", "relu", "conv")
    with pytest.raises(wiring.WiringError) as e:
        wiring.connect(n.layers, n[3].uid, n[1].uid)
    assert "loop" in str(e.value) and str(e.value).count(".") == 1
    with pytest.raises(wiring.WiringError):
        wiring.connect(n.layers, n[1].uid, n[1].uid)


def test_shapes_an_add_cannot_take_are_refused():
    n = net("conv", "pool", "add")  # the pool halves the maps: 4x4x4 vs the input's 8x8x4
    with pytest.raises(wiring.WiringError) as e:
        wiring.connect(n.layers, n[0].uid, n[3].uid)
    assert "8×8×4" in str(e.value) and "4×4×4" in str(e.value)


def test_connecting_a_later_layer_reorders_the_list_to_keep_it_topological():
    n = net("conv", "add", "conv")  # the second conv is to be the shortcut of the add
    conv, add = n[3], n[2]
    apply(n, wiring.connect(n.layers, n[0].uid, conv.uid))
    srcs = apply(n, wiring.connect(n.layers, conv.uid, add.uid))
    assert [l.uid for l in n.layers] == [n[0].uid, n[1].uid, conv.uid, add.uid]
    assert srcs == [[], [0], [0], [1, 2]]


def test_disconnect_leaves_the_reader_red_and_insert_on_an_edge():
    n = net("conv", "relu")
    with pytest.raises(wiring.WiringError) as e:  # a file cannot say "reads nothing"
        wiring.disconnect(n.layers, n[1].uid, n[2].uid)
    assert "would read nothing" in str(e.value)
    n = net("conv", "relu", "add")
    apply(n, wiring.connect(n.layers, n[0].uid, n[3].uid, slot=0))
    assert sources(n.layers)[3] == [0, 2]
    apply(n, wiring.disconnect(n.layers, n[0].uid, n[3].uid))
    assert sources(n.layers)[3] == [2] and infer(n.layers).layers[3].errors  # an add of one: red
    n = net("conv", "relu")
    bn = Layer.make("batchnorm")
    srcs = apply(n, wiring.insert_on_edge(n.layers, n[1].uid, n[2].uid, [bn]))
    assert [l.type for l in n.layers] == ["input", "conv", "batchnorm", "relu"] and srcs == [[], [0], [1], [2]]


def test_removing_a_layer_that_feeds_a_merge_leaves_the_merge_red_and_says_why():
    n = load_template("inception")
    b2 = next(l for l in n.layers if l.id == "b2")
    concat = n.layers[-1]
    n.apply(wiring.remove(n.layers, [b2.uid]))
    report = infer(n.layers)
    assert n.layers[-1] is concat and to_json(n)["layers"][-1]["inputs"] == ["b1", "b2", "b3", "b4"]
    assert concat.sources[1] == Missing("b2")
    assert any('"b2"' in e for e in report.layers[-1].errors)
    # connecting another layer to the concat fills the hole where b2 was
    relu5 = n.layers[5]
    n.apply(wiring.connect(n.layers, relu5.uid, concat.uid))
    assert sources(n.layers)[-1] == [2, 5, 9, 12] and not infer(n.layers).error_count
    assert wiring.broken_reference(n.layers) == ""
    # the one-input layer after a removed one reads what it read: conv 5x5 reduce's relu still
    # reads its own branch, not another one
    n = load_template("inception")
    reduce_ = n.layers[3]
    n.apply(wiring.remove(n.layers, [reduce_.uid]))
    assert sources(n.layers)[3] == [0]


def test_references_mean_the_same_layers_after_a_removal_elsewhere():
    n = load_template("resnet20")
    before = {l.uid: [n.layers[s].uid for s in ss] for l, ss in zip(n.layers, sources(n.layers))}
    victim = n.layers[5]  # a batchnorm inside the first block: its relu closes up on the conv
    n.apply(wiring.remove(n.layers, [victim.uid]))
    after = {l.uid: [n.layers[s].uid for s in ss] for l, ss in zip(n.layers, sources(n.layers))}
    for uid, reads in after.items():
        expected = [n.layers[4].uid if r == victim.uid else r for r in before[uid]]
        assert reads == expected
    assert not infer(n.layers).error_count


def test_pasted_copies_keep_their_inner_edges_and_read_the_layer_before():
    n = load_template("resnet20")
    block = n.layers[4:11]  # conv bn relu conv bn add relu: the add reads the stem from outside
    copies = wiring.copies(n.layers, [layer.uid for layer in block])
    at = 11
    n.apply(wiring.add_layers(n.layers, at, copies))
    srcs = sources(n.layers)
    assert [l.type for l in n.layers[at:at + 7]] == [l.type for l in block]
    add = at + 5
    assert srcs[add] == [at + 4, at - 1]  # its own bn, and the layer before the copy (the shortcut)
    assert len({l.id for l in n.layers if l.id}) == len([l for l in n.layers if l.id])  # ids unique
    assert not infer(n.layers).error_count


def test_a_residual_connection_with_a_projection_where_the_shapes_differ():
    n = net("conv", "pool", "relu")
    proj = Layer.make("conv", filters=4, kernel=1, stride=2)
    add = Layer.make("add")
    n.apply(wiring.residual(n.layers, n[1].uid, n[2].uid, add, proj))
    assert [l.type for l in n.layers] == ["input", "conv", "pool", "conv", "add", "relu"]
    assert sources(n.layers) == [[], [0], [1], [0], [2, 3], [4]]
    assert not infer(n.layers).error_count


def _edges(layers) -> set:
    """The graph as (reader uid, source uid) pairs: what must not change unless an edit says so."""
    return {(layers[d].uid, layers[s].uid) for d, ss in enumerate(sources(layers)) for s in ss}


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["connect", "disconnect", "insert", "remove"]),
                          st.integers(0, 10 ** 6), st.integers(0, 10 ** 6)), min_size=1, max_size=12))
def test_random_edits_change_exactly_the_edges_they_name_and_always_save(edits):
    from designer.model import dumps, loads
    n = load_template("resnet20")
    for op, a, b in edits:
        layers = n.layers
        before = _edges(layers)
        src, dst = layers[a % len(layers)], layers[b % len(layers)]
        try:
            if op == "connect":
                new = wiring.connect(layers, src.uid, dst.uid)
            elif op == "disconnect":
                new = wiring.disconnect(layers, src.uid, dst.uid)
            elif op == "insert":
                new = wiring.insert_on_edge(layers, src.uid, dst.uid, [Layer.make("relu")])
            else:
                if dst.type == "input":
                    continue
                new = wiring.remove(layers, [dst.uid])
        except wiring.WiringError:
            continue
        n.apply(new)
        after = _edges(n.layers)
        if op == "connect":
            from designer.model.catalogue import KINDS
            expected = {e for e in before if not (e[0] == dst.uid and not KINDS[dst.type].is_merge)}
            assert after == expected | {(dst.uid, src.uid)}
        elif op == "disconnect":
            assert after == before - {(dst.uid, src.uid)}
        elif op == "insert":
            new_uid = next(layer.uid for layer in n.layers if layer.uid not in {x.uid for x in layers})
            assert after == (before - {(dst.uid, src.uid)}) | {(new_uid, src.uid), (dst.uid, new_uid)}
        else:  # the removed layer's edges go; its one-input readers read what it read
            kept = {e for e in before if dst.uid not in e}
            assert kept <= after
        # the list stays in topological order and the file reads back as the same graph
        assert all(s < d for d, ss in enumerate(sources(n.layers)) for s in ss)
        again = loads(dumps(n)) if not any(
            "no layer has the id" in e for info in infer(n.layers).layers for e in info.errors) else n
        assert _shape_of(again) == _shape_of(n)


def _shape_of(network) -> list:
    return [(layer.type, sorted(srcs)) for layer, srcs in zip(network.layers, sources(network.layers))]


def test_a_fresh_id_never_takes_the_id_a_deleted_layers_readers_still_name():
    # Found by the random edits: deleting an add left its reader naming "add1"; a later edit gave
    # another add the fresh id "add1", and the reader then read a layer after itself.
    n = load_template("resnet20")
    layers = n.layers
    gone = next(i for i, layer in enumerate(layers) if layer.type == "add" and layer.id is None)
    n.apply(wiring.remove(layers, [layers[gone].uid]))
    dangling = {s.name for layer in n.layers for s in layer.sources if isinstance(s, Missing)} - {
        layer.id for layer in n.layers}
    assert dangling, "the add's reader keeps naming the deleted layer"
    layers = n.layers
    other_add = next(layer for layer in layers if layer.type == "add" and layer.id is None)
    n.apply(wiring.connect(layers, other_add.uid, layers[1].uid))
    assert all(s < d for d, ss in enumerate(sources(n.layers)) for s in ss)
    assert not {layer.id for layer in n.layers} & dangling
    errors = [e for info in infer(n.layers).layers for e in info.errors]
    assert errors and all("no layer has the id" in e for e in errors)
