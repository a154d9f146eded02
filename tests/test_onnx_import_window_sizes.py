"""A window's stride, dilation or kernel size below 1 is said of the node that has it: ONNX shape
inference gives no shape for what such a node makes, and the first node to ask (the Flatten
after a Conv of stride 0) was blamed. The same mistake in a model file is said of its layer."""
from __future__ import annotations

import json

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from designer.onnx_import import OnnxImportError, import_onnx  # noqa: E402


def _model(tmp_path, op, attrs):
    init = [numpy_helper.from_array(np.ones((2, 1, 3, 3), np.float32), "w")] if op == "Conv" else []
    attrs = {"kernel_shape": [3, 3], **attrs}
    nodes = [helper.make_node(op, ["x"] + (["w"] if op == "Conv" else []), ["c"], name="the_window", **attrs),
             helper.make_node("Flatten", ["c"], ["y"], name="the_flatten")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 72])], init)
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return path


@pytest.mark.parametrize("op", ["Conv", "MaxPool", "AveragePool"])
@pytest.mark.parametrize("attrs", [{"strides": [0, 1]}, {"strides": [1, 0]}, {"strides": [0, 0]},
                                   {"strides": [-1, 1]}, {"dilations": [0, 1]}, {"kernel_shape": [0, 3]}],
                         ids=lambda a: json.dumps(a))
def test_a_window_size_below_one_is_said_of_its_own_node(tmp_path, op, attrs):
    if op == "AveragePool" and "dilations" in attrs:
        pytest.skip("AveragePool has no dilations before opset 19")
    with pytest.raises(OnnxImportError) as e:
        import_onnx(_model(tmp_path, op, attrs))
    text = str(e.value)
    key, values = next(iter(attrs.items()))
    assert '"the_window"' in text and "the_flatten" not in text, text
    assert f"has {key} {values}" in text and "at least 1" in text


@pytest.mark.parametrize("stride", [0, [0, 1], [1, 0], 0.0, [0.0, 2], -1])
@pytest.mark.parametrize("kind", [{"type": "conv", "filters": 2, "kernel": 3}, {"type": "pool", "size": 2}],
                         ids=["conv", "pool"])
def test_a_stride_below_one_in_a_model_file_is_said_of_its_layer(capsys, tmp_path, kind, stride):
    from cli_support import one_line_error
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "width": 8, "height": 8, "depth": 1}, {**kind, "stride": stride}, {"type": "flatten"},
        {"type": "dense", "units": 2}]}))
    said = one_line_error(capsys, "summary", str(model))
    assert "layers[1].stride" in said and "at least 1" in said and "layers[2]" not in said, said
