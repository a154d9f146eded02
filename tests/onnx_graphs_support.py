"""Small ONNX graphs written node by node for the import tests, and the check that an imported
design computes what onnxruntime computes on inputs that reach a mapping's edge cases."""
from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper

from designer.onnx_import import OnnxImportError, import_onnx

RNG = np.random.default_rng(0)


def W(name, *shape, scale=0.3):
    return numpy_helper.from_array(RNG.normal(0, scale, shape).astype(np.float32), name)


def I64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def F(name, values):
    return numpy_helper.from_array(np.array(values, np.float32), name)


def N(op, inputs, outputs, name=None, **attrs):
    return helper.make_node(op, inputs, outputs, name=name or f"{op.lower()}_{outputs[0]}", **attrs)


def model(nodes, inits, in_shape=(1, 4, 9, 9), out="y", opset=13, outputs=None):
    """``outputs``: (name, shape) of each graph output, when not just ``out`` of a shape inferred."""
    graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, s) for o, s in (outputs or [(out, None)])],
                              inits)
    made = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    made.ir_version = min(made.ir_version, 8)
    return onnx.shape_inference.infer_shapes(made)  # the output's shape, which the checker wants


def save(tmp_path, nodes, inits, name="m.onnx", **kw):
    path = tmp_path / name
    onnx.save(model(nodes, inits, **kw), str(path))
    return path


def edge_input(shape, seed=1) -> np.ndarray:
    """Values that reach the edge cases: normal values, with exact zeros, ties (repeated values)
    and negatives, in a batch of two."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 2, (2, *shape[1:])).astype(np.float32)
    flat = x.reshape(-1)
    flat[::5] = 0.0
    flat[1::7] = 1.5
    flat[2::11] = -1.5
    flat[3::13] = 3.0
    flat[4::17] = -3.0
    return x


def onnxruntime_run(path, x: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])


def designer_run(imported, x: np.ndarray) -> np.ndarray:
    from designer.engine.net import EngineNet
    net = EngineNet(imported.network)
    if imported.arrays:
        net.load_state_dict(imported.arrays)
    return net.predict(x)


def assert_imports_equal(path, in_shape, rtol=1e-4, atol=1e-5, seed=1):
    """Import ``path`` and check it against onnxruntime on edge-case inputs; the import's result."""
    imported = import_onnx(path)
    x = edge_input(in_shape, seed)
    want = onnxruntime_run(path, x)
    got = designer_run(imported, x)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=rtol, atol=atol)
    return imported


def refusal(path) -> str:
    """The one sentence importing ``path`` gives."""
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    message = str(e.value)
    assert "\n" not in message
    return message


def refused_or_equal(path, in_shape, *words):
    """Either the import is refused in one sentence holding ``words`` (the node's name among
    them), or it computes what onnxruntime computes: never a wrong number."""
    try:
        import_onnx(path)
    except OnnxImportError:
        message = refusal(path)
        assert all(w in message for w in words), message
        return None
    return assert_imports_equal(path, in_shape)
