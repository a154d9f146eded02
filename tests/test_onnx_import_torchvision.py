"""torchvision's classification models exported to ONNX (random weights, eval mode, opset 17)
import and compute what onnxruntime computes, to 1e-3 of the output's range: the six modern CNNs
(MobileNetV2, MobileNetV3-small, EfficientNet-B0, RegNetY-400MF, ShuffleNetV2-x0.5,
ConvNeXt-Tiny) and the 14 families that imported before them. Importing EfficientNet-B0 takes
under 5 s; an imported MobileNetV2 block trains one SGD step as torchvision's block does.
Every test skips cleanly without torch, torchvision or onnxruntime."""
from __future__ import annotations

import time

import numpy as np
import pytest
from onnx_graphs_support import designer_run, onnxruntime_run
from torchvision_support import export, torchvision

from designer.onnx_import import import_onnx

pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

MODERN = ["mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "regnet_y_400mf", "shufflenet_v2_x0_5",
          "convnext_tiny"]
CLASSIC = ["alexnet", "vgg11", "vgg16_bn", "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2",
           "squeezenet1_0", "squeezenet1_1", "densenet121", "googlenet", "inception_v3", "mnasnet1_0",
           "regnet_x_400mf"]


def _equal_to_onnxruntime(path, size, seed=0):
    imported = import_onnx(path)
    x = np.random.default_rng(seed).normal(size=(2, 3, size, size)).astype(np.float32)
    want = onnxruntime_run(path, x)
    got = designer_run(imported, x).reshape(want.shape)
    spread = float(want.max() - want.min())
    assert spread > 1e-3  # random weights leave the outputs apart, so the comparison can fail
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-3 * spread)
    return imported


@pytest.mark.slow
@pytest.mark.parametrize("name", MODERN)
def test_a_modern_cnn_imports_and_equals_onnxruntime(tmp_path, name):
    path = tmp_path / f"{name}.onnx"
    export(name, path, size=96)
    imported = _equal_to_onnxruntime(path, 96)
    types = {layer.type for layer in imported.network.layers}
    expected = {"mobilenet_v2": {"relu6", "add"}, "mobilenet_v3_small": {"hardswish", "hardsigmoid", "mul"},
                "efficientnet_b0": {"silu", "mul"}, "regnet_y_400mf": {"mul", "sigmoid"},
                "shufflenet_v2_x0_5": {"channel_shuffle", "channel_slice", "concat"},
                "convnext_tiny": {"layer_norm", "layer_scale", "gelu"}}[name]
    assert expected <= types


@pytest.mark.slow
@pytest.mark.parametrize("name", CLASSIC)
def test_a_classic_family_still_imports_and_equals_onnxruntime(tmp_path, name):
    path = tmp_path / f"{name}.onnx"
    # small inputs where the model takes them; AlexNet's and VGG's adaptive pools need 224
    size = {"alexnet": 224, "vgg11": 224, "vgg16_bn": 224, "inception_v3": 107}.get(name, 96)
    export(name, path, size=size)
    _equal_to_onnxruntime(path, size)


@pytest.mark.slow
def test_importing_efficientnet_b0_takes_under_five_seconds(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "efficientnet_b0.onnx"
    model = export("efficientnet_b0", path)  # 224×224, as torchvision trains it
    start = time.perf_counter()
    imported = import_onnx(path)
    assert time.perf_counter() - start < 5.0
    # the export folds each batchnorm into the convolution before it: a bias of C values for the
    # batchnorm's 2·C (torchvision's 5,288,548 parameters with them)
    folded = sum(m.num_features for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert sum(p.numel() for p in model.parameters()) == 5_288_548
    assert imported.network.report().total_params == 5_288_548 - folded


@pytest.mark.slow
def test_an_imported_mobilenet_v2_block_trains_one_sgd_step_as_pytorch(tmp_path):
    """torchvision's InvertedResidual (expand 1×1, depthwise 3×3, project 1×1, each with its
    batchnorm; relu6; the identity shortcut) and a classifier, exported with its batchnorms kept:
    the imported design's SGD step (batch statistics, as in training) equals torchvision's."""
    torch = pytest.importorskip("torch")
    tv = torchvision()
    from torchvision.models.mobilenetv2 import InvertedResidual

    from designer.engine import SGD, EngineNet
    torch.manual_seed(0)
    model = torch.nn.Sequential(InvertedResidual(8, 8, 1, 6), torch.nn.Flatten(), torch.nn.Linear(8 * 7 * 7, 5))
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
    path = tmp_path / "block.onnx"
    torch.onnx.export(model.eval(), (torch.zeros(1, 8, 7, 7),), str(path), opset_version=17, dynamo=False,
                      do_constant_folding=False)  # the batchnorms stay (not folded into the convolutions)
    imported = import_onnx(path)
    types = [layer.type for layer in imported.network.layers]
    assert types.count("batchnorm") == 3 and types.count("relu6") == 2 and "add" in types
    assert tv is not None
    net = EngineNet(imported.network, np.float64)
    net.load_state_dict({k: v.astype(np.float64) for k, v in imported.arrays.items()})
    model = model.double().train()
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 8, 7, 7)), rng.integers(0, 5, size=6)
    lr = 0.1
    opt, topt = SGD(net.params, lr=lr), torch.optim.SGD(model.parameters(), lr=lr)
    value, _ = net.loss_and_backward(x, y, "cross_entropy")
    want = torch.nn.functional.cross_entropy(model(torch.from_numpy(x)), torch.from_numpy(y))
    topt.zero_grad()
    want.backward()
    assert value == pytest.approx(want.item(), rel=1e-6)
    opt.step(net.grads)
    topt.step()
    # the parameters in the order both hold them (conv, batchnorm weight and bias, ..., linear)
    ours = [net.params[k] for k in net.param_keys]
    theirs = [p.detach().numpy() for p in model.parameters()]
    assert [a.size for a in ours] == [b.size for b in theirs]
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.reshape(b.shape), b, rtol=1e-4, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODERN)
def test_a_modern_cnn_exported_at_opset_13_imports(tmp_path, name):
    """Before opset 17 a layer norm is written out (ReduceMean, Sub, Pow, Sqrt, Div, Mul, Add) and
    hard-swish before opset 14 as x·HardSigmoid(x): both fold back."""
    path = tmp_path / f"{name}.onnx"
    export(name, path, opset=13, size=64)
    _equal_to_onnxruntime(path, 64)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mobilenet_v2", "efficientnet_b0", "shufflenet_v2_x0_5"])
def test_a_modern_cnn_from_the_dynamo_exporter_imports(tmp_path, name):
    pytest.importorskip("onnxscript")  # what torch.onnx's dynamo exporter writes with
    path = tmp_path / f"{name}.onnx"
    export(name, path, opset=18, size=64, dynamo=True)
    _equal_to_onnxruntime(path, 64)


@pytest.mark.slow
def test_a_vision_transformer_is_refused_at_its_attention(tmp_path):
    """A ViT (torchvision's, small) is refused in one sentence that names its attention, not the
    Reshape of its patches that comes first."""
    torch = pytest.importorskip("torch")
    tv = torchvision()
    from onnx_graphs_support import refusal
    torch.manual_seed(0)
    model = tv.models.VisionTransformer(image_size=32, patch_size=8, num_layers=1, num_heads=2, hidden_dim=16,
                                        mlp_dim=32, num_classes=5).eval()
    path = tmp_path / "vit.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 32, 32),), str(path), opset_version=17, dynamo=False)
    message = refusal(path)
    assert "attention" in message and "(MatMul)" in message


@pytest.mark.slow
def test_stochastic_depth_is_the_identity_in_eval_mode(tmp_path):
    torch = pytest.importorskip("torch")
    tv = torchvision()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), tv.ops.StochasticDepth(0.5, "row"), torch.nn.ReLU()).eval()
    path = tmp_path / "sd.onnx"
    torch.onnx.export(model, (torch.zeros(1, 3, 8, 8),), str(path), opset_version=17, dynamo=False)
    imported = _equal_to_onnxruntime(path, 8)
    assert [layer.type for layer in imported.network.layers] == ["input", "conv", "relu"]
