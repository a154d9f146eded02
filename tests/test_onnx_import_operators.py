"""Each operator and setting the importer maps, on a small model: the imported design computes
what onnxruntime computes; each one it cannot represent is one sentence naming the node."""
from __future__ import annotations

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper

from designer.onnx_import import OnnxImportError, import_onnx
from designer.onnx_import.pooling import pool_layer

RNG = np.random.default_rng(0)


def W(name, *shape, scale=0.3):
    return numpy_helper.from_array(RNG.normal(0, scale, shape).astype(np.float32), name)


def I64(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def F(name, values):
    return numpy_helper.from_array(np.array(values, np.float32), name)


def N(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, name=f"{op.lower()}_{outputs[0]}", **attrs)


def model(nodes, inits, in_shape=(1, 4, 9, 9), out="y", opset=13):
    graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))],
                              [helper.make_tensor_value_info(out, TensorProto.FLOAT, None)], inits)
    made = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    return onnx.shape_inference.infer_shapes(made)  # the output's shape, which the checker wants


def conv(x, out, filters=5, depth=4, k=3, **attrs):
    return ([N("Conv", [x, f"{out}_w", f"{out}_b"], [out], kernel_shape=[k, k], **attrs)],
            [W(f"{out}_w", filters, depth // attrs.get("group", 1), k, k), W(f"{out}_b", filters, scale=0.1)])


def _cases():
    c = {}
    n, i = conv("x", "y", pads=[1, 1, 1, 1])
    c["conv"] = (n, i)
    n, i = conv("x", "y", auto_pad="SAME_UPPER")
    c["conv auto_pad"] = (n, i)
    n, i = conv("x", "y", filters=6, group=2, strides=[2, 2])
    c["grouped conv"] = (n, i)
    n, i = conv("p", "y")
    c["Pad before Conv"] = ([N("Pad", ["x", "pads"], ["p"])] + n, i + [I64("pads", [0, 0, 1, 2, 0, 0, 1, 2])])
    c["weights from Constant nodes"] = (
        [helper.make_node("Constant", [], ["cw"], value=W("cw", 3, 4, 3, 3)),
         helper.make_node("Constant", [], ["cb"], value_floats=[0.1, -0.2, 0.3]),
         N("Conv", ["x", "cw", "cb"], ["y"], kernel_shape=[3, 3])], [])
    n, i = conv("p", "y")
    c["Pad with its pads as attributes (before opset 11) before Conv"] = (
        [N("Pad", ["x"], ["p"], pads=[0, 0, 2, 1, 0, 0, 2, 1])] + n, i, 10)
    c["Pad before MaxPool after Relu"] = (
        [N("Relu", ["x"], ["r"]), N("Pad", ["r", "pads"], ["p"]), N("MaxPool", ["p"], ["y"], kernel_shape=[3, 3], strides=[2, 2])],
        [I64("pads", [0, 0, 1, 1, 0, 0, 1, 1])])
    c["AveragePool counting its padding"] = ([N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                              pads=[1, 1, 1, 1], count_include_pad=1)], [])
    c["MaxPool ceil_mode"] = ([N("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)], [])
    c["MaxPool with Caffe's end padding"] = ([N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2],
                                              pads=[0, 0, 1, 1])], [])
    c["AveragePool with Caffe's end padding"] = ([N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                                                  pads=[0, 0, 1, 1])], [])
    c["LpPool"] = ([N("LpPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[1, 1], p=2)], [])
    c["LRN"] = ([N("LRN", ["x"], ["y"], size=3, alpha=0.01, beta=0.75, bias=2.0)], [])
    c["BatchNormalization"] = ([N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-3)],
                               [F("s", [1, 2, 0.5, 1.5]), F("b", [0, .1, -.1, .2]), F("m", [.1, .2, .3, 0]),
                                F("v", [1, .5, 2, 1.5])])
    c["BatchNormalization with Caffe's Scale (Mul, Add)"] = (
        [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["n"]), N("Mul", ["n", "k"], ["t"]),
         N("Add", ["t", "h"], ["y"])],
        [F("s", [1, 2, 0.5, 1.5]), F("b", [0, .1, -.1, .2]), F("m", [.1, .2, .3, 0]), F("v", [1, .5, 2, 1.5]),
         F("k", np.array([2, -1, 0.5, 3]).reshape(4, 1, 1)), F("h", np.array([0.3, 0, -0.2, 1]).reshape(1, 4, 1, 1))])
    activations = [N("LeakyRelu", ["x"], ["a"], alpha=0.2), N("Elu", ["a"], ["b"], alpha=0.7),
                   N("Identity", ["b"], ["c"]), N("Dropout", ["c", "ratio"], ["d"]), N("Sigmoid", ["d"], ["e"]),
                   N("Tanh", ["e"], ["y"])]
    c["activations, Identity, Dropout"] = (activations, [F("ratio", 0.25)])
    c["Flatten then Gemm (transB 0, alpha, beta)"] = (
        [N("Flatten", ["x"], ["f"]), N("Gemm", ["f", "gw", "gb"], ["y"], alpha=0.5, beta=2.0)],
        [W("gw", 324, 7), W("gb", 1, 7)])
    c["MatMul and Add"] = ([N("Flatten", ["x"], ["f"]), N("MatMul", ["f", "mw"], ["m"]), N("Add", ["m", "mb"], ["s"]),
                            N("Softmax", ["s"], ["y"], axis=1)], [W("mw", 324, 6), W("mb", 6)])
    c["MatMul without a bias"] = ([N("Flatten", ["x"], ["f"]), N("MatMul", ["f", "mw"], ["y"])], [W("mw", 324, 3)])
    c["Reshape to (N, -1) by Shape arithmetic"] = (
        [N("Shape", ["x"], ["sh"]), N("Gather", ["sh", "zero"], ["n"], axis=0), N("Unsqueeze", ["n", "axes"], ["n1"]),
         N("Concat", ["n1", "minus"], ["target"], axis=0), N("Reshape", ["x", "target"], ["f"]),
         N("Gemm", ["f", "gw"], ["y"], transB=1)],
        [I64("zero", 0), I64("axes", [0]), I64("minus", [-1]), W("gw", 5, 324)])
    c["Flatten then Relu"] = ([N("Flatten", ["x"], ["f"]), N("Relu", ["f"], ["y"])], [])
    c["Softmax over channels"] = ([N("Softmax", ["x"], ["y"], axis=1)], [])
    n, i = conv("x", "y", pads=[0, 0, 1, 1])
    c["uneven Conv padding (a pad layer first)"] = (n, i)
    n, i = conv("x", "y", auto_pad="SAME_UPPER", strides=[2, 2], k=2)
    c["TensorFlow's SAME padding, even kernel, stride 2"] = (n, i)
    n, i = conv("x", "y", dilations=[2, 2], pads=[2, 2, 2, 2])
    c["dilated Conv"] = (n, i)
    n, i = conv("x", "y", dilations=[1, 2], pads=[0, 1, 2, 1])
    c["dilated Conv, uneven padding"] = (n, i)
    c["dilated MaxPool"] = ([N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], dilations=[2, 2], pads=[1, 1, 1, 1])], [])
    c["AveragePool leaving its padding out"] = (
        [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])], [])
    c["AveragePool leaving its padding out, ceil_mode"] = (
        [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)], [])
    c["MaxPool padding unevenly (a pad layer that never wins)"] = (
        [N("MaxPool", ["x"], ["y"], kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1])], [])
    c["AveragePool counting uneven padding"] = (
        [N("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2], pads=[1, 0, 0, 1], count_include_pad=1)],
        [])
    return c


CASES = _cases()


def _branched():
    c = {}
    n1, i1 = conv("x", "a", filters=4, pads=[1, 1, 1, 1])
    n2, i2 = conv("x", "b", filters=4, k=1)
    c["Add of two branches"] = (n1 + n2 + [N("Add", ["a", "b"], ["y"])], i1 + i2)
    c["Sum of three"] = (n1 + n2 + [N("Relu", ["x"], ["r"]), N("Sum", ["a", "b", "r"], ["y"])], i1 + i2)
    c["Concat on channels"] = (n1 + n2 + [N("Concat", ["a", "b", "x"], ["y"], axis=1)], i1 + i2)
    c["GlobalAveragePool"] = ([N("GlobalAveragePool", ["x"], ["y"])], [])
    c["GlobalMaxPool"] = ([N("GlobalMaxPool", ["x"], ["y"])], [])
    c["ReduceMean over the spatial axes"] = ([N("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=1)], [])
    c["ReduceMean without keepdims, then Gemm"] = (
        [N("ReduceMean", ["x"], ["m"], axes=[-1, -2], keepdims=0), N("Gemm", ["m", "gw"], ["y"], transB=1)],
        [W("gw", 3, 4)])
    return c


CASES.update(_branched())


@pytest.mark.parametrize("case", list(CASES))
def test_an_operator_computes_what_onnxruntime_computes(tmp_path, case):
    ort = pytest.importorskip("onnxruntime")
    from designer.engine.net import EngineNet
    nodes, inits, *opset = CASES[case]
    m = model(nodes, inits, opset=opset[0] if opset else 13)
    path = tmp_path / "m.onnx"
    onnx.save(m, str(path))
    result = import_onnx(path)
    net = EngineNet(result.network)
    if result.arrays:
        net.load_state_dict(result.arrays)
    x = np.random.default_rng(1).normal(0, 1, (1, 4, 9, 9)).astype(np.float32)
    want = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
    got = net.predict(x)
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-4, atol=1e-5)


REFUSED = {
    "average leaving its uneven padding out": (
        ([N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 2, 2])], []), "left out"),
    "transposed convolution": (([N("ConvTranspose", ["x", "w"], ["y"], kernel_shape=[2, 2])], [W("w", 4, 3, 2, 2)]),
                               "transposed convolution"),
    "Resize": (([N("Resize", ["x", "", "scales"], ["y"], mode="nearest")], [F("scales", [1, 1, 2, 2])]), "resize"),
    "attention's MatMul of two computed tensors": (
        ([N("Relu", ["x"], ["r"]), N("MatMul", ["x", "r"], ["y"])], []), "attention"),
    "LRN of an even size": (([N("LRN", ["x"], ["y"], size=4)], []), "even"),
    "Softmax over the width": (([N("Softmax", ["x"], ["y"], axis=3)], []), "axis"),
    "an operator it lacks": (([N("Transpose", ["x"], ["y"], perm=[0, 1, 3, 2])], []), "(Transpose)"),
    "Add of a constant along W": (([N("Add", ["x", "c"], ["y"])], [F("c", np.arange(9.0))]), "along W"),
    "Reshape that is not a flatten": (([N("Reshape", ["x", "s"], ["y"])], [I64("s", [1, 2, 2, 81])]), "reshapes"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_cannot_be_represented_is_one_sentence_naming_the_node(tmp_path, case):
    (nodes, inits), words = REFUSED[case]
    path = tmp_path / "m.onnx"
    onnx.save(model(nodes, inits), str(path))
    with pytest.raises(OnnxImportError) as e:
        import_onnx(path)
    message = str(e.value)
    assert "\n" not in message and words in message and f'"{nodes[-1].name}"' in message


def test_pool_settings_become_the_pool_that_computes_them():
    # Caffe's rounding up written as end padding
    assert pool_layer("max", [3, 3], [2, 2], [0, 0, 1, 1], False, False, (13, 13), (6, 6)) == \
        ("pool", {"mode": "max", "size": 3, "stride": 2, "padding": 0, "ceil": True})
    # a single window over the whole input (GoogLeNet's last pool, with its end padding)
    assert pool_layer("avg", [7, 7], [1, 1], [0, 0, 1, 1], False, False, (6, 6), (1, 1)) == \
        ("global_pool", {"mode": "avg"})
    # ceil_mode that rounds nothing up stays a plain pool
    assert pool_layer("max", [2, 2], [2, 2], [0, 0, 0, 0], True, False, (8, 8), (4, 4))[1].get("ceil") is None
    # an average that leaves its padding out is the pool with count_include_pad off
    assert pool_layer("avg", [3, 3], [1, 1], [1, 1, 1, 1], False, False, (5, 5), (5, 5))[1]["count_include_pad"] is False
    # one that leaves uneven padding out has no equal (a pad layer's cells would count)
    assert isinstance(pool_layer("avg", [3, 3], [1, 1], [1, 1, 2, 2], False, False, (5, 5), (6, 6)), str)


def test_our_exports_chain_of_adds_is_one_add_layer_again(tmp_path):
    # what designer/export/onnx.py writes for an add layer "join" of three inputs
    nodes = [N("Relu", ["x"], ["a"]), N("Sigmoid", ["x"], ["b"]), N("Tanh", ["x"], ["c"]),
             helper.make_node("Add", ["a", "b"], ["s1"], name="join_sum1"),
             helper.make_node("Add", ["s1", "c"], ["y"], name="join")]
    path = tmp_path / "m.onnx"
    onnx.save(model(nodes, []), str(path))
    layers = import_onnx(path).network.layers
    assert [layer.type for layer in layers] == ["input", "relu", "sigmoid", "tanh", "add"]
    assert len(layers[-1].sources) == 3
