"""The onnx package's light copies of famous models, and the same models with random initializers
in place of their ConstantOfShape weights, for the import tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import helper, numpy_helper

LIGHT = Path(onnx.__file__).parent / "backend" / "test" / "data" / "light"

# What each input of a node with weights is, to draw sensible random values for it.
ROLES = {"Conv": {2: "bias"}, "Gemm": {2: "bias"},
         "BatchNormalization": {1: "scale", 2: "bias", 3: "mean", 4: "var"}}


def light(name: str) -> Path:
    path = LIGHT / f"light_{name}.onnx"
    if not path.exists():
        pytest.skip(f"the installed onnx has no {path.name}")
    return path


def _roles(graph) -> dict:
    roles = {}
    for node in graph.node:
        for k, name in enumerate(node.input):
            roles.setdefault(name, ROLES.get(node.op_type, {}).get(k, "weight"))
    return roles


def _random(rng, shape, role):
    shape = tuple(int(d) for d in shape)
    if role == "var" or role == "scale":
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if role in ("bias", "mean"):
        return rng.uniform(-0.1, 0.1, shape).astype(np.float32)
    if len(shape) < 2:  # a per-channel scale (Caffe's Scale after a BatchNorm)
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    core = [d for d in shape if d != 1] or [1]
    fan_in = int(np.prod(core)) // core[0] or 1
    array = rng.standard_normal(shape, dtype=np.float32)
    array *= np.float32(np.sqrt(2.0 / fan_in))
    return array


def randomised(path: Path, out: Path, seed: int = 0) -> Path:
    """A copy of a light model whose ConstantOfShape weights are random initializers, kept in an
    external data file beside it (so the tests read the graph without the weights)."""
    model = onnx.load(str(path))
    g = model.graph
    consts = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    roles = _roles(g)
    rng = np.random.default_rng(seed)
    keep = []
    for node in g.node:
        if node.op_type == "ConstantOfShape":
            name = node.output[0]
            array = _random(rng, consts[node.input[0]], roles.get(name, "weight"))
            g.initializer.append(numpy_helper.from_array(array, name))
            g.input.append(helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, array.shape))
        else:
            keep.append(node)
    del g.node[:]
    g.node.extend(keep)
    onnx.save_model(model, str(out), save_as_external_data=True, location=f"{out.stem}.weights",
                    size_threshold=4096)
    return out


def _graph(path: Path):
    return onnx.load(str(path), load_external_data=False)


def weight_count(path: Path) -> int:
    """Parameters by the initializers' sizes: the weights and biases of Conv and Gemm, the scale
    and shift of BatchNormalization (running statistics are not parameters)."""
    model = _graph(path)
    sizes = {t.name: int(np.prod(t.dims)) for t in model.graph.initializer}
    made = {o: n for n in model.graph.node for o in n.output}
    counted = {"Conv": (1, 2), "Gemm": (1, 2), "BatchNormalization": (1, 2)}
    total = 0
    for node in model.graph.node:
        for k in counted.get(node.op_type, ()):
            name = node.input[k] if k < len(node.input) else ""
            while name in made and made[name].op_type == "Reshape":  # a reshaped weight
                name = made[name].input[0]
            total += sizes.get(name, 0)
    return total


def onnx_shapes(path: Path, ops) -> list:
    """ONNX shape inference's per-sample output shapes of the nodes of the given operators."""
    model = onnx.shape_inference.infer_shapes(_graph(path))
    shapes = {v.name: tuple(d.dim_value for d in v.type.tensor_type.shape.dim)[1:]
              for v in list(model.graph.value_info) + list(model.graph.output)}
    return [shapes[n.output[0]] for n in model.graph.node if n.op_type in ops]


def onnxruntime_outputs(path: Path, x: np.ndarray) -> np.ndarray:
    """onnxruntime's outputs for a batch, one sample at a time (the light models fix N = 1)."""
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: x[i:i + 1]})[0].reshape(1, -1) for i in range(len(x))])


def model_output_op(path: Path) -> str:
    """The operator of the node that makes the model's output."""
    graph = _graph(path).graph
    return next(n.op_type for n in graph.node if graph.output[0].name in n.output)
