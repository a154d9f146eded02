"""Words that mean one thing (the glossary in docs/architecture.md): the old, overloaded names do
not come back. The file formats keep their keys: the summary's JSON rows still say "params"."""
from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

from designer.learn.backprop import Stage
from designer.model import KINDS, Change, Edit, Key, LayerInfo, LayerKind, loads
from designer.model import summary

ROOT = Path(__file__).resolve().parents[1]
OLD = "pipe" + "line"  # spelled apart so that this file does not name itself
SOURCES = [*ROOT.glob("designer/**/*.py"), *ROOT.glob("tests/*.py"), *ROOT.glob("bench/*.py"),
           *ROOT.glob("docs/*.md"), ROOT / "README.md"]


def fields(cls) -> set:
    return {f.name for f in dataclasses.fields(cls)}


def test_the_chain_only_word_is_gone():
    found = [f"{p.relative_to(ROOT)}:{i}" for p in SOURCES
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if re.search(OLD, line, re.IGNORECASE)]
    assert not found, found


def test_counts_shapes_and_arrays_have_their_own_names():
    assert {"param_count", "buffer_count", "param_count_known"} <= fields(LayerInfo)
    assert not {"params", "buffers", "params_known"} & fields(LayerInfo)
    assert {"param_shapes", "buffer_shapes"} <= fields(LayerKind)
    assert not {"params", "buffers"} & fields(LayerKind)
    conv = loads('{"format": "nn-designer", "version": 1, "layers": [{"type": "input", "width": 8, "height": 8, '
                 '"depth": 3}, {"type": "conv", "filters": 4, "kernel": 3}, {"type": "batchnorm"}]}')
    report = conv.report()
    assert [i.param_count for i in report.layers] == [0, (3 * 3 * 3 + 1) * 4, 2 * 4]
    assert [i.buffer_count for i in report.layers] == [0, 0, 2 * 4]
    assert KINDS["batchnorm"].buffer_shapes({}, [(6, 6, 4)]) == {"running_mean": (4,), "running_var": (4,)}
    # the command line's JSON keeps its key
    assert [row["params"] for row in json.loads(json.dumps(summary.to_json(conv)))["layers"]] == [0, 112, 8]


def test_kind_is_only_a_layer_kind():
    assert "what" in fields(Change) and "kind" not in fields(Change)
    assert "what" in fields(Edit) and "kind" not in fields(Edit)
    assert "value_type" in fields(Key) and "kind" not in fields(Key)
    assert "phase" in fields(Stage) and "kind" not in fields(Stage)
    assert all(isinstance(k, LayerKind) for k in KINDS.values())


def test_each_channels_first_function_has_its_own_name():
    """The model's shape reordering is array_shape, the data reader's array layout to_nchw."""
    defined = {}
    for path in ROOT.glob("designer/**/*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in ("channels_first", "array_shape", "to_nchw"):
                defined.setdefault(node.name, []).append(path.relative_to(ROOT).as_posix())
    assert "channels_first" not in defined
    assert defined["array_shape"] == ["designer/model/kind.py"]
    # the torchrun folder's train.py runs without NN Designer, so it has its own copy
    assert sorted(defined["to_nchw"]) == ["designer/engine/data/rules.py", "designer/export/torchrun_train.py"]
