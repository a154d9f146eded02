"""File ▸ Open takes an ONNX model: it opens as an unsaved design whose weights the Train mode
holds (so Train, Learn and the exports use them); a model it cannot import is one sentence in a
dialog and the open document stays."""
from __future__ import annotations

import numpy as np
import pytest
from ui_support import dialog_log, window  # noqa: F401  (fixtures)

pytest.importorskip("onnx")


@pytest.fixture
def lenet_onnx(tmp_path):
    from designer.export import export_network
    from designer.model import load_template
    from designer.model.weights import expected_arrays
    network = load_template("lenet5")
    rng = np.random.default_rng(0)
    arrays = {k: rng.normal(0, 0.1, s).astype(np.float32) for k, s in expected_arrays(network).items()}
    path = tmp_path / "lenet.onnx"
    export_network(network, "onnx", path, arrays=arrays)
    return path, arrays


def test_open_imports_an_onnx_model_with_its_weights(window, dialog_log, lenet_onnx):  # noqa: F811
    path, arrays = lenet_onnx
    dialog_log.open_name = str(path)
    assert window.files.open_dialog()
    assert dialog_log.warnings == []
    assert [layer.type for layer in window.network.layers][:3] == ["input", "conv", "relu"]
    assert window.files.path is None and window.files.modified  # unsaved: Save asks for a name
    assert "lenet.onnx (imported)" in window.windowTitle()
    held = window.weights.loaded  # the window's weights: Train starts from them
    assert sorted(held) == sorted(arrays)
    assert all(np.array_equal(held[k], arrays[k]) for k in arrays)
    from designer.ui.export_actions import Exporter
    assert Exporter(window).weights()[0] is held  # the exports use them
    window.set_mode("Train")  # built after the import: it starts from the imported weights
    assert window.train_mode.start_weights is held


def test_an_onnx_model_that_cannot_be_imported_leaves_the_document(window, dialog_log, tmp_path):  # noqa: F811
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model at all")
    before = [layer.type for layer in window.network.layers]
    assert not window.files.open_path(bad)
    assert len(dialog_log.warnings) == 1 and "bad.onnx" in dialog_log.warnings[0]
    assert [layer.type for layer in window.network.layers] == before
