"""The NumPy engine against PyTorch (float64): randomly generated pipelines with the same
weights give the same outputs, losses, gradients, running statistics and, after several
full-batch SGD steps with momentum and weight decay, the same weights. Each layer kind is
mapped to its PyTorch module by ``torch_module``; the generated pipelines also compare every
layer's shape and parameter count with the PyTorch equivalent."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
nn = torch.nn

from designer.model import KINDS, Layer, Network  # noqa: E402
from designer.model.keys import as_pair  # noqa: E402
from designer.engine import SGD, EngineNet, make_targets  # noqa: E402
from designer.model.kinds_spatial import padding_of  # noqa: E402


# --------------------------------------------------------------------------- torch equivalents
class Sign(nn.Module):
    """+1 / −1 with the straight-through gradient."""

    def forward(self, x):
        s = torch.where(x > 0, 1.0, -1.0).to(x.dtype)
        return x + (s - x).detach()


class Maxout(nn.Module):
    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        return x.unflatten(1, (-1, self.pieces)).max(dim=2).values


class OnVectors(nn.Module):
    """Runs a channel module (LocalResponseNorm) on (N, n) by adding a length-1 axis."""

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.unsqueeze(-1)).squeeze(-1) if x.dim() == 2 else self.module(x)


def torch_module(layer: Layer, in_shape: tuple) -> nn.Module:
    """The PyTorch module equivalent to one model layer with input shape (W, H, D) or (n,)."""
    cfg = layer.resolved()
    t = layer.type
    volume = in_shape is not None and len(in_shape) == 3
    if t == "input":
        return nn.Identity()
    if layer.kind.torch_module:  # the exporter's own expression, e.g. "nn.ReLU()"
        return eval(layer.kind.torch_module, {"nn": nn})
    if t == "conv":
        k = as_pair(cfg["kernel"])
        return nn.Conv2d(in_shape[2], cfg["filters"], k, as_pair(cfg["stride"]),
                         padding_of(cfg, k), bias=cfg["bias"], groups=cfg.get("groups", 1))
    if t == "pool":
        k = as_pair(cfg["size"])
        s = as_pair(cfg["stride"]) if "stride" in cfg else k
        p = as_pair(cfg.get("padding", 0))
        ceil = cfg.get("ceil", False)
        if cfg["mode"] == "max":
            return nn.MaxPool2d(k, s, p, ceil_mode=ceil)
        if cfg["mode"] == "avg":
            return nn.AvgPool2d(k, s, p, ceil_mode=ceil)
        return nn.LPPool2d(2, k, s, ceil_mode=ceil)
    if t == "global_pool":
        return nn.AdaptiveAvgPool2d(1) if cfg["mode"] == "avg" else nn.AdaptiveMaxPool2d(1)
    if t == "dense":
        n_in = int(np.prod(in_shape))
        linear = nn.Linear(n_in, cfg["units"], bias=cfg["bias"])
        return nn.Sequential(nn.Flatten(), linear) if volume else linear
    if t == "flatten":
        return nn.Flatten()
    if t == "relu":
        return nn.ReLU()
    if t == "leaky_relu":
        return nn.LeakyReLU(cfg["alpha"])
    if t == "elu":
        return nn.ELU(cfg["alpha"])
    if t == "sigmoid":
        return nn.Sigmoid()
    if t == "tanh":
        return nn.Tanh()
    if t == "sign":
        return Sign()
    if t == "maxout":
        return Maxout(cfg["pieces"])
    if t == "dropout":
        return nn.Dropout(cfg["rate"])
    if t == "lrn":
        return OnVectors(nn.LocalResponseNorm(cfg["size"], cfg["alpha"], cfg["beta"], cfg["k"]))
    if t == "batchnorm":
        d = in_shape[2] if volume else in_shape[0]
        bn = nn.BatchNorm2d if volume else nn.BatchNorm1d
        return bn(d, eps=cfg["eps"], momentum=cfg["momentum"])
    if t == "softmax":
        return nn.Softmax(dim=1)
    raise AssertionError(f"no torch module for {t}")


def test_every_kind_has_a_torch_module():
    samples = {"conv": {"filters": 2}, "dense": {"units": 3}}
    for t in (t for t in KINDS if not KINDS[t].is_merge):  # merges are not modules
        shape = (6, 6, 4) if KINDS[t].spatial or t in ("conv", "pool", "batchnorm") else (4,)
        assert isinstance(torch_module(Layer.make(t, **samples.get(t, {})), shape), nn.Module)


def main_linear(module):
    if isinstance(module, nn.Sequential):
        return module[1]
    if isinstance(module, OnVectors):
        return module.module
    return module


def torch_tensor(model: nn.Sequential, key: str):
    """The torch tensor behind a weights-file key "{i}.{name}"."""
    i, name = key.split(".")
    return getattr(main_linear(model[int(i)]), name)


def torch_twin(net: EngineNet) -> nn.Sequential:
    """A torch Sequential with the engine net's weights (and running statistics)."""
    report = net.network.report()
    mods = [torch_module(layer, info.input).double()
            for layer, info in zip(net.network.layers, report.layers)]
    state = net.state_dict()
    for i, m in enumerate(mods):
        target = main_linear(m)
        for name in ("weight", "bias", "running_mean", "running_var"):
            key = f"{i}.{name}"
            if key in state:
                getattr(target, name).data = torch.from_numpy(state[key].astype(np.float64))
    return nn.Sequential(*mods)


# --------------------------------------------------------------------------- random pipelines
def _pick(rng, options):
    return options[rng.integers(len(options))]


def random_network(rng: np.random.Generator, dropout: bool = True, tries: int = 200) -> Network:
    """A random valid pipeline on a small input, using every layer kind over many draws."""
    for _ in range(tries):
        layers = _draw(rng, dropout)
        network = Network(layers)
        if not network.report().problems:
            return network
    raise AssertionError("no valid random network drawn")


def _activation(rng, dropout):
    t = _pick(rng, ["relu", "leaky_relu", "elu", "sigmoid", "tanh", "sign", "lrn", "batchnorm",
                    "maxout"] + (["dropout"] if dropout else []))
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
def test_random_pipeline_shapes_and_parameter_counts_match_torch(seed):
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
        assert sum(p.numel() for p in module.parameters()) == info.params, layer.type


@pytest.mark.parametrize("seed", SEEDS)
def test_random_pipeline_evaluation_matches_torch(seed):
    rng = np.random.default_rng(seed)
    network = random_network(rng)
    net = EngineNet(network, np.float64, seed=seed)
    model = torch_twin(net).eval()
    x = _input(net, rng)
    with torch.no_grad():
        want = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(net.forward(x), want, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(net.predict(x), want, rtol=1e-9, atol=1e-11)


def _torch_loss(model, x, y, loss, network, n_out):
    fold = loss == "cross_entropy" and network.layers[-1].type == "softmax"
    body = model[:-1] if fold else model
    out = body(torch.from_numpy(x))
    if loss == "cross_entropy":
        return nn.functional.cross_entropy(out.flatten(1), torch.from_numpy(y))
    t = torch.from_numpy(make_targets(y, n_out, network.layers[-1].type, np.float64))
    return 0.5 * ((out.flatten(1) - t) ** 2).sum() / len(x)


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
def test_random_pipeline_gradients_match_torch(seed, loss):
    network, net, model, x, y = training_twins(500 + seed, 6)
    value, _ = net.loss_and_backward(x, y, loss)
    want = _torch_loss(model, x, y, loss, network, net.n_outputs)
    want.backward()
    assert value == pytest.approx(want.item(), rel=1e-9, abs=1e-12)
    for key in net.param_keys:
        np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                   rtol=1e-7, atol=1e-10, err_msg=key)
    for key, array in net.state_dict().items():
        if key.endswith(("running_mean", "running_var")):
            np.testing.assert_allclose(array, torch_tensor(model, key).numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_full_batch_training_with_momentum_matches_torch(seed):
    network, net, model, x, y = training_twins(2000 + seed, 8)
    lr, momentum, decay = 0.05, 0.9, 1e-3
    opt = SGD(net.params, lr=lr, momentum=momentum, weight_decay=decay)
    topt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=decay)
    for _ in range(5):
        net.loss_and_backward(x, y, "cross_entropy")
        opt.step(net.grads)
        topt.zero_grad()
        _torch_loss(model, x, y, "cross_entropy", network, net.n_outputs).backward()
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
    loss = nn.functional.cross_entropy(model[:-1](torch.from_numpy(x)), torch.from_numpy(y))
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-5)
    for key in net.param_keys:
        assert net.grads[key].dtype == np.float32
        np.testing.assert_allclose(net.grads[key], torch_tensor(model, key).grad.numpy(),
                                   rtol=1e-3, atol=1e-5, err_msg=key)
