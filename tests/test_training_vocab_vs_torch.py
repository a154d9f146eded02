"""A training step of a network built from the new vocabulary equals PyTorch's, float64:
a MobileNet-style inverted residual (1×1 expand, depthwise 3×3, squeeze-and-excitation by ``mul``,
1×1 project, identity shortcut), TensorFlow's asymmetric "same" padding before a stride-2
depthwise conv, a ShuffleNetV2 unit (channel_slice split, branch, concat, channel_shuffle), a
dilated conv, a dilated max pool and an average pool without its padding. The depthwise and
1×1 (pointwise) paths are forced on and off, as the parity tests force the other convolution paths."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.engine import SGD, EngineNet  # noqa: E402
from designer.engine.layers import conv, depthwise  # noqa: E402
from designer.model import loads  # noqa: E402
from torch_support import torch_loss, torch_tensor, torch_twin  # noqa: E402

VOCAB_NET = {"format": "nn-designer", "version": 2, "name": "vocabulary", "layers": [
    {"type": "input", "width": 9, "height": 9, "depth": 3},
    {"type": "conv", "filters": 8, "kernel": 3, "padding": 1, "id": "stem"},
    {"type": "conv", "filters": 16, "kernel": 1, "bias": False},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "conv", "filters": 16, "kernel": 3, "padding": 1, "groups": 16, "bias": False},
    {"type": "batchnorm"},
    {"type": "relu", "id": "dw"},
    {"type": "global_pool", "mode": "avg"},
    {"type": "conv", "filters": 4, "kernel": 1},
    {"type": "relu"},
    {"type": "conv", "filters": 16, "kernel": 1},
    {"type": "sigmoid", "id": "scale"},
    {"type": "mul", "inputs": ["dw", "scale"]},
    {"type": "conv", "filters": 8, "kernel": 1, "bias": False},
    {"type": "batchnorm", "id": "project"},
    {"type": "add", "inputs": ["stem", "project"]},
    {"type": "pad", "left": 0, "right": 1, "top": 0, "bottom": 1},
    {"type": "conv", "filters": 8, "kernel": 3, "stride": 2, "groups": 8, "id": "down"},
    {"type": "channel_slice", "start": 0, "stop": 4, "id": "keep"},
    {"type": "channel_slice", "start": 4, "stop": 8, "inputs": ["down"]},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 2, "dilation": 2},
    {"type": "elu", "id": "branch"},
    {"type": "concat", "inputs": ["keep", "branch"]},
    {"type": "channel_shuffle", "groups": 2},
    {"type": "pool", "mode": "max", "size": 2, "stride": 1, "padding": 1, "dilation": 2},
    {"type": "pool", "mode": "avg", "size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"type": "flatten"},
    {"type": "dense", "units": 3}]}


def vocab_network():
    return loads(json.dumps(VOCAB_NET))


def test_the_network_uses_every_new_feature():
    network = vocab_network()
    assert not network.report().problems
    types = {layer.type for layer in network.layers}
    assert {"mul", "pad", "channel_slice", "channel_shuffle"} <= types
    net = EngineNet(network, np.float64)
    assert sum(getattr(layer, "depthwise", False) for layer in net.layers) == 2


@pytest.mark.slow
@pytest.mark.parametrize("fast", [True, False], ids=["depthwise and pointwise paths", "im2col"])
def test_training_steps_match_torch(fast, monkeypatch):
    monkeypatch.setattr(depthwise, "ENABLED", fast)
    monkeypatch.setattr(conv, "POINTWISE", fast)
    network = vocab_network()
    rng = np.random.default_rng(5)
    net = EngineNet(network, np.float64, seed=3)
    assert any(getattr(layer, "depthwise", False) for layer in net.layers) == fast
    assert any(getattr(layer, "pointwise", False) for layer in net.layers) == fast
    model = torch_twin(net).train()
    x = rng.normal(size=(4,) + net.input_shape)
    y = rng.integers(0, 3, size=4)
    lr, momentum, decay = 0.05, 0.9, 1e-3
    opt = SGD(net.params, lr=lr, momentum=momentum, weight_decay=decay)
    topt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=decay)
    for step in range(2):
        value, _ = net.loss_and_backward(x, y, "cross_entropy")
        topt.zero_grad()
        want = torch_loss(model, x, y, "cross_entropy", network, net.n_outputs)
        want.backward()
        assert value == pytest.approx(want.item(), rel=1e-9, abs=1e-12)
        for key in net.param_keys:
            np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                       rtol=1e-7, atol=1e-10, err_msg=key)
        opt.step(net.grads)
        topt.step()
    for key in net.param_keys:
        np.testing.assert_allclose(net.params[key], torch_tensor(model, key).detach().numpy(),
                                   rtol=1e-4, atol=1e-4, err_msg=key)
    assert sum(p.numel() for p in model.parameters()) == sum(info.param_count for info in network.report().layers)
