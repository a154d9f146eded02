"""The export package imports its writers (``pytorch``, ``onnx``) and they import only
``export.common``, never the package: no module of designer.export reaches itself through its
imports (the cycle export/__init__ <-> pytorch/onnx is broken)."""
from __future__ import annotations

import pytest


def test_the_export_modules_import_each_other_one_way():
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("designer")
    modules = sorted(m for m in graph.modules if m == "designer.export" or m.startswith("designer.export."))
    assert {"designer.export", "designer.export.common", "designer.export.pytorch",
            "designer.export.onnx"} <= set(modules)
    assert graph.chain_exists("designer.export", "designer.export.pytorch")
    cycles = [(a, b) for a in modules for b in modules
              if a < b and graph.chain_exists(a, b) and graph.chain_exists(b, a)]
    assert cycles == []
