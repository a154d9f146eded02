"""Files written byte for byte as before: every template and example, opened and saved, gives the
bytes in tests/saved/ (what NN Designer wrote for it before its graph held edges as objects; a
changed template needs its file there written again); a file's own spelling of its references
(ids, list indices, "the layer before") survives an open and a save, and is given up for the
one way of writing them only once an edit changes what a layer reads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer.model import Layer, Network, dumps, load, loads, save, to_json, wiring
from designer.model.document import clones
from designer.model.graph import sources
from branched_nets import INCEPTION, RESIDUAL, SHARED_RELU_INPUT

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "designer" / "model" / "templates").glob("*.json")) + sorted(
    (ROOT / "docs" / "examples").glob("*.json"))


def saved(path: Path) -> bytes:
    name = f"example-{path.name}" if path.parent.name == "examples" else path.name
    return (Path(__file__).parent / "saved" / name).read_bytes()


def test_every_shipped_file_has_its_saved_bytes():
    assert len(SHIPPED) == len(list((Path(__file__).parent / "saved").glob("*.json"))) >= 8


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_a_shipped_file_opened_and_saved_is_written_as_before(path, tmp_path):
    out = tmp_path / "m.json"
    save(load(path), out)
    assert out.read_bytes() == saved(path)
    # Written the one way (copies of the layers remember no file): the same bytes, since the
    # shipped files write every reference that way already.
    network = load(path)
    assert dumps(Network(clones(network.layers), network.name)).encode() == saved(path)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_an_edge_edit_undone_writes_the_file_as_it_was(path):
    network = load(path)
    last = network.layers[-1]
    edit = wiring.insert_on_edge(network.layers, network.layers[-2].uid, last.uid, [Layer.make("relu")])
    network.apply(edit)
    assert dumps(network).encode() != saved(path)
    network.apply(edit.inverse())
    assert dumps(network).encode() == saved(path)


@pytest.mark.parametrize("design", [RESIDUAL, INCEPTION, SHARED_RELU_INPUT], ids=lambda d: d["name"])
def test_a_files_own_references_survive_until_an_edit_changes_them(design):
    text = json.dumps(design)
    network = loads(text)
    assert to_json(network) == design  # index references ("inputs": ["c", 2]) included
    network.set_key(network[1].uid, "filters", 5)  # no edge changes: still as the file wrote it
    assert to_json(network)["layers"] == [dict(raw, filters=5) if i == 1 else raw
                                         for i, raw in enumerate(design["layers"])]
    graph = sources(network.layers)
    relu = Layer.make("relu")
    network.insert(len(network), relu)  # an edit of the edges: written the one way
    written = to_json(network)["layers"]
    assert all(isinstance(ref, str) for raw in written for ref in raw.get("inputs", []))
    assert all("inputs" not in raw for i, raw in enumerate(written[:len(graph)]) if graph[i] == [i - 1])
    assert sources(loads(dumps(network)).layers) == graph + [[len(graph) - 1]]
