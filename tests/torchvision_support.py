"""torchvision's classification models for the import tests, exported to ONNX (random weights,
eval mode, opset 17). torchvision's CUDA build registers its C++ ops against operator schemas
that the CPU torch does not define; defining the two it looks for first lets ``import
torchvision`` succeed. Tests skip cleanly where torch or torchvision is not installed."""
from __future__ import annotations

import pytest

_LIB = []  # the library that defines the ops, kept alive for the process


def torchvision():
    """The torchvision module, or a skip."""
    torch = pytest.importorskip("torch")
    if not _LIB:
        try:
            lib = torch.library.Library("torchvision", "DEF")
            lib.define("nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            lib.define("qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
            _LIB.append(lib)
        except RuntimeError:  # already defined (torchvision imported elsewhere first)
            _LIB.append(None)
    try:
        import torchvision as tv
    except Exception as e:  # noqa: BLE001 — a missing or broken build: skip, do not fail
        pytest.skip(f"torchvision cannot be imported ({type(e).__name__}: {str(e)[:80]})")
    return tv


# name -> (builder in torchvision.models, input size)
MODELS = {
    "mobilenet_v2": ("mobilenet_v2", 224), "mobilenet_v3_small": ("mobilenet_v3_small", 224),
    "efficientnet_b0": ("efficientnet_b0", 224), "regnet_y_400mf": ("regnet_y_400mf", 224),
    "shufflenet_v2_x0_5": ("shufflenet_v2_x0_5", 224), "convnext_tiny": ("convnext_tiny", 224),
}


def build(name: str, seed: int = 0):
    """torchvision's ``name`` with random weights, running statistics made non-trivial (so that a
    batchnorm does something), in eval mode."""
    torch = pytest.importorskip("torch")
    tv = torchvision()
    builder, _ = MODELS.get(name, (name, 224))
    torch.manual_seed(seed)
    model = getattr(tv.models, builder)(weights=None)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.1, 0.1)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.1, 0.1)
    return model.eval()


def export(name: str, path, opset: int = 17, seed: int = 0, size: int | None = None, dynamo: bool = False):
    """Export ``build(name)`` to ``path`` (TorchScript's exporter, or the dynamo one); the module."""
    torch = pytest.importorskip("torch")
    model = build(name, seed)
    s = size or MODELS.get(name, (name, 224))[1]
    torch.onnx.export(model, (torch.zeros(1, 3, s, s),), str(path), opset_version=opset, dynamo=dynamo)
    return model
