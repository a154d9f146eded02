"""The efficientnet_b0 template is torchvision's EfficientNet-B0 (written by tools/make_modern_templates.py):
5,288,548 parameters, the sizes of its stages, SiLU and squeeze-and-excitation in every MBConv block,
residual adds where torchvision has them, and (slow) its output equal to its PyTorch twin's; with
torchvision installed, every parameter's shape equals torchvision's by module name."""
from __future__ import annotations

import numpy as np
import pytest

from designer.model import load_model


def test_parameters_and_shapes_are_torchvisions():
    net = load_model("efficientnet_b0")
    report = net.report()
    assert not report.problems
    assert report.total_params == 5_288_548
    assert report.input == (224, 224, 3) and report.output == (1000,)
    by_name = {layer.name: info for layer, info in zip(net.layers, report.layers) if layer.name}
    # the end of each stage (torchvision's features.1 … features.7), then the 1×1 conv to 1280
    ends = {"features.1.0.block.2.1": (112, 112, 16), "features.2.1.block.3.1": (56, 56, 24),
            "features.3.1.block.3.1": (28, 28, 40), "features.4.2.block.3.1": (14, 14, 80),
            "features.5.2.block.3.1": (14, 14, 112), "features.6.3.block.3.1": (7, 7, 192),
            "features.7.0.block.3.1": (7, 7, 320), "features.8.1": (7, 7, 1280)}
    for name, shape in ends.items():
        assert by_name[name].output == shape, name
    types = [layer.type for layer in net.layers]
    assert types.count("mul") == 16 and types.count("add") == 9  # 16 MBConv blocks, 9 with a shortcut
    depthwise = [layer for layer in net.layers if layer.type == "conv" and layer.resolved()["groups"] > 1]
    assert len(depthwise) == 16 and all(layer.resolved()["groups"] == layer.resolved()["filters"] for layer in depthwise)
    assert types.count("silu") == 1 + 16 * 2 + 15 + 1 and "relu" not in types  # stem, dw + SE, expansions, head
    assert by_name["features.6.0.block.1.0"].param_count == 672 * 5 * 5  # a 5×5 depthwise over 672 channels


def test_each_parameter_is_torchvisions_by_module_name():
    from torchvision_support import torchvision as load_torchvision
    torchvision = load_torchvision()  # defines the ops its CUDA build registers against, or skips
    theirs = {k: tuple(v.shape) for k, v in torchvision.models.efficientnet_b0().state_dict().items()
              if not k.endswith("num_batches_tracked")}
    net = load_model("efficientnet_b0")
    report = net.report()
    ours = {}
    for layer, info in zip(net.layers, report.layers):
        shapes = {**(layer.kind.param_shapes(layer.resolved(), info.inputs) or {}),
                  **(layer.kind.buffer_shapes(layer.resolved(), info.inputs) or {})}
        ours.update({f"{layer.name}.{k}": tuple(v) for k, v in shapes.items()})
    assert ours == theirs


@pytest.mark.slow
def test_the_output_equals_its_pytorch_twin():
    torch = pytest.importorskip("torch")
    from designer.engine import EngineNet
    from torch_support import torch_twin
    net = EngineNet(load_model("efficientnet_b0"), np.float32, seed=1)
    model = torch_twin(net).float().eval()
    x = np.random.default_rng(0).normal(size=(1, 3, 224, 224)).astype(np.float32)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    got = net.forward(x)
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-5)


@pytest.mark.slow
def test_its_onnx_and_pytorch_exports_equal_the_engine(tmp_path):
    """Exported with random weights, onnxruntime and the PyTorch module compute the engine's output."""
    ort = pytest.importorskip("onnxruntime")
    torch = pytest.importorskip("torch")
    from designer.engine import EngineNet
    from designer.export import export_network
    from export_support import load_module
    network = load_model("efficientnet_b0")
    net = EngineNet(network, np.float32, seed=2)
    arrays = net.state_dict()
    x = np.random.default_rng(1).normal(size=(2, 3, 224, 224)).astype(np.float32)
    want = net.predict(x)
    export_network(network, "onnx", tmp_path / "b0.onnx", arrays=arrays)
    session = ort.InferenceSession(str(tmp_path / "b0.onnx"), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": x})[0], want, rtol=1e-3, atol=1e-6)
    np.savez(tmp_path / "b0.npz", **arrays)
    export_network(network, "pytorch", tmp_path / "b0.py", weights_path=tmp_path / "b0.npz")
    model = load_module(tmp_path / "b0.py")["build"]()
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-3, atol=1e-6)


def close(a, b) -> bool:
    """Equal to one part in a million of the arrays' size, or within 1e-8 (a bias before a
    batchnorm has a gradient of 0 that rounding makes 1e-10)."""
    return float(np.linalg.norm(a - b)) <= 1e-6 * float(np.linalg.norm(a) + np.linalg.norm(b)) + 1e-8


@pytest.mark.slow
def test_a_training_step_on_small_images_equals_pytorch():
    """The whole template (every MBConv, SE and 5×5 depthwise path) on 32×32 images, float64:
    the loss, every gradient and the weights after two SGD steps equal its PyTorch twin's."""
    torch = pytest.importorskip("torch")
    from designer.engine import SGD, EngineNet
    from torch_support import torch_loss, torch_tensor, torch_twin
    network = load_model("efficientnet_b0")
    network.set_keys(network[0].uid, {"width": 32, "height": 32})
    dropout = next(layer for layer in network.layers if layer.type == "dropout")
    network.set_keys(dropout.uid, {"rate": 0.0})  # the engine's masks are not PyTorch's
    assert not network.report().problems and network.report().total_params == 5_288_548
    net = EngineNet(network, np.float64, seed=4)
    model = torch_twin(net).train()
    rng = np.random.default_rng(3)
    # a batch of 4: the last stages' maps are 1×1, and a batchnorm over 2 values is ±1 whatever they
    # are (its gradient is rounding noise)
    x = rng.normal(size=(4,) + net.input_shape)
    y = np.array([3, 997, 500, 3])
    lr = 0.01
    opt = SGD(net.params, lr=lr, momentum=0.9)
    topt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    for step in range(2):
        value, _ = net.loss_and_backward(x, y, "cross_entropy")
        topt.zero_grad()
        want = torch_loss(model, x, y, "cross_entropy", network, net.n_outputs)
        want.backward()
        assert value == pytest.approx(want.item(), rel=1e-8)
        if step == 0:
            for key in net.param_keys:
                assert close(net.grads[key], torch_tensor(model, key).grad.numpy()), key
        opt.step(net.grads)
        topt.step()
    for key in net.param_keys:
        assert close(net.params[key], torch_tensor(model, key).detach().numpy()), key
