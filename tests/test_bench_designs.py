"""The speed suite's designs (bench/designs/suite.json) load without a problem, and its
MobileNetV2 for 32×32×3 is torchvision's mobilenet_v2 with 10 classes and CIFAR's
strides: 2,236,682 parameters, 17 inverted residuals (10 with the input added back), 4×4 last
maps; one training step of it runs at batch 2 (the suite measures, tests never do)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from designer.model import load_model

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _suite() -> list:
    listed = json.loads((BENCH / "designs" / "suite.json").read_text(encoding="utf-8"))["designs"]
    return [(d["name"], str(BENCH / "designs" / d["model"]) if (BENCH / "designs" / d["model"]).exists()
             else d["model"], d["batch"]) for d in listed]


@pytest.mark.parametrize("name,model,batch", _suite(), ids=lambda v: str(v))
def test_every_design_loads(name, model, batch):
    assert not load_model(model).report().problems


def test_mobilenet_v2_for_32_by_32():
    name, model, batch = next(d for d in _suite() if d[0] == "mobilenet-v2")
    network = load_model(model)
    report = network.report()
    assert batch == 64 and report.input == (32, 32, 3) and report.output == (10,)
    assert report.total_params == 2_236_682  # torchvision's mobilenet_v2(num_classes=10)
    types = [layer.type for layer in network.layers]
    assert types.count("add") == 10 and "relu6" in types and "relu" not in types
    depthwise = [layer for layer in network.layers if layer.type == "conv" and layer.resolved()["groups"] > 1]
    assert len(depthwise) == 17
    head = next(info for layer, info in zip(network.layers, report.layers) if layer.name == "features.18.0")
    assert head.output == (4, 4, 1280)


def test_one_training_step_of_mobilenet_v2_runs():
    """The step the suite times (engine_vs_torch.step_ours), run here without entering the
    process-wide settings a benchmark process keeps for its life."""
    from designer.engine import SGD, EngineNet
    name, model, _ = next(d for d in _suite() if d[0] == "mobilenet-v2")
    net = EngineNet(load_model(model), np.float32, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((2,) + net.input_shape, dtype=np.float32)
    loss, _ = net.loss_and_backward(x, rng.integers(0, net.n_outputs, 2), "cross_entropy")
    assert np.isfinite(loss) and all(np.isfinite(g).all() for g in net.grads.values())
    assert SGD(net.params, lr=0.01, momentum=0.9).step(net.grads)
