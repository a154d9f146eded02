"""The exports of branched networks read as the graph: the PyTorch module names the tensors where
the graph branches (``shortcut = …``, ``x = main2 + shortcut``), joins with torch.cat, pools
globally with AdaptiveAvg/MaxPool2d(1), and keeps groups and ceil_mode; the ONNX model uses Add,
Concat, GlobalAveragePool / GlobalMaxPool, grouped Conv and ceil_mode. (That both compute what
``nn-designer predict`` computes after training: tests/test_export_trained.py.)"""
from __future__ import annotations

import ast
import importlib

import pytest

from designer.export.pytorch import attribute_names, pytorch_source, tensor_names
from branched_nets import INCEPTION, RESIDUAL, SHARED_RELU_INPUT, network


def forward_lines(source: str) -> list:
    lines = source.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("def forward("))
    body = []
    for line in lines[start + 1:]:
        if not line.startswith("        "):
            break
        body.append(line.strip().split("  #")[0].strip())
    return body


@pytest.mark.parametrize("spec", [RESIDUAL, INCEPTION, SHARED_RELU_INPUT], ids=lambda s: s["name"])
def test_one_line_per_layer_reading_the_right_tensors(spec):
    net = network(spec)
    report = net.report()
    source = pytorch_source(net)
    ast.parse(source)
    body = [line for line in forward_lines(source) if "=" in line and not line.startswith("if ")]
    layers = [info for info in report.layers if info.type != "input"]
    assert len(body) == len(layers)
    names, tensors = attribute_names(net), tensor_names(net, report)
    for line, info in zip(body, layers):
        target, expr = line.split(" = ", 1)
        assert target == tensors[info.index]
        ins = [tensors[s] for s in info.sources]
        if info.type == "add":
            assert expr == " + ".join(ins)
        elif info.type == "concat":
            assert expr == f"torch.cat([{', '.join(ins)}], dim=1)"
        else:
            assert expr.startswith(f"self.{names[info.index]}({ins[0]}")


def test_residual_source_names_the_branches():
    source = pytorch_source(network(RESIDUAL))
    body = forward_lines(source)
    assert "def forward(self, x, scores=False)" in source
    for line in ("a = self.relu1(x)", "x = self.conv2(a)", "main = self.bn3(x)", "x = main + a",
                 "b = self.relu3(x)", "x = self.conv6(b)", "shortcut = self.bn6(x)",
                 "x = main2 + shortcut", "x = self.global_pool1(x)"):
        assert line in body, line
    assert "self.global_pool1 = nn.AdaptiveAvgPool2d(1)" in source


def test_inception_source_groups_ceil_and_global_max():
    source = pytorch_source(network(INCEPTION))
    assert "x = torch.cat([b1, b2, b3], dim=1)" in forward_lines(source)
    assert "nn.Conv2d(4, 6, kernel_size=3, padding=1, groups=2)" in source
    assert "nn.AvgPool2d(kernel_size=2, ceil_mode=True)" in source
    assert "nn.AdaptiveMaxPool2d(1)" in source


def test_ids_that_are_not_free_names_become_numbered():
    """SHARED_RELU_INPUT's "sum" is a Python builtin: its tensor is x3; the input, read by one
    layer, stays x."""
    tensors = tensor_names(network(SHARED_RELU_INPUT), network(SHARED_RELU_INPUT).report())
    assert tensors[0] == "x" and tensors[1] == "c" and tensors[3] == "x3" and tensors[-1] == "x"


def test_onnx_ops_of_branched_networks():
    pytest.importorskip("onnx")
    from designer.engine import EngineNet
    from designer.export.onnx import onnx_model
    found = {}
    for spec in (RESIDUAL, INCEPTION, SHARED_RELU_INPUT):
        net = network(spec)
        model = onnx_model(net, EngineNet(net).state_dict())
        for node in model.graph.node:
            attrs = {a.name: importlib.import_module("onnx").helper.get_attribute_value(a) for a in node.attribute}
            found.setdefault(node.op_type, []).append(attrs)
    assert {"Add", "Concat", "GlobalAveragePool", "GlobalMaxPool"} <= set(found)
    assert all(a["axis"] == 1 for a in found["Concat"])
    assert {a["group"] for a in found["Conv"]} == {1, 2, 3}
    assert any(a.get("ceil_mode") == 1 for a in found["AveragePool"])


THREE_WAY = {"format": "nn-designer", "version": 2, "name": "three-way add", "layers": [
    {"type": "input", "width": 4, "height": 4, "depth": 2},
    {"type": "conv", "filters": 3, "kernel": 3, "padding": 1, "id": "a"},
    {"type": "conv", "inputs": [0], "filters": 3, "kernel": 1, "id": "b"},
    {"type": "conv", "inputs": [0], "filters": 3, "kernel": 3, "padding": 1, "groups": 1},
    {"type": "add", "inputs": ["a", "b", 3]},
    {"type": "dense", "units": 3}]}


def test_an_add_of_three_equals_the_engine_in_torch_and_onnxruntime(tmp_path):
    import numpy as np

    from designer.engine import EngineNet
    from export_support import load_module
    net = network(THREE_WAY)
    engine = EngineNet(net, seed=4)
    x = np.random.default_rng(0).random((5, 2, 4, 4), dtype=np.float32)
    want = engine.forward(x)
    source = pytorch_source(net)
    assert "x = a + b + x3" in forward_lines(source)
    torch = pytest.importorskip("torch")
    path = tmp_path / "three.py"
    path.write_text(source)
    module = load_module(path)["Net"]().eval()
    arrays = engine.state_dict()
    names = attribute_names(net)
    module.load_state_dict({f"{names[int(k.split('.')[0])]}.{k.split('.')[1]}": torch.from_numpy(v)
                            for k, v in arrays.items()})
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(x)).numpy(), want, rtol=1e-5, atol=1e-5)
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    from designer.export.onnx import onnx_model
    model = onnx_model(net, arrays)
    assert [n.op_type for n in model.graph.node].count("Add") == 2
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], want, rtol=1e-5, atol=1e-5)
