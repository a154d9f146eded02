"""Text that is not valid Unicode or not printable. Every string of a model
file (a layer's name, the network's name, an id, a key) holding a control character, a line
separator or a lone surrogate is refused on load in one sentence that names its JSON path and the
character's code; any other name, however odd, gives files that parse in their format (SVG as
XML, the PyTorch module as Python, the ONNX model by onnx's checker)."""
from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET

import pytest

from designer.cli import shown
from hostile_support import refused, run_within

BAD = ["\x1b[31m", "\x07", "a\rb", "a\nb", "\x00", "\x7f", "\x85", "\u2028", "\ud800", "x\udfff", "\t"]
ODD = ['"', "'", '"""', "\\", "<b>&amp;</b>", "]]>", "é漢字🙂", "\u202eRTL", "a\u200bb", "# comment",
       "{x}", "%s", " leading and trailing "]


def _model(name=None, net_name="n", ident=None, key=None) -> str:
    dense = {"type": "dense", "units": 3}
    if name is not None:
        dense["name"] = name
    if ident is not None:
        dense["id"] = ident
    first = {"type": "input", "features": 2}
    if key is not None:
        first["ui"] = {key: 1}
    data = {"format": "nn-designer", "version": 2 if ident else 1, "name": net_name,
            "layers": [first, dense, {"type": "softmax"}]}
    return json.dumps(data)  # ensure_ascii: a lone surrogate is written as \\ud800, as an attacker would


@pytest.mark.parametrize("bad", BAD, ids=[repr(b) for b in BAD])
def test_a_name_with_a_control_character_or_a_surrogate_is_refused_on_load(capsys, tmp_path, monkeypatch, bad):
    monkeypatch.chdir(tmp_path)
    cases = {"layers[1].name": _model(name=f"conv{bad}"), "name": _model(net_name=bad),
             "layers[1].id": _model(ident=f"id{bad}"), "layers[0].ui": _model(key=bad)}
    for where, text in cases.items():
        (tmp_path / "m.json").write_text(text)
        for argv in (["summary", "m.json"], ["render", "m.json", "-o", "m.svg"],
                     ["export", "m.json", "--to", "pytorch", "-o", "m.py"], ["explain", "m.json", "1"]):
            line = refused(capsys, *argv)
            assert where in line and "U+" in line, (where, line)
            assert line.isprintable(), line  # the character itself never reaches the terminal
        assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_a_file_name_with_escapes_is_shown_escaped(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("\x1b[2Jm.json", "bell\x07.json", "cr\r.json"):
        line = refused(capsys, "summary", name)
        assert line.isprintable() and "no such file" in line, repr(line)
    assert shown("a\x1b\ud800\u2028b") == "a\\x1b\\ud800\\u2028b"


@pytest.mark.slow
def test_any_other_name_gives_files_that_parse(capsys, tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    monkeypatch.chdir(tmp_path)
    for i, odd in enumerate(ODD):
        (tmp_path / "m.json").write_text(_model(name=odd, net_name=odd))
        code, out, err, _ = run_within(capsys, "summary", "m.json")
        assert code == 0 and out.isprintable() or "\n" in out, err
        for argv in (["render", "m.json", "-o", f"m{i}.svg"], ["export", "m.json", "--to", "pytorch", "-o", f"m{i}.py"],
                     ["export", "m.json", "--to", "onnx", "-o", f"m{i}.onnx"]):
            code, out, err, _ = run_within(capsys, *argv)
            assert code == 0, (odd, argv, err)
        ET.parse(tmp_path / f"m{i}.svg")
        ast.parse((tmp_path / f"m{i}.py").read_text(encoding="utf-8"))
        onnx.checker.check_model(onnx.load(str(tmp_path / f"m{i}.onnx")))
