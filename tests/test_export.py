"""``nn-designer export``: the PyTorch module it writes runs in torch and computes what EngineNet
computes; the ONNX model (when the onnx package is installed) too, checked with onnx's reference
evaluator; without onnx, one sentence saying to install it."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from designer.cli import main
from designer.engine.net import EngineNet
from designer.export import ExportError
from designer.model import load_model, loads, save_weights, template_weights, load_weights
from export_support import EVERY_KIND, load_module, missing_kinds

def random_weights(network, seed=0):
    net = EngineNet(network, seed=seed)
    rng = np.random.default_rng(seed)
    arrays = net.state_dict()
    for key in arrays:
        if key.endswith("running_mean") or key.endswith(".bias"):
            arrays[key] = rng.normal(0, 0.5, arrays[key].shape).astype(np.float32)
        elif key.endswith("running_var"):
            arrays[key] = rng.uniform(0.5, 2, arrays[key].shape).astype(np.float32)
    net.load_state_dict(arrays)
    return net, arrays


@pytest.fixture
def every_kind(tmp_path):
    path = tmp_path / "every.json"
    path.write_text(json.dumps(EVERY_KIND))
    return path


def test_pytorch_export_computes_what_the_engine_computes(tmp_path, every_kind):
    torch = pytest.importorskip("torch")
    network = load_model(str(every_kind))
    net, arrays = random_weights(network)
    weights = tmp_path / "w.npz"
    save_weights(weights, arrays)
    out = tmp_path / "every_kind.py"
    assert main(["export", str(every_kind), "--to", "pytorch", "--weights", str(weights), "-o", str(out)]) == 0
    module = load_module(out)
    model = module["build"]().float()  # loads the weights from the path written into the file
    names = module["LAYERS"]
    assert {f"{names[int(k.split('.')[0])]}.{k.split('.', 1)[1]}" for k in arrays} == {
        k for k in model.state_dict() if not k.endswith("num_batches_tracked")}
    x = np.random.default_rng(1).random((5, 3, 8, 9), dtype=np.float32)
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_exported_file_runs_as_a_script(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "lenet.py"
    assert main(["export", "lenet5", "--to", "pytorch", "-o", str(out)]) == 0
    proc = subprocess.run([sys.executable, str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "output for a random batch of 2: (2, 10)" in proc.stdout


def test_template_export_carries_its_shipped_weights(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    out = tmp_path / "mlp.py"
    assert main(["export", "mlp-example", "--to", "pytorch", "-o", str(out)]) == 0
    assert "loading" in capsys.readouterr().out
    model = load_module(out)["build"]().double()
    network = load_model("mlp-example")
    net = EngineNet(network, np.float64)
    net.load_state_dict(load_weights(template_weights("mlp-example"), network))
    x = np.array([[10.0, 30.0, 20.0]])
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-6)
    np.testing.assert_allclose(got[0], [0.7502, 0.9571], atol=5e-5)  # the course's outputs


def test_sign_exports_as_the_perceptron_output(tmp_path):
    torch = pytest.importorskip("torch")
    out = tmp_path / "p.py"
    weights = tmp_path / "p.npz"
    save_weights(weights, {"1.weight": np.array([[1.0, -2.0]], np.float32), "1.bias": np.array([0.5], np.float32)})
    assert main(["export", "perceptron", "--to", "pytorch", "--weights", str(weights), "-o", str(out)]) == 0
    model = load_module(out)["build"]()
    x = torch.tensor([[1.0, 1.0], [3.0, 1.0], [0.0, 0.25]])  # w·x + b = −0.5, 1.5, 0
    assert model(x)[:, 0].tolist() == [-1.0, 1.0, -1.0]


def test_onnx_export_computes_what_the_engine_computes(tmp_path, every_kind):
    pytest.importorskip("onnx")
    from onnx import load as onnx_load
    from onnx.reference import ReferenceEvaluator
    network = load_model(str(every_kind))
    net, arrays = random_weights(network, seed=3)
    weights = tmp_path / "w.npz"
    save_weights(weights, arrays)
    out = tmp_path / "every.onnx"
    assert main(["export", str(every_kind), "--to", "onnx", "--weights", str(weights), "-o", str(out)]) == 0
    x = np.random.default_rng(2).random((4, 3, 8, 9), dtype=np.float32)
    got = ReferenceEvaluator(onnx_load(str(out))).run(None, {"input": x})[0]
    np.testing.assert_allclose(got, net.predict(x), rtol=1e-4, atol=1e-6)


def test_onnx_export_without_weights_uses_a_fresh_initialisation(tmp_path, capsys):
    pytest.importorskip("onnx")
    from onnx import load as onnx_load
    from onnx.reference import ReferenceEvaluator
    out = tmp_path / "p.onnx"
    assert main(["export", "perceptron", "--to", "onnx", "-o", str(out)]) == 0
    assert "freshly initialised" in capsys.readouterr().out
    net = EngineNet(load_model("perceptron"), seed=0)
    x = np.random.default_rng(0).normal(size=(20, 2)).astype(np.float32)
    got = ReferenceEvaluator(onnx_load(str(out))).run(None, {"input": x})[0]
    np.testing.assert_array_equal(got, net.predict(x))


def test_onnx_missing_is_one_sentence(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx now raises ImportError
    code = main(["export", "lenet5", "--to", "onnx", "-o", str(tmp_path / "x.onnx")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'nn-designer[export]'" in err
    assert not (tmp_path / "x.onnx").exists()


def test_export_bad_input(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "width": 4, "height": 4, "depth": 1}, {"type": "conv", "filters": 2, "kernel": 9}]}))
    for argv, words in [
        (["export", str(broken), "--to", "pytorch", "-o", str(tmp_path / "b.py")], "errors"),
        (["export", "lenet5", "--to", "keras", "-o", str(tmp_path / "b.py")], "--to"),
        (["export", "lenet5", "--to", "pytorch"], "-o"),
        (["export", "lenet5", "--to", "pytorch", "--weights", str(tmp_path / "none.npz"), "-o", "x.py"], "none.npz"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and words in err, err
    with pytest.raises(ExportError):
        from designer.export.pytorch import pytorch_source
        pytorch_source(loads(broken.read_text()))


def test_a_pytorch_export_never_replaces_someone_elses_weights_file(tmp_path, capsys):
    """The template's weights go beside the module as <stem>.npz: an unrelated file of that name
    is refused with one sentence and left as it was; re-exporting over one's own export works."""
    mine = tmp_path / "net.npz"
    mine.write_bytes(b"my own weights")
    code = main(["export", "mlp-example", "--to", "pytorch", "-o", str(tmp_path / "net.py")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "net.npz already exists" in err
    assert mine.read_bytes() == b"my own weights" and not (tmp_path / "net.py").exists()
    out = tmp_path / "mlp.py"
    assert main(["export", "mlp-example", "--to", "pytorch", "-o", str(out)]) == 0
    assert main(["export", "mlp-example", "--to", "pytorch", "-o", str(out)]) == 0  # again: its own files
    assert "mlp.npz" in capsys.readouterr().out


def test_a_templates_onnx_export_names_its_weights(tmp_path, capsys):
    pytest.importorskip("onnx")
    assert main(["export", "mlp-example", "--to", "onnx", "-o", str(tmp_path / "m.onnx")]) == 0
    assert "with the weights of mlp-example.npz" in capsys.readouterr().out


def test_the_export_designs_hold_every_layer_kind():
    assert not missing_kinds(), f"no export test network has a layer of kind {sorted(missing_kinds())}"


def test_every_kind_has_an_entry_in_each_exporter():
    """One entry per kind in each exporter's registry, or the one module / node the kind names."""
    from designer.export.onnx import NODES
    from designer.export.pytorch import MODULES
    from designer.model import KINDS
    no_module = [t for t, kind in KINDS.items() if t not in MODULES and not kind.torch_module and t != "input"]
    no_node = [t for t, kind in KINDS.items() if t not in NODES and not kind.onnx]
    assert not no_module, f"designer/export/pytorch.py has no MODULES entry for {no_module}"
    assert not no_node, f"designer/export/onnx.py has no NODES entry for {no_node}"
