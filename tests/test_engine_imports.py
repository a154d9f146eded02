"""The training loop takes its names from where they are defined and imports at the top."""
from __future__ import annotations

import ast
from pathlib import Path

from designer.engine import losses, training


def test_training_uses_the_losses_modules_names():
    assert training.LOSSES is losses.LOSSES
    assert training.SIGNED_OUTPUTS is losses.SIGNED_OUTPUTS
    source = Path(training.__file__).read_text(encoding="utf-8")
    assert '("sign", "tanh")' not in source and '("cross_entropy", "mse")' not in source


def test_training_has_no_function_level_imports():
    tree = ast.parse(Path(training.__file__).read_text(encoding="utf-8"))
    inner = [node.lineno for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert inner == []
