"""File ▸ Export to PyTorch… / Export to ONNX… in the window: the file dialog's name gets the
export, with the weights the window holds (a template's shipped weights, weights loaded or
trained in Train mode), and the result is the one `nn-designer export` writes; a network with
errors, a running training or a missing onnx package is one sentence in a dialog, no file."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from designer.engine.net import EngineNet
from designer.model import load_weights, save_weights
from designer.ui import dialogs
from export_support import load_module
from ui_support import dialog_log, window  # noqa: F401


@pytest.fixture
def export_to(monkeypatch):
    """The name the export dialog answers with (and the suggestions it was given)."""
    answer = {"path": "", "suggested": []}

    def ask(parent, title, suggested, file_filter):
        answer["suggested"].append(suggested)
        return answer["path"]

    monkeypatch.setattr(dialogs, "export_file_name", ask)
    return answer


def test_file_menu_exports_a_template_with_its_shipped_weights(window, export_to, tmp_path):
    torch = pytest.importorskip("torch")
    window.files.new_from_template("mlp-example")
    export_to["path"] = str(tmp_path / "mlp.py")
    window.actions_by_name["export_pytorch"].trigger()
    assert export_to["suggested"][0].endswith("mlp-example.py")
    said = window.statusBar().currentMessage()
    assert said.startswith("Wrote") and "mlp.npz" in said and (tmp_path / "mlp.npz").exists()
    model = load_module(tmp_path / "mlp.py")["build"]().double()
    with torch.no_grad():
        got = model(torch.tensor([[10.0, 30.0, 20.0]], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(got[0], [0.7502, 0.9571], atol=5e-5)


def test_weights_loaded_in_train_mode_go_into_both_exports(window, export_to, tmp_path, qtbot):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from onnx import load as onnx_load
    from onnx.reference import ReferenceEvaluator
    window.files.new_from_template("lenet5")
    network = window.network
    net = EngineNet(network, seed=7)
    save_weights(tmp_path / "mine.npz", net.state_dict())
    window.set_mode("Train")
    with qtbot.waitSignal(window.train_mode.weights_loaded, timeout=30000):
        window.train_mode.load_weights(str(tmp_path / "mine.npz"))
    x = np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32)

    assert window.exporter.export("pytorch", str(tmp_path / "lenet.py")).startswith("Wrote")
    assert (tmp_path / "lenet.npz").exists()  # the weights in memory, saved beside the module
    model = load_module(tmp_path / "lenet.py")["build"]()
    with torch.no_grad():
        np.testing.assert_allclose(model(torch.from_numpy(x)).numpy(), net.predict(x), rtol=1e-4, atol=1e-6)

    export_to["path"] = str(tmp_path / "lenet.onnx")
    window.actions_by_name["export_onnx"].trigger()
    got = ReferenceEvaluator(onnx_load(str(tmp_path / "lenet.onnx"))).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-4, atol=1e-6)
    loaded = load_weights(tmp_path / "lenet.npz", network)
    assert all(np.array_equal(loaded[k], v) for k, v in net.state_dict().items())


def test_a_network_with_errors_is_refused_before_asking_for_a_file(window, export_to, dialog_log, tmp_path):
    window.files.new_from_template("lenet5")
    conv = window.network[1]
    window.editor.set_keys(conv.uid, {"kernel": 29, "padding": 0})
    export_to["path"] = str(tmp_path / "x.py")
    window.actions_by_name["export_pytorch"].trigger()
    assert export_to["suggested"] == [] and not (tmp_path / "x.py").exists()
    (text,) = dialog_log.warnings
    assert text.startswith("The network cannot be exported while it has errors") and text.count(".") >= 1


def test_onnx_missing_names_the_extra(window, export_to, dialog_log, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)
    export_to["path"] = str(tmp_path / "x.onnx")
    window.actions_by_name["export_onnx"].trigger()
    assert not (tmp_path / "x.onnx").exists()
    (text,) = dialog_log.warnings
    assert "pip install 'nn-designer[export]'" in text


def test_cancelling_the_dialog_writes_nothing(window, export_to, tmp_path):
    export_to["path"] = ""
    assert window.exporter.export("pytorch") is None
    assert list(tmp_path.glob("*.py")) == []


@pytest.mark.parametrize("typed, written", [("/tmp/lenet", "/tmp/lenet.py"), ("/tmp/lenet.py", "/tmp/lenet.py"),
                                             ("/tmp/my.model", "/tmp/my.model"), ("", "")])
def test_the_export_dialog_adds_the_formats_suffix(monkeypatch, typed, written):
    """The real dialog function (not replaced here): a name typed without a suffix gets the
    format's, as a native dialog does not always add it."""
    from PySide6.QtWidgets import QFileDialog
    from designer.ui.export_actions import FILTERS
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (typed, args[3].split(";;")[0]))
    _, file_filter, _ = FILTERS["pytorch"]
    assert dialogs.export_file_name(None, "Export", "/tmp/x.py", file_filter) == written
