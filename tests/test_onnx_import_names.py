"""An ONNX model whose node, tensor or graph names hold characters the model format refuses in a
name (control characters, line separators) imports with those characters escaped (\\x1b,
\\n, \\u2028), rather than being refused for a label; the design it gives
saves and loads, and its SVG picture parses."""
from __future__ import annotations

import json
import xml.dom.minidom

import pytest

from branched_nets import RESIDUAL
from designer.model import loads, save

onnx = pytest.importorskip("onnx")

BAD = ["\x1b[31m", "\x07", "\r\n", "\u2028", "\u2029", "\x00", "\x85", "\x7f", "\t"]  # (ONNX strings are UTF-8: no lone surrogate)
MLP = {"format": "nn-designer", "version": 1, "name": "mlp", "layers": [
    {"type": "input", "features": 3}, {"type": "dense", "units": 4, "name": "hidden"}, {"type": "relu"},
    {"type": "dense", "units": 2}, {"type": "softmax"}]}


def _exported(tmp_path, spec, name):
    from designer.export import export_network
    network = loads(json.dumps(spec))
    path = tmp_path / f"{name}.onnx"
    export_network(network, "onnx", path)
    return path


def _renamed(path, out, bad, tensors):
    """Every node (and, with ``tensors``, every inner tensor) and the graph renamed to hold ``bad``."""
    m = onnx.load(str(path))
    g = m.graph
    for i, n in enumerate(g.node):
        n.name = f"n{bad}{i}/block"
    g.name = f"net{bad}"
    if tensors:
        keep = {v.name for v in g.input} | {v.name for v in g.output} | {t.name for t in g.initializer}
        new = {o: f"t{bad}{i}" for i, n in enumerate(g.node) for o in n.output if o not in keep}
        for n in g.node:
            n.input[:] = [new.get(x, x) for x in n.input]
            n.output[:] = [new.get(x, x) for x in n.output]
        for v in g.value_info:
            v.name = new.get(v.name, v.name)
    onnx.save(m, str(out))
    return out


@pytest.mark.parametrize("spec", [MLP, RESIDUAL], ids=["chain", "residual"])
def test_names_with_refused_characters_import_escaped(tmp_path, spec):
    from designer.model.jsonio import text_problem
    from designer.onnx_import import import_onnx
    source = _exported(tmp_path, spec, "plain")
    for k, bad in enumerate(BAD):
        path = _renamed(source, tmp_path / f"bad{k}.onnx", bad, tensors=k % 2 == 0)
        imported = import_onnx(path)
        network = imported.network
        escaped = bad.encode("unicode_escape", "backslashreplace").decode("ascii")
        names = [layer.name for layer in network.layers if layer.name]
        assert names and all(escaped in name for name in names), (bad, names)
        texts = [network.name, *names, *(layer.id for layer in network.layers if layer.id)]
        assert all(text_problem(t) is None for t in texts), (bad, texts)
        save(network, tmp_path / f"bad{k}.json")
        again = loads((tmp_path / f"bad{k}.json").read_text(encoding="utf-8"))
        assert [layer.name for layer in again.layers] == [layer.name for layer in network.layers]


def test_the_cli_imports_and_renders_such_a_model(tmp_path, capsys):
    from designer.cli import main
    path = _renamed(_exported(tmp_path, MLP, "plain"), tmp_path / "bad.onnx", "\x1b]0;title\x07\n", tensors=True)
    assert main(["import", str(path), "-o", str(tmp_path / "m.json")]) == 0
    assert main(["render", str(tmp_path / "m.json"), "-o", str(tmp_path / "m.svg")]) == 0
    xml.dom.minidom.parse(str(tmp_path / "m.svg"))  # well-formed whatever the names held
    assert "\x1b" not in capsys.readouterr().out
