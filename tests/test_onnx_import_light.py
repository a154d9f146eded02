"""Importing the onnx package's light copies of famous models (Caffe's AlexNet with grouped
convolutions and LRN, ZFNet, VGG-19, GoogLeNet, ResNet-50, SqueezeNet, DenseNet-121, Inception-v2,
Caffe2's ShuffleNet): with their ConstantOfShape
weights and with random initializers; the design computes what onnxruntime computes, and its
shapes and parameter counts are ONNX's."""
from __future__ import annotations

import numpy as np
import pytest
from onnx_support import (
    light,
    model_output_op,
    onnx_shapes,
    onnxruntime_outputs,
    randomised,
    weight_count,
)

from designer.model import array_shape

MODELS = ["bvlc_alexnet", "zfnet512", "vgg19", "inception_v1", "resnet50", "squeezenet", "densenet121",
          "inception_v2", "shufflenet"]  # the last two: averages leaving their padding out; channel shuffles


@pytest.fixture(scope="module", params=MODELS)
def imported(request, tmp_path_factory):
    """(name, randomised model path, Imported) once per model for the whole module."""
    from designer.onnx_import import import_onnx
    path = randomised(light(request.param), tmp_path_factory.mktemp(request.param) / "random.onnx")
    return request.param, path, import_onnx(path)


@pytest.mark.slow
def test_the_constant_of_shape_weights_import(imported):
    from designer.onnx_import import import_onnx
    name, _, random = imported
    original = import_onnx(light(name))
    assert original.document == random.document
    assert sorted(original.arrays) == sorted(random.arrays)
    array = next(iter(original.arrays.values()))
    assert np.allclose(array, 0.02)  # the light models' ConstantOfShape value


@pytest.mark.slow
def test_parameters_are_the_initializers_sizes(imported):
    _, path, result = imported
    assert result.network.report().total_params == weight_count(path)


@pytest.mark.slow
def test_shapes_are_onnx_shape_inference(imported):
    _, path, result = imported
    report = result.network.report()
    for ops, types in ((("Conv",), ("conv",)), (("Concat",), ("concat",)), (("Sum",), ("add",))):
        ours = sorted(array_shape(i.output) for i, layer in zip(report.layers, result.network.layers)
                      if layer.type in types)
        assert ours == sorted(onnx_shapes(path, ops))
    final = onnx_shapes(path, [model_output_op(path)])[-1]
    assert int(np.prod(array_shape(report.output))) == int(np.prod(final))


@pytest.mark.slow
def test_predict_equals_onnxruntime(imported):
    from designer.engine.net import EngineNet
    _, path, result = imported
    net = EngineNet(result.network)
    net.load_state_dict(result.arrays)
    n = 1 if result.network.report().total_params > 50_000_000 else 2  # VGG-19 and AlexNet: one is slow enough
    x = np.random.default_rng(1).random((n, *net.input_shape), dtype=np.float32)
    want = onnxruntime_outputs(path, x)
    got = net.predict(x, batch_size=1).reshape(len(x), -1)
    spread = float(want.max() - want.min())
    assert spread > 1e-3  # the random weights leave the outputs apart, so the check can fail
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-3 * spread)


def test_densenet_imports_with_its_scale_layers_folded_into_batchnorm():
    from designer.onnx_import import import_onnx
    result = import_onnx(light("densenet121"))
    types = [layer.type for layer in result.network.layers]
    assert types.count("batchnorm") == 121 and types.count("concat") == 58 and types.count("conv") == 121


def test_a_refused_model_writes_nothing(tmp_path, capsys):
    from cli_support import one_line_error
    from onnx_graphs_support import W, N, save
    model = save(tmp_path, [N("ConvTranspose", ["x", "w"], ["y"], name="decoder/up", kernel_shape=[2, 2])],
                 [W("w", 4, 3, 2, 2)], name="up.onnx")
    out, weights = tmp_path / "s.json", tmp_path / "s.npz"
    line = one_line_error(capsys, "import", model, "-o", out, "--weights", weights)
    assert '"decoder/up"' in line and "transposed convolution" in line
    assert not out.exists() and not weights.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["up.onnx"]  # no partial or temporary file either
