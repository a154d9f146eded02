"""The ONNX export at each opset it writes (13 to 20, opset 17 by default): the nodes that differ
between opsets (HardSwish from 14, Gelu from 20, ReduceMax's axes as an input from 18) load in
onnxruntime and equal the engine; layer_norm before 17 and an opset outside the range are one
sentence."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine import EngineNet
from designer.export.common import ExportError
from designer.model import from_json

LAYERS = [{"type": "input", "width": 5, "height": 4, "depth": 6},
          {"type": "hardswish"}, {"type": "gelu"}, {"type": "gelu", "approximate": "tanh"},
          {"type": "maxout", "pieces": 2}, {"type": "relu6"}, {"type": "silu"}, {"type": "hardsigmoid"},
          {"type": "hardtanh", "min_val": -0.5, "max_val": 0.5}, {"type": "scale_shift"},
          {"type": "layer_scale", "init": 0.5}, {"type": "flatten"}, {"type": "log_softmax"}]


def _network(layers):
    return from_json({"format": "nn-designer", "version": 2, "layers": layers})


@pytest.mark.parametrize("opset", [13, 14, 17, 18, 20])
def test_each_opset_loads_in_onnxruntime_and_equals_the_engine(opset):
    ort = pytest.importorskip("onnxruntime")
    from designer.export.onnx import onnx_model
    layers = LAYERS + ([{"type": "layer_norm"}] if opset >= 17 else [])
    network = _network(layers)
    net = EngineNet(network)
    model = onnx_model(network, net.state_dict(), opset=opset)
    ops = {node.op_type for node in model.graph.node}
    assert ("HardSwish" in ops) == (opset >= 14) and ("Gelu" in ops) == (opset >= 20)
    assert model.opset_import[0].version == opset
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    x = (np.random.default_rng(0).normal(size=(3, 6, 4, 5)) * 3).astype(np.float32)
    np.testing.assert_allclose(session.run(None, {"input": x})[0], net.forward(x), rtol=1e-5, atol=1e-5)


def test_layer_norm_before_opset_17_and_an_unknown_opset_are_refused_in_one_sentence():
    pytest.importorskip("onnx")
    from designer.export.onnx import onnx_model
    network = _network(LAYERS[:1] + [{"type": "layer_norm"}])
    arrays = EngineNet(network).state_dict()
    with pytest.raises(ExportError, match=r"layer 1 \(layer_norm\) needs ONNX's LayerNormalization, an operator "
                                          r"from opset 17 on; this export writes opset 16"):
        onnx_model(network, arrays, opset=16)
    with pytest.raises(ExportError, match="writes opsets 13 to 20, not 12"):
        onnx_model(network, arrays, opset=12)
