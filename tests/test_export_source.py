"""The exported PyTorch file reads like code a person wrote and stands alone: it compiles with
``python -m py_compile``, imports only sys, numpy and torch (and runs with the project made
unimportable), names every layer, and gives one line per layer with its output as a comment.
Runs without torch except where it executes the file."""
from __future__ import annotations

import ast
import json
import subprocess
import sys

import pytest

from designer.cli import main
from designer.model import array_shape
from designer.export.onnx import onnx_model
from designer.export.pytorch import MODULES, attribute_names, pytorch_source, tensor_names
from designer.model import format_shape, load_model, loads
from export_support import EVERY_KIND

BLOCK_PROJECT = """
import runpy, sys
class NoProject:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] == 'designer':
            raise ImportError('the exported file imported ' + name)
sys.meta_path.insert(0, NoProject())
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def _network(spec):
    return loads(json.dumps(spec)) if isinstance(spec, dict) else load_model(spec)


def _has_module(layer, info) -> bool:
    """Whether the export gives the layer an attribute (a merge or a slice is an expression)."""
    make = MODULES.get(layer.type)
    return make(layer.resolved(), info)[0] is not None if make else bool(layer.kind.torch_module)


@pytest.mark.parametrize("spec", ["lenet5", "alexnet", "mlp-example", "perceptron", EVERY_KIND])
def test_source_compiles_imports_nothing_of_ours_and_has_one_named_line_per_layer(tmp_path, spec):
    network = _network(spec)
    out = tmp_path / "model.py"
    out.write_text(pytorch_source(network))
    done = subprocess.run([sys.executable, "-m", "py_compile", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    tree = ast.parse(out.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported == {"sys", "numpy", "torch"}

    lines = out.read_text().splitlines()
    names = attribute_names(network)
    report = network.report()
    start = lines.index("class Net(nn.Module):")
    init = [line.strip() for line in lines[start:] if line.strip().startswith("self.") and " = " in line]
    forward = lines[next(k for k in range(start, len(lines)) if "def forward" in lines[k]) + 1:]
    forward = forward[:forward.index("        return x")]
    calls = [line.strip() for line in forward if " = " in line and not line.strip().startswith("#")]
    layers = [(n, v, layer, info) for n, v, layer, info in zip(names, tensor_names(network, report),
                                                               network.layers, report.layers) if layer.type != "input"]
    modules = [(n, info) for n, _, layer, info in layers if _has_module(layer, info)]
    assert len(init) == len(modules) and len(calls) == len(layers)
    for (name, info), line in zip(modules, init):
        assert line.startswith(f"self.{name} = ")
        assert line.split("  # ", 1)[1].split(",")[0] == format_shape(info.output)
    for (name, tensor, layer, info), call in zip(layers, calls):
        merged = {"add": " + ", "concat": "torch.cat([", "mul": " * ", "channel_slice": "["}.get(layer.type)
        if not _has_module(layer, info):
            assert merged and call.startswith(f"{tensor} = ") and merged in call, call
        else:
            assert call.startswith(f"{tensor} = self.{name}("), call
    if isinstance(spec, str):  # a chain: every line reads and writes x
        assert all(call.startswith("x = self.") for call in calls)
    assert all(len(line) <= 110 for line in lines)


def test_alexnet_keeps_the_designs_names():
    source = pytorch_source(load_model("alexnet"))
    for name, shape in (("conv1", "55×55×96, 34,944 parameters"), ("fc6", "4096, 37,752,832 parameters"),
                        ("pool5", "6×6×256")):
        assert any(line.strip().startswith(f"self.{name} = ") and line.endswith(shape)
                   for line in source.splitlines()), name
    assert '"""AlexNet: 227×227×3 → 1000, 62,378,344 parameters."""' in source


def test_layer_names_become_unique_identifiers():
    network = loads(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 4},
        {"type": "dense", "units": 3, "name": "my layer!"},
        {"type": "dense", "units": 3, "name": "forward"},
        {"type": "dense", "units": 3, "name": "2nd"},
        {"type": "dense", "units": 3, "name": "fc1"},
        {"type": "dense", "units": 3},
        {"type": "dense", "units": 3, "name": "class"},
        {"type": "relu", "name": "my layer!"}]}))
    names = attribute_names(network)[1:]
    assert names == ["my_layer", "fc_forward", "fc_2nd", "fc1", "fc2", "fc_class", "relu1"]
    assert all(n.isidentifier() for n in names)


@pytest.mark.slow
def test_exported_file_runs_with_the_project_unimportable(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "lenet.py"
    assert main(["export", "mlp-example", "--to", "pytorch", "-o", str(out)]) == 0
    done = subprocess.run([sys.executable, "-c", BLOCK_PROJECT, str(out)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "output for a random batch of 2: (2, 2)" in done.stdout
    assert "(hidden): Linear(in_features=3, out_features=2, bias=False)" in done.stdout


@pytest.mark.slow
def test_onnx_nodes_are_named_after_the_layers():
    pytest.importorskip("onnx")
    from designer.engine.net import EngineNet
    network = load_model("alexnet")
    model = onnx_model(network, EngineNet(network, seed=0).state_dict())
    nodes = [node.name for node in model.graph.node]
    assert nodes[:3] == ["conv1", "relu1", "pool1"] and "fc6" in nodes
    assert {"conv1.weight", "fc8.bias"} <= {t.name for t in model.graph.initializer}
    dims = model.graph.input[0].type.tensor_type.shape.dim
    assert dims[0].dim_param == "N" and [d.dim_value for d in dims[1:]] == [3, 227, 227]
    # the shapes ONNX infers for each layer's output are the design's, channels first
    inferred = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim[1:]] for v in model.graph.value_info}
    for name, info in zip(attribute_names(network), network.report().layers):
        if name in inferred:
            assert tuple(inferred[name]) == array_shape(info.output), name
    assert len(inferred) >= 20
