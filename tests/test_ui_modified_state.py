"""A document is modified exactly when its undo stack says so: after an import
(unsaved until saved, and saying so), a recovery or an edit, the next document opened is clean,
whatever the order; a template stays clean and keeps its own weights."""
from __future__ import annotations

import json

import numpy as np
import pytest

from designer.model import load_template, to_json
from ui_support import dialog_log, drop_at_end, window  # noqa: F401


@pytest.fixture
def onnx_file(tmp_path):
    pytest.importorskip("onnx")
    from designer.export import export_network
    from designer.model.weights import expected_arrays
    network = load_template("lenet5")
    rng = np.random.default_rng(0)
    arrays = {k: rng.normal(0, 0.1, s).astype(np.float32) for k, s in expected_arrays(network).items()}
    path = tmp_path / "lenet.onnx"
    export_network(network, "onnx", path, arrays=arrays)
    return path


@pytest.fixture
def json_file(tmp_path):
    path = tmp_path / "perceptron.json"
    path.write_text(json.dumps(to_json(load_template("perceptron"))))
    return path


def state(window) -> tuple:
    """What the user sees and what the stack says, which must agree."""
    return window.isWindowModified(), window.files.modified, window.undo_stack.isClean()


def assert_clean(window, dialog_log, what: str) -> None:
    assert state(window) == (False, False, True), f"{what}: {state(window)}"
    assert not window.actions_by_name["undo"].isEnabled(), what
    asked = len(dialog_log.unsaved)
    assert window.files.maybe_save(), what          # nothing to ask about
    assert len(dialog_log.unsaved) == asked, f"{what}: asked to save a document nobody edited"


def open_import(window, path) -> None:
    assert window.files.open_path(path)
    assert state(window) == (True, True, False)        # unsaved until saved ...
    assert "(imported)" in window.windowTitle()        # ... and saying so


def test_import_then_discard_then_json_is_clean(window, dialog_log, onnx_file, json_file):  # noqa: F811
    open_import(window, onnx_file)
    dialog_log.unsaved_answer = "discard"
    assert window.files.open_path(json_file)
    assert dialog_log.unsaved == ["lenet.onnx (imported)"]
    assert_clean(window, dialog_log, "JSON after an import")
    # Every later document too, templates included.
    for name in ("lenet5", "alexnet"):
        assert window.files.new_from_template(name)
        assert_clean(window, dialog_log, f"template {name} after the JSON")
    assert window.files.new_blank()
    assert_clean(window, dialog_log, "blank after templates")


@pytest.mark.parametrize("after", ["template", "blank", "json"])
def test_any_document_after_an_import_is_clean(window, dialog_log, onnx_file, json_file, after):  # noqa: F811
    open_import(window, onnx_file)
    opened = {"template": lambda: window.files.new_from_template("mlp-example"),
              "blank": window.files.new_blank,
              "json": lambda: window.files.open_path(json_file)}[after]
    assert opened()
    assert_clean(window, dialog_log, after)


def test_a_template_after_an_import_keeps_its_shipped_weights(window, dialog_log, onnx_file):  # noqa: F811
    open_import(window, onnx_file)
    assert window.files.new_from_template("mlp-example")
    assert_clean(window, dialog_log, "template")
    shipped = window.files.shipped_weights()
    assert shipped is not None and len(shipped) > 0   # a template marked modified lost them


def test_template_then_template_then_edit_and_undo(window, dialog_log):  # noqa: F811
    assert window.files.new_from_template("lenet5")
    assert window.files.new_from_template("mlp-example")
    assert_clean(window, dialog_log, "second template")
    drop_at_end(window, "dropout")
    assert state(window) == (True, True, False)
    assert window.files.shipped_weights() is None     # an edited template is not its weights
    window.undo_stack.undo()
    assert_clean(window, dialog_log, "edit undone")
    assert window.files.shipped_weights() is not None


def test_an_edited_document_discarded_leaves_the_next_one_clean(window, dialog_log, json_file):  # noqa: F811
    drop_at_end(window, "dense")
    dialog_log.unsaved_answer = "discard"
    assert window.files.open_path(json_file)
    assert_clean(window, dialog_log, "JSON after a discarded edit")


def test_an_import_stays_unsaved_through_edit_and_undo_until_saved(window, dialog_log, onnx_file, tmp_path):  # noqa: F811
    open_import(window, onnx_file)
    drop_at_end(window, "dropout")
    window.undo_stack.undo()
    assert state(window) == (True, True, False)       # back to the import: still not saved anywhere
    dialog_log.save_name = str(tmp_path / "imported.json")
    assert window.files.save()
    assert_clean(window, dialog_log, "import saved")
    assert window.windowTitle() == "imported.json[*]"
