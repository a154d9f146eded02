"""Round trips: every template exported to ONNX imports back to the same design and weights; a
model that ``torch.onnx.export`` writes from our exported PyTorch module imports too (LRN split
into Pow/Div/AveragePool, batchnorm folded into convolutions) and computes what PyTorch computes."""
from __future__ import annotations

import numpy as np
import pytest
from export_support import load_module

from designer.export import export_network
from designer.export.pytorch import attribute_names
from designer.model import TEMPLATES, from_json, load_template
from designer.model.graph import sources
from designer.model.kinds_spatial import window_of
from designer.model.weights import expected_arrays

pytest.importorskip("onnx")


def random_arrays(network, seed=0) -> dict:
    """Weights of the right shapes with values that tell them apart (variances positive)."""
    rng = np.random.default_rng(seed)
    arrays = {}
    for key, shape in expected_arrays(network).items():
        array = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.2)
        arrays[key] = np.abs(array) + np.float32(0.5) if key.endswith("running_var") else array
    return arrays


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n == "alexnet" else n for n in TEMPLATES])
def test_a_template_exported_to_onnx_imports_back(tmp_path, name):
    from designer.onnx_import import import_onnx
    network = load_template(name)
    arrays = random_arrays(network)
    path = tmp_path / f"{name}.onnx"
    export_network(network, "onnx", path, arrays=arrays)
    back = import_onnx(path)
    assert [(layer.type, layer.resolved()) for layer in back.network.layers] == \
        [(layer.type, layer.resolved()) for layer in network.layers]
    assert sources(back.network.layers) == sources(network.layers)
    # a label equal to the one the export gives an unnamed layer (conv1, relu2...) cannot be told
    # from none; every other label comes back
    assert attribute_names(back.network) == attribute_names(network)
    assert sorted(back.arrays) == sorted(arrays)
    for key, array in arrays.items():
        np.testing.assert_array_equal(back.arrays[key], array, err_msg=key)


def _settings(layer) -> tuple:
    """A layer's type and settings, "same" padding as the number it stands for (ONNX has only those),
    a layer scale's ``init`` left out."""
    cfg = layer.resolved()
    if layer.type == "conv":
        cfg["padding"] = list(window_of("conv", cfg)[2])
    if layer.type == "layer_scale":
        cfg.pop("init")  # how γ starts before training: the file holds γ itself, not where it began
    return layer.type, cfg


def test_a_design_of_every_kind_exported_to_onnx_imports_back(tmp_path):
    """Our export's multi-node layers (maxout, the LRN of a vector, sign) fold back too."""
    from export_support import EVERY_KIND, SIGN_NET

    from designer.onnx_import import import_onnx
    for design in (EVERY_KIND, SIGN_NET):
        network = from_json(design)
        arrays = random_arrays(network)
        export_network(network, "onnx", tmp_path / "every.onnx", arrays=arrays)
        back = import_onnx(tmp_path / "every.onnx")
        assert [_settings(layer) for layer in back.network.layers] == [_settings(layer) for layer in network.layers]
        assert sources(back.network.layers) == sources(network.layers)
        assert sorted(back.arrays) == sorted(arrays)
        assert all(np.array_equal(back.arrays[k], arrays[k]) for k in arrays)


NETWORK = {"format": "nn-designer", "version": 1, "name": "mixed", "layers": [
    {"type": "input", "width": 12, "height": 10, "depth": 3},
    {"type": "conv", "filters": 8, "kernel": 3, "padding": 1},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "lrn", "size": 3, "alpha": 0.01, "beta": 0.75, "k": 2.0},
    {"type": "pool", "mode": "max", "size": 3, "stride": 2, "padding": 1},
    {"type": "conv", "filters": 6, "kernel": [3, 1], "padding": [1, 0], "bias": False},
    {"type": "elu", "alpha": 0.5},
    {"type": "batchnorm"},
    {"type": "pool", "mode": "avg", "size": 2, "padding": 1},
    {"type": "lrn", "size": 5},
    {"type": "leaky_relu", "alpha": 0.1},
    {"type": "dense", "units": 16},
    {"type": "sigmoid"},
    {"type": "dropout", "rate": 0.3},
    {"type": "dense", "units": 5},
    {"type": "tanh"},
    {"type": "dense", "units": 4},
    {"type": "softmax"}]}


@pytest.mark.parametrize("spec", ["mixed", "lenet5", "resnet20", "inception"])
@pytest.mark.slow
def test_a_torch_onnx_export_of_our_pytorch_module_imports(tmp_path, spec):
    torch = pytest.importorskip("torch")
    from designer.engine.net import EngineNet
    from designer.onnx_import import import_onnx
    network = from_json(NETWORK) if spec == "mixed" else load_template(spec)
    arrays = random_arrays(network, seed=4)
    module_path = tmp_path / "net.py"
    export_network(network, "pytorch", module_path, arrays=arrays)
    model = load_module(module_path)["build"]()
    shape = load_module(module_path)["INPUT_SHAPE"]
    x = torch.rand(1, *shape, generator=torch.Generator().manual_seed(0))
    onnx_path = tmp_path / "net.onnx"
    torch.onnx.export(model, (x,), str(onnx_path), dynamo=False)
    back = import_onnx(onnx_path)
    types = [layer.type for layer in back.network.layers]
    assert "lrn" in types or spec != "mixed"  # PyTorch's Pow/Div/AveragePool folded back
    net = EngineNet(back.network)
    net.load_state_dict(back.arrays)
    with torch.no_grad():
        want = model(x).numpy()
    np.testing.assert_allclose(net.predict(x.numpy()), want, rtol=1e-4, atol=1e-5)
