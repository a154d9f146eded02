"""Every file our ONNX export writes loads in onnxruntime, computes what the design computes, and
imports back equal: each template, each docs/examples file, a design of every kind, an even-size
LRN (ONNX's LRN takes odd sizes only) and a ceil-mode average pool that counts its padding."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from export_support import EVERY_KIND, SIGN_NET
from onnx_graphs_support import designer_run, edge_input, onnxruntime_run, refusal
from test_onnx_import_roundtrip import _settings, random_arrays

from designer.export import export_network
from designer.model import TEMPLATES, from_json, load_template
from designer.model.graph import sources
from designer.onnx_import import import_onnx

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "docs" / "examples").glob("*.json"))


def _design(name):
    if name in TEMPLATES:
        return load_template(name)
    if name in ("every kind", "sign"):
        return from_json(EVERY_KIND if name == "every kind" else SIGN_NET)
    return from_json(json.loads(Path(name).read_text()))


def _input_shape(network):
    from designer.model import array_shape
    return (1, *array_shape(network.report().input))


def check_round_trip(tmp_path, network, seed=0):
    from designer.engine.net import EngineNet
    arrays = random_arrays(network, seed)
    path = tmp_path / "net.onnx"
    export_network(network, "onnx", path, arrays=arrays)
    x = edge_input(_input_shape(network), seed)
    want = onnxruntime_run(path, x)  # loads in onnxruntime
    atol = 1e-5 * max(1.0, float(np.abs(want).max()))  # of the output's range (deep nets' rounding)
    net = EngineNet(network)
    net.load_state_dict(arrays)
    ours = net.predict(x)
    np.testing.assert_allclose(ours.reshape(want.shape), want, rtol=1e-4, atol=atol)
    back = import_onnx(path)
    assert [_settings(layer) for layer in back.network.layers] == [_settings(layer) for layer in network.layers]
    assert sources(back.network.layers) == sources(network.layers)
    assert sorted(back.arrays) == sorted(arrays)
    assert all(np.array_equal(back.arrays[k], arrays[k]) for k in arrays)
    np.testing.assert_allclose(designer_run(back, x).reshape(want.shape), want, rtol=1e-4, atol=atol)
    return back


SLOW = {"alexnet", "resnet18"}  # over 1.5 s each
DESIGNS = [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in TEMPLATES] + \
    ["every kind", "sign"] + [pytest.param(str(p), id=p.name) for p in EXAMPLES]


@pytest.mark.parametrize("name", DESIGNS)
def test_an_exported_design_runs_in_onnxruntime_and_imports_back_equal(tmp_path, name):
    check_round_trip(tmp_path, _design(name))


def _lrn_net(size, volume=True):
    source = {"type": "input", "width": 5, "height": 4, "depth": 7} if volume else {"type": "input", "features": 7}
    return from_json({"format": "nn-designer", "version": 1, "name": "lrn", "layers": [
        source, {"type": "lrn", "size": size, "alpha": 0.5, "beta": 0.75, "k": 2.0}]})


@pytest.mark.parametrize("size", [2, 4, 6])
@pytest.mark.parametrize("volume", [True, False], ids=["volume", "vector"])
def test_an_even_size_lrn_exports_as_onnx_can_load_it_and_imports_back(tmp_path, size, volume):
    back = check_round_trip(tmp_path, _lrn_net(size, volume))
    assert back.network.layers[1].resolved()["size"] == size
    model = onnx.load(str(tmp_path / "net.onnx"))
    assert all(n.op_type != "LRN" or onnx.helper.get_attribute_value(n.attribute[0]) % 2 for n in model.graph.node)


def test_an_lrn_pattern_whose_window_sits_elsewhere_is_not_taken_for_pytorchs(tmp_path):
    """PyTorch's window for size 4 is 2 channels in front and 1 behind; the same nodes padded 1 and
    2 compute another window, which no LRN layer computes."""
    network = _lrn_net(4)
    path = tmp_path / "net.onnx"
    export_network(network, "onnx", path, arrays={})
    model = onnx.load(str(path))
    for t in model.graph.initializer:
        if t.name.endswith("_pads"):
            t.CopyFrom(onnx.numpy_helper.from_array(np.array([0, 0, 1, 0, 0, 0, 0, 2, 0, 0], np.int64), t.name))
    onnx.save(model, str(path))
    assert '"lrn1_' in refusal(path)


def _pool_net(width, size, stride, padding):
    return from_json({"format": "nn-designer", "version": 2, "name": "pool", "layers": [
        {"type": "input", "width": width, "height": width - 1, "depth": 3},
        {"type": "pool", "mode": "avg", "size": size, "stride": stride, "padding": padding, "ceil": True}]})


@pytest.mark.parametrize("width,size,stride,padding", [(8, 3, 2, 0), (10, 3, 2, 0), (7, 3, 2, 1), (9, 2, 2, 0),
                                                       (10, 4, 3, 1)])
def test_a_ceil_mode_average_counting_its_padding_round_trips(tmp_path, width, size, stride, padding):
    check_round_trip(tmp_path, _pool_net(width, size, stride, padding))


@pytest.mark.slow
def test_pytorchs_ceil_mode_average_and_even_lrn_import_equal(tmp_path):
    torch = pytest.importorskip("torch")
    for module in (torch.nn.AvgPool2d(3, 2, ceil_mode=True), torch.nn.AvgPool2d(3, 2, padding=1, ceil_mode=True),
                   torch.nn.LocalResponseNorm(4, 0.01, 0.75, 2.0), torch.nn.LocalResponseNorm(2)):
        path = tmp_path / "m.onnx"
        torch.onnx.export(torch.nn.Sequential(module).eval(), (torch.zeros(1, 6, 10, 10),), str(path), dynamo=False)
        x = edge_input((1, 6, 10, 10))
        want = module(torch.from_numpy(x)).detach().numpy()
        np.testing.assert_allclose(onnxruntime_run(path, x), want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(designer_run(import_onnx(path), x).reshape(want.shape), want, rtol=1e-4, atol=1e-5)


# Rounded-up pools whose last window PyTorch drops on one axis (it would start in the end padding)
# while ONNX's ceil_mode keeps it: the export writes them rounding down over extra end padding.
DROPPED = [("max", 2, 2, 1, True), ("max", 1, 2, 0, True), ("max", 2, 3, 1, True), ("avg", 2, 2, 1, True),
           ("avg", 2, 2, 1, False), ("avg", 2, 3, 0, False), ("avg", 3, 3, 1, True), ("avg", 4, 3, 2, True),
           ("avg", 4, 3, 2, False)]


@pytest.mark.parametrize("mode,size,stride,padding,count", DROPPED)
@pytest.mark.parametrize("width", [4, 5, 7])
def test_a_rounded_up_pool_that_drops_a_last_window_exports_and_imports_back(tmp_path, mode, size, stride, padding,
                                                                            count, width):
    from designer.engine.net import EngineNet
    layer = {"type": "pool", "mode": mode, "size": size, "stride": stride, "padding": padding, "ceil": True}
    if mode == "avg":
        layer["count_include_pad"] = count
    network = from_json({"format": "nn-designer", "version": 2, "name": "pool", "layers": [
        {"type": "input", "width": width, "height": width + 1, "depth": 2}, layer]})
    path = tmp_path / "pool.onnx"
    export_network(network, "onnx", path, arrays={})  # once: onnx's strict shape inference refused it
    x = edge_input(_input_shape(network))
    want = onnxruntime_run(path, x)
    np.testing.assert_allclose(EngineNet(network).predict(x), want, rtol=1e-5, atol=1e-6)
    back = import_onnx(path)  # the pool again (its Pad and extra end cells folded back)
    np.testing.assert_allclose(designer_run(back, x).reshape(want.shape), want, rtol=1e-5, atol=1e-6)
    assert [layer.type for layer in back.network.layers] == ["input", "pool"]
    got, wanted = back.network.layers[1].resolved(), network.layers[1].resolved()
    keys = ["mode", "size", "stride", "padding"] + (["count_include_pad"] if padding else [])
    assert {k: got[k] for k in keys} == {k: wanted[k] for k in keys}


@pytest.mark.parametrize("opset", [13, 14, 17, 18, 20])
def test_a_design_of_every_kind_exported_at_each_opset_imports_back(tmp_path, opset):
    """Hard-swish is x·HardSigmoid(x) before opset 14, GELU its formula before 20, ReduceMax's
    axes an input from 18: each form folds back (a layer norm needs opset 17's LayerNormalization)."""
    from designer.engine.net import EngineNet
    from designer.export.onnx import onnx_model
    design = EVERY_KIND if opset >= 17 else {
        **EVERY_KIND, "layers": [layer for layer in EVERY_KIND["layers"] if layer["type"] != "layer_norm"]}
    network = from_json(design)
    arrays = random_arrays(network)
    path = tmp_path / "every.onnx"
    path.write_bytes(onnx_model(network, arrays, opset=opset).SerializeToString())
    x = edge_input(_input_shape(network))
    want = onnxruntime_run(path, x)
    net = EngineNet(network)
    net.load_state_dict(arrays)
    np.testing.assert_allclose(net.predict(x).reshape(want.shape), want, rtol=1e-4, atol=1e-5)
    back = import_onnx(path)
    assert [_settings(layer) for layer in back.network.layers] == [_settings(layer) for layer in network.layers]
    assert all(np.array_equal(back.arrays[k], arrays[k]) for k in arrays)
