"""The training loop takes its names from where they are defined and imports at the top."""
from __future__ import annotations

import ast
from pathlib import Path

from designer.engine import losses, settings, training


def test_training_uses_the_losses_modules_names():
    assert settings.SETTING["loss"].choices is losses.LOSSES  # TrainConfig checks the loss through it
    assert training.SIGNED_OUTPUTS is losses.SIGNED_OUTPUTS
    source = Path(training.__file__).read_text(encoding="utf-8")
    assert '("sign", "tanh")' not in source and '("cross_entropy", "mse")' not in source


def test_training_has_no_function_level_imports():
    tree = ast.parse(Path(training.__file__).read_text(encoding="utf-8"))
    inner = [node.lineno for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(fn) if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert inner == []


def test_checkpoint_and_training_import_no_cycle():
    """checkpoint.py checks a saved config through the settings schema, not through training.py."""
    import designer.engine.checkpoint as ckpt
    tree = ast.parse(Path(ckpt.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "training" not in imported and "designer.engine.training" not in imported
