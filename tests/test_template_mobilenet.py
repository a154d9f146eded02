"""The mobilenet_v2 template is torchvision's MobileNetV2 (width 1.0): 3,504,872 parameters, as
torchvision counts them, in its 17 inverted residual blocks (ReLU6, depthwise convs through
``groups``, the residual add where the shape stays), and its PyTorch export holds the same."""
from __future__ import annotations

import pytest

from designer.model import load_template

TORCHVISION_PARAMS = 3_504_872  # sum(p.numel() for p in torchvision.models.mobilenet_v2().parameters())


def test_mobilenet_v2_has_torchvisions_parameter_count_and_blocks():
    network = load_template("mobilenet_v2")
    report = network.report()
    assert report.total_params == TORCHVISION_PARAMS and not report.problems
    assert report.input == (224, 224, 3) and report.output == (1000,)
    layers = list(zip(network.layers, report.layers))
    depthwise = [info for layer, info in layers if layer.type == "conv" and layer.resolved().get("groups", 1) > 1]
    # every grouped conv is depthwise: one group per channel, 3×3, as many filters as channels
    assert len(depthwise) == 17
    assert all(info.input[2] == info.output[2] == net_layer.resolved()["groups"]
               for net_layer, info in layers if net_layer.type == "conv" and net_layer.resolved().get("groups", 1) > 1)
    assert sum(layer.type == "add" for layer in network.layers) == 10  # blocks whose shape stays
    assert sum(layer.type == "relu6" for layer in network.layers) == 35
    assert sum(layer.type == "relu" for layer in network.layers) == 0
    # the last block's output and the head, as torchvision's
    assert [info.output for layer, info in layers if layer.name == "features.18.0"] == [(7, 7, 1280)]


def _exported():
    from designer.export.pytorch import pytorch_source
    namespace = {"__name__": "mobilenet"}
    exec(compile(pytorch_source(load_template("mobilenet_v2")), "mobilenet", "exec"), namespace)
    return namespace["Net"]()


def test_the_pytorch_export_of_mobilenet_v2_holds_the_same_parameters():
    pytest.importorskip("torch")
    assert sum(p.numel() for p in _exported().parameters()) == TORCHVISION_PARAMS


@pytest.mark.slow
def test_the_pytorch_export_of_mobilenet_v2_runs():
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        assert _exported().eval()(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_the_arrays_line_up_with_torchvisions_state_dict():
    """Where torchvision is installed: the weights file's arrays, in order, have the shapes of
    torchvision's state dict (so its weights load one for one)."""
    from torchvision_support import torchvision as load_torchvision
    torchvision = load_torchvision()  # defines the ops its CUDA build registers against, or skips
    from designer.model import expected_arrays
    ours = [shape for key, shape in expected_arrays(load_template("mobilenet_v2")).items()]
    theirs = [tuple(v.shape) for k, v in torchvision.models.mobilenet_v2().state_dict().items()
              if not k.endswith("num_batches_tracked")]
    assert ours == theirs


def _torchvision_like():
    """MobileNetV2 written out as torchvision's mobilenetv2.py builds it (width 1.0, no rounding
    needed), for machines without torchvision: the same modules in the same order."""
    torch = pytest.importorskip("torch")
    nn = torch.nn

    def cna(inp, oup, k=3, s=1, groups=1, act=True):
        mods = [nn.Conv2d(inp, oup, k, s, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(oup)]
        return mods + ([nn.ReLU6()] if act else [])

    mods, inp = cna(3, 32, s=2), 32
    for t, c, n, s in ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                       (6, 160, 3, 2), (6, 320, 1, 1)):
        for i in range(n):
            hidden = inp * t
            mods += (cna(inp, hidden, 1) if t != 1 else []) + cna(hidden, hidden, 3, s if i == 0 else 1, hidden)
            mods += cna(hidden, c, 1, act=False)
            inp = c
    mods += cna(320, 1280, 1) + [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(1280, 1000)]
    return nn.Sequential(*mods)


def test_the_arrays_line_up_with_torchvisions_construction():
    from designer.model import expected_arrays
    ours = list(expected_arrays(load_template("mobilenet_v2")).values())
    reference = _torchvision_like()
    theirs = [tuple(v.shape) for k, v in reference.state_dict().items() if not k.endswith("num_batches_tracked")]
    assert ours == theirs
    assert sum(p.numel() for p in reference.parameters()) == TORCHVISION_PARAMS
