"""The NumPy engine against PyTorch (float64): randomly generated chains with the same
weights give the same outputs, losses, gradients, running statistics and, after several
full-batch SGD steps with momentum and weight decay, the same weights. Each layer kind is
mapped to its PyTorch module by ``torch_module``; the generated chains also compare every
layer's shape and parameter count with the PyTorch equivalent."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from designer.model import KINDS, Layer, Network  # noqa: E402
from designer.engine import SGD, EngineNet  # noqa: E402
from designer.model.keys import as_pair  # noqa: E402
from torch_support import torch_loss, torch_module, torch_tensor, torch_twin  # noqa: E402


def test_every_kind_has_a_torch_module():
    samples = {"conv": {"filters": 2}, "dense": {"units": 3}, "channel_slice": {"stop": 2}}
    for t in (t for t in KINDS if not KINDS[t].is_merge):  # merges are not modules
        shape = (6, 6, 4) if KINDS[t].spatial or t in ("conv", "pool", "batchnorm") else (4,)
        assert isinstance(torch_module(Layer.make(t, **samples.get(t, {})), shape), nn.Module)


# --------------------------------------------------------------------------- random chains
def _pick(rng, options):
    return options[rng.integers(len(options))]


def random_network(rng: np.random.Generator, dropout: bool = True, tries: int = 200) -> Network:
    """A random valid chain on a small input, using every layer kind over many draws."""
    for _ in range(tries):
        layers = _draw(rng, dropout)
        network = Network(layers)
        if not network.report().problems:
            return network
    raise AssertionError("no valid random network drawn")


def _activation(rng, dropout):
    t = _pick(rng, ["relu", "leaky_relu", "elu", "sigmoid", "tanh", "sign", "lrn", "batchnorm",
                    "maxout", "relu6", "hardtanh", "hardsigmoid", "hardswish", "silu", "gelu",
                    "layer_norm", "layer_scale", "scale_shift"]
              + (["dropout"] if dropout else []))
    if t == "hardtanh":
        lo = float(rng.uniform(-2.0, 0.0))
        return Layer.make(t, min_val=lo, max_val=lo + float(rng.uniform(0.5, 3.0)))
    if t == "gelu":
        return Layer.make(t, approximate=_pick(rng, ["none", "tanh"]))
    if t in ("layer_norm", "layer_scale"):
        return Layer.make(t, **({"eps": float(rng.uniform(1e-6, 0.1))} if t == "layer_norm"
                                else {"init": float(rng.uniform(0.1, 2.0))}))
    if t == "leaky_relu":
        return Layer.make(t, alpha=float(rng.uniform(0.01, 0.3)))
    if t == "elu":
        return Layer.make(t, alpha=float(rng.uniform(0.5, 1.5)))
    if t == "lrn":
        return Layer.make(t, size=int(rng.integers(1, 6)), alpha=float(rng.uniform(0.1, 1.0)),
                          beta=float(rng.uniform(0.5, 1.0)), k=float(rng.uniform(1.0, 2.0)))
    if t == "batchnorm":
        return Layer.make(t, momentum=float(rng.uniform(0.05, 0.5)))
    if t == "maxout":
        return Layer.make(t, pieces=2)
    if t == "dropout":
        return Layer.make(t, rate=0.3)
    return Layer.make(t)


def _draw(rng, dropout):
    w, h = int(rng.integers(5, 10)), int(rng.integers(5, 10))
    layers = [Layer.make("input", width=w, height=h, depth=int(rng.integers(1, 4)))]
    for _ in range(int(rng.integers(1, 3))):
        kernel = _pick(rng, [1, 2, 3, [2, 3], [3, 1]])
        conv = {"filters": 2 * int(rng.integers(1, 3)), "kernel": kernel,
                "stride": _pick(rng, [1, 1, 2, [1, 2]]), "bias": bool(rng.random() < 0.8)}
        conv["padding"] = _pick(rng, [0, 1, [1, 0], "same"])
        layers.append(Layer.make("conv", **conv))
        layers.append(_activation(rng, dropout))
        if rng.random() < 0.6:
            mode = _pick(rng, ["max", "avg", "l2"])
            size = _pick(rng, [2, 3, [2, 1]])
            pool = {"mode": mode, "size": size}
            if rng.random() < 0.5:
                pool["stride"] = _pick(rng, [1, 2])
            if mode != "l2" and rng.random() < 0.3 and as_pair(size) != (2, 1):
                pool["padding"] = 1
            layers.append(Layer.make("pool", **pool))
    if rng.random() < 0.5:
        layers.append(Layer.make("flatten"))
    for _ in range(int(rng.integers(0, 3))):
        layers.append(Layer.make("dense", units=2 * int(rng.integers(1, 5)), bias=bool(rng.random() < 0.8)))
        layers.append(_activation(rng, dropout))
    layers.append(Layer.make("dense", units=int(rng.integers(2, 5))))
    if rng.random() < 0.5:
        layers.append(Layer.make("softmax"))
    return layers


def _input(net: EngineNet, rng, n=5) -> np.ndarray:
    return rng.normal(size=(n,) + net.input_shape)


SEEDS = range(30)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_chain_shapes_and_parameter_counts_match_torch(seed):
    rng = np.random.default_rng(1000 + seed)
    network = random_network(rng)
    report = network.report()
    x = torch.zeros((2,) + EngineNet(network, np.float64).input_shape)
    for layer, info in zip(network.layers, report.layers):
        module = torch_module(layer, info.input)
        x = module(x)
        want = info.output
        got = tuple(x.shape[1:])
        assert got == ((want[2], want[1], want[0]) if len(want) == 3 else want), (layer.type, got, want)
        assert sum(p.numel() for p in module.parameters()) == info.param_count, layer.type


@pytest.mark.parametrize("seed", SEEDS)
def test_random_chain_evaluation_matches_torch(seed):
    rng = np.random.default_rng(seed)
    network = random_network(rng)
    net = EngineNet(network, np.float64, seed=seed)
    model = torch_twin(net).eval()
    x = _input(net, rng)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(net.predict(x), want, rtol=1e-9, atol=1e-11)


def training_twins(seed: int, n: int) -> tuple:
    """A random network without dropout, as an engine net and its torch twin (training mode),
    with a batch of n samples and labels."""
    rng = np.random.default_rng(seed)
    network = random_network(rng, dropout=False)
    net = EngineNet(network, np.float64, seed=seed)
    x = _input(net, rng, n=n)
    return network, net, torch_twin(net).train(), x, rng.integers(0, net.n_outputs, size=n)


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_chain_gradients_match_torch(seed, loss):
    network, net, model, x, y = training_twins(500 + seed, 6)
    value, _ = net.loss_and_backward(x, y, loss)
    want = torch_loss(model, x, y, loss, network, net.n_outputs)
    want.backward()
    assert value == pytest.approx(want.item(), rel=1e-9, abs=1e-12)
    for key in net.param_keys:
        np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                   rtol=1e-7, atol=1e-10, err_msg=key)
    for key, array in net.state_dict().items():
        if key.endswith(("running_mean", "running_var")):
            np.testing.assert_allclose(array, torch_tensor(model, key).numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.slow
def test_full_batch_training_with_momentum_matches_torch(seed):
    network, net, model, x, y = training_twins(2000 + seed, 8)
    lr, momentum, decay = 0.05, 0.9, 1e-3
    opt = SGD(net.params, lr=lr, momentum=momentum, weight_decay=decay)
    topt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=decay)
    for _ in range(5):
        net.loss_and_backward(x, y, "cross_entropy")
        opt.step(net.grads)
        topt.zero_grad()
        torch_loss(model, x, y, "cross_entropy", network, net.n_outputs).backward()
        topt.step()
    for key in net.param_keys:
        np.testing.assert_allclose(net.params[key], torch_tensor(model, key).detach().numpy(),
                                   rtol=1e-4, atol=1e-4, err_msg=key)


def test_lenet5_float32_matches_torch():
    from designer.model import load_model
    network = load_model("lenet5")
    net = EngineNet(network, np.float32, seed=3)
    model = torch_twin(net).float().train()
    rng = np.random.default_rng(0)
    x = rng.random((16, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 16)
    value, out = net.loss_and_backward(x, y, "cross_entropy")
    assert out.dtype == np.float32
    loss = nn.functional.cross_entropy(model(torch.from_numpy(x), upto=len(net.layers) - 2), torch.from_numpy(y))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-5)
    for key in net.param_keys:
        assert net.grads[key].dtype == np.float32
        np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                   rtol=1e-3, atol=1e-5, err_msg=key)
