"""``nn-designer import``: the files it writes, and damaged or hostile ONNX files (truncated, not a
protobuf, huge declared dimensions, a cycle, mutated at random), which give status 2 and one
sentence and write nothing."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from cli_support import one_line_error, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper

from designer.errors import UserError


def small_model(input_dims=(1, 3, 8, 8), extra_nodes=(), extra_inits=(), opset=13):
    """Conv 4×3×3 (pad 1), relu, 2×2 max pool, flatten, dense 10, softmax."""
    rng = np.random.default_rng(0)
    inits = [numpy_helper.from_array(rng.normal(0, 0.3, (4, 3, 3, 3)).astype(np.float32), "w"),
             numpy_helper.from_array(rng.normal(0, 0.1, 4).astype(np.float32), "b"),
             numpy_helper.from_array(rng.normal(0, 0.1, (10, 64)).astype(np.float32), "fw"),
             numpy_helper.from_array(rng.normal(0, 0.1, 10).astype(np.float32), "fb"), *extra_inits]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["g"], name="fc", transB=1),
             helper.make_node("Softmax", ["g"], ["y"], name="softmax", axis=1), *extra_nodes]
    graph = helper.make_graph(nodes, "small", [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(input_dims))],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [input_dims[0], 10])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.fixture(scope="module")
def small_bytes() -> bytes:
    return small_model().SerializeToString()


def _refused(capsys, tmp_path, data: bytes) -> str:
    src = tmp_path / "m.onnx"
    src.write_bytes(data)
    line = one_line_error(capsys, "import", src, "-o", tmp_path / "out.json", "--weights", tmp_path / "out.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]  # nothing written, no temporary file
    return line


def test_import_writes_a_design_and_weights_the_designer_runs(tmp_path, capsys, small_bytes):
    src, out, weights = tmp_path / "m.onnx", tmp_path / "m.json", tmp_path / "m.npz"
    src.write_bytes(small_bytes)
    code, text, err = run(capsys, "import", src, "-o", out, "--weights", weights)
    assert code == 0, err
    assert "wrote" in text and str(weights) in text
    from designer.engine.net import EngineNet
    from designer.model import load, load_weights
    network = load(out)
    assert [layer.type for layer in network.layers] == ["input", "conv", "relu", "pool", "flatten", "dense", "softmax"]
    net = EngineNet(network)
    net.load_state_dict(load_weights(weights, network))
    x = np.random.default_rng(3).random((4, 3, 8, 8), dtype=np.float32)
    from onnx.reference import ReferenceEvaluator
    want = np.concatenate([ReferenceEvaluator(small_model()).run(None, {"x": x[i:i + 1]})[0] for i in range(4)])
    np.testing.assert_allclose(net.predict(x), want, rtol=1e-4, atol=1e-6)


def test_without_weights_option_only_the_design_is_written(tmp_path, capsys, small_bytes):
    src = tmp_path / "m.onnx"
    src.write_bytes(small_bytes)
    code, text, _ = run(capsys, "import", src, "-o", tmp_path / "m.json")
    assert code == 0 and "--weights" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json", "m.onnx"]


@pytest.mark.parametrize("which", ["-o", "--weights"])
def test_an_output_naming_the_input_is_refused(tmp_path, capsys, small_bytes, which):
    src = tmp_path / "m.onnx"
    src.write_bytes(small_bytes)
    other = tmp_path / ("m.npz" if which == "-o" else "m.json")
    args = ["-o", src, "--weights", other] if which == "-o" else ["-o", other, "--weights", src]
    line = one_line_error(capsys, "import", src, *args)
    assert "same file" in line
    assert src.read_bytes() == small_bytes and not other.exists()


def test_without_onnx_one_sentence_says_how_to_install_it(tmp_path, capsys, monkeypatch, small_bytes):
    src = tmp_path / "m.onnx"
    src.write_bytes(small_bytes)
    monkeypatch.setitem(sys.modules, "onnx", None)
    line = one_line_error(capsys, "import", src, "-o", tmp_path / "m.json")
    assert "pip install 'nn-designer[export]'" in line


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.97])
def test_a_truncated_file_is_one_sentence(tmp_path, capsys, small_bytes, cut):
    line = _refused(capsys, tmp_path, small_bytes[: int(len(small_bytes) * cut)])
    assert "m.onnx" in line


@pytest.mark.parametrize("data", [b"hello, this is plain text\n" * 20, b"\x89PNG\r\n\x1a\n" + bytes(200),
                                  b'{"format": "nn-designer", "version": 1, "layers": []}', b""])
def test_a_file_that_is_not_onnx_is_one_sentence(tmp_path, capsys, data):
    line = _refused(capsys, tmp_path, data)
    assert "m.onnx" in line and ("not an ONNX model" in line or "empty" in line)


def test_a_huge_declared_input_dimension_is_refused(tmp_path, capsys):
    line = _refused(capsys, tmp_path, small_model(input_dims=(1, 3, 10 ** 9, 8)).SerializeToString())
    assert "too large" in line


def test_a_huge_declared_initializer_without_its_data_is_refused(tmp_path, capsys):
    huge = TensorProto(name="huge", data_type=TensorProto.FLOAT, dims=[10 ** 6, 10 ** 6])
    line = _refused(capsys, tmp_path, small_model(extra_inits=[huge]).SerializeToString())
    assert "huge" in line and "too large" in line


def test_a_huge_constant_of_shape_is_refused(tmp_path, capsys):
    shape = numpy_helper.from_array(np.array([10 ** 6, 10 ** 6], np.int64), "shape")
    nodes = [helper.make_node("ConstantOfShape", ["shape"], ["big"], name="bomb"),
             helper.make_node("Add", ["y", "big"], ["z"], name="use")]
    model = small_model(extra_nodes=nodes, extra_inits=[shape])
    model.graph.output[0].name = "z"
    line = _refused(capsys, tmp_path, model.SerializeToString())
    assert "too large" in line


def test_a_cycle_is_refused(tmp_path, capsys):
    model = small_model()
    nodes = list(model.graph.node)
    nodes[1] = helper.make_node("Add", ["c", "p"], ["r"], name="loop")  # reads the pool that reads it
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    line = _refused(capsys, tmp_path, model.SerializeToString())
    assert "cycle" in line and "loop" in line


def test_a_tensor_read_but_never_made_is_refused(tmp_path, capsys):
    model = small_model()
    model.graph.node[1].input[0] = "nowhere"
    line = _refused(capsys, tmp_path, model.SerializeToString())
    assert "nowhere" in line


def test_missing_external_weights_are_one_sentence(tmp_path, capsys, small_bytes):
    model = onnx.load_model_from_string(small_bytes)
    onnx.save_model(model, str(tmp_path / "m.onnx"), save_as_external_data=True, location="w.bin", size_threshold=0)
    (tmp_path / "w.bin").unlink()
    line = one_line_error(capsys, "import", tmp_path / "m.onnx", "-o", tmp_path / "o.json")
    assert "external" in line and not (tmp_path / "o.json").exists()


@pytest.fixture(scope="module")
def torch_lrn_bytes(tmp_path_factory) -> bytes:
    """A model torch.onnx.export wrote, with PyTorch's LRN pattern (Shape, If, Pad...) to fold."""
    torch = pytest.importorskip("torch")
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(), torch.nn.LocalResponseNorm(3),
                                torch.nn.MaxPool2d(2, ceil_mode=True), torch.nn.Flatten(), torch.nn.Linear(36, 5))
    path = tmp_path_factory.mktemp("torch") / "lrn.onnx"
    torch.onnx.export(model.eval(), (torch.rand(1, 3, 8, 8),), str(path), dynamo=False)
    from designer.onnx_import import import_onnx
    assert "lrn" in [layer.type for layer in import_onnx(path).network.layers]  # unmutated, it imports
    return path.read_bytes()


@pytest.mark.parametrize("source", ["small_bytes", "torch_lrn_bytes"])
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_model_imports_or_gives_one_sentence(source, request, data, tmp_path_factory):
    blob = bytearray(request.getfixturevalue(source))
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(blob) - 1))
        blob[at] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[: data.draw(st.integers(1, len(blob)))]
    path = tmp_path_factory.mktemp("mutated") / "m.onnx"
    path.write_bytes(bytes(blob))
    from designer.onnx_import import import_onnx
    try:
        result = import_onnx(path)
    except UserError as e:
        message = str(e)
        assert "\n" not in message and message.startswith(str(path))
    else:
        assert result.network.report().problems == []


def test_a_constant_that_would_grow_without_bound_is_not_computed(tmp_path, capsys):
    big = [numpy_helper.from_array(np.ones(1, np.float32), "one"),
           numpy_helper.from_array(np.array([10 ** 6, 10 ** 6], np.int64), "reps")]
    nodes = [helper.make_node("Tile", ["one", "reps"], ["big"], name="tile"),
             helper.make_node("Add", ["y", "big"], ["z"], name="use")]
    model = small_model(extra_nodes=nodes, extra_inits=big)
    model.graph.output[0].name = "z"
    line = _refused(capsys, tmp_path, model.SerializeToString())
    assert "too large" in line or "(Tile)" in line


def test_a_constant_broadcast_to_a_huge_size_is_refused_before_it_is_computed(tmp_path, capsys):
    shapes = [numpy_helper.from_array(np.array([1 << 20, 1], np.int64), "s1"),
              numpy_helper.from_array(np.array([1, 1 << 20], np.int64), "s2")]
    nodes = [helper.make_node("ConstantOfShape", ["s1"], ["column"], name="column"),
             helper.make_node("ConstantOfShape", ["s2"], ["row"], name="row"),
             helper.make_node("Mul", ["column", "row"], ["big"], name="outer"),
             helper.make_node("Add", ["y", "big"], ["z"], name="use")]
    model = small_model(extra_nodes=nodes, extra_inits=shapes)
    model.graph.output[0].name = "z"
    line = _refused(capsys, tmp_path, model.SerializeToString())
    assert "too large" in line
