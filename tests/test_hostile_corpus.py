"""A slice of the hostile corpus (tools/hostile_corpus.py), run as real processes: every case of
these classes is a clean refusal or a success, with no traceback, hang, death by signal or loss."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "hostile_corpus.py"


def _tool():
    spec = importlib.util.spec_from_file_location("hostile_corpus", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_a_slice_of_the_hostile_corpus_is_refused_cleanly():
    tool = _tool()
    said = []
    table = tool.run_classes(["render", "large", "special"], say=said.append)
    assert all(sum(c.values()) > 0 for c in table.values()), table
    bad = {name: {k: c[k] for k in ("traceback", "hang", "signal", "loss") if c[k]} for name, c in table.items()}
    assert not any(bad.values()), (bad, said)


def test_the_table_has_the_issue_s_columns():
    tool = _tool()
    text = tool.format_table({"names": dict.fromkeys(tool.COLUMNS, 0) | {"refusal": 3}})
    head, _, row = text.splitlines()
    for column in ("class", "cases", "clean refusals", "successes", "tracebacks", "hangs", "losses"):
        assert column in head
    assert row.split()[:3] == ["names", "3", "3"]
