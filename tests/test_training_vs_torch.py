"""The whole training loop against PyTorch: random small networks, the same start weights, the
same data; the Trainer (full-batch steps, or mini-batches in file order) and torch.optim.SGD with
momentum and weight decay must end with the same weights (1e-4). The PyTorch twin is the module
``nn-designer export --to pytorch`` writes, so this also checks the exporter under training."""
from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.engine.data import Dataset  # noqa: E402
from designer.engine.losses import make_targets  # noqa: E402
from designer.engine.training import TrainConfig, Trainer  # noqa: E402
from designer.export.pytorch import pytorch_source  # noqa: E402
from designer.model import loads  # noqa: E402

ACTIVATIONS = ["relu", "tanh", "sigmoid", "elu", "leaky_relu"]


def random_network(rng) -> dict:
    """A small random chain (no dropout or sign: their randomness or jumps are not comparable)."""
    act = lambda: {"type": str(rng.choice(ACTIVATIONS))}  # noqa: E731
    classes = int(rng.integers(2, 5))
    if rng.random() < 0.5:
        layers = [{"type": "input", "features": int(rng.integers(3, 7))}]
        for _ in range(int(rng.integers(1, 3))):
            layers += [{"type": "dense", "units": int(rng.integers(3, 9))}, act()]
        if rng.random() < 0.5:
            layers.append({"type": "batchnorm"})
    else:
        layers = [{"type": "input", "width": int(rng.integers(6, 10)), "height": int(rng.integers(6, 10)),
                   "depth": int(rng.integers(1, 4))},
                  {"type": "conv", "filters": int(rng.integers(2, 6)), "kernel": int(rng.integers(2, 4)),
                   "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2))},
                  act(),
                  {"type": "pool", "mode": str(rng.choice(["max", "avg", "l2"])), "size": 2}]
        if rng.random() < 0.5:
            layers.append({"type": str(rng.choice(["batchnorm", "lrn"]))})
        layers += [{"type": "dense", "units": int(rng.integers(4, 10))}, act()]
    layers.append({"type": "dense", "units": classes})
    if rng.random() < 0.7:
        layers.append({"type": "softmax"})
    return {"format": "nn-designer", "version": 1, "name": "random", "layers": layers}


def torch_twin(network, arrays):
    namespace = {"__name__": "twin"}
    exec(compile(pytorch_source(network), "twin", "exec"), namespace)
    model = namespace["Net"]().double()
    names = namespace["LAYERS"]  # the weights file's layer index -> the module's attribute
    state = {f"{names[int(k.split('.')[0])]}.{k.split('.', 1)[1]}": torch.from_numpy(np.array(v, dtype=np.float64))
             for k, v in arrays.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing)
    return model.train(), names


def torch_loss(model, network, x, y, loss):
    last = network.layers[-1].type
    if loss == "cross_entropy":
        logits = model(x, scores=True) if last == "softmax" else model(x)
        return torch.nn.functional.cross_entropy(logits, y)
    out = model(x)
    t = torch.from_numpy(make_targets(y.numpy(), out.shape[1], last, np.float64))
    return 0.5 * ((out - t) ** 2).sum(dim=1).mean()


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("batch_size", [32, 5], ids=["full-batch", "mini-batches"])
@pytest.mark.slow
def test_trainer_matches_torch_sgd(seed, batch_size):
    rng = np.random.default_rng(100 + seed)
    network = loads(json.dumps(random_network(rng)))
    loss = "mse" if seed % 3 == 2 else "cross_entropy"
    trainer_input = network.report().input
    shape = (trainer_input[2], trainer_input[1], trainer_input[0]) if len(trainer_input) == 3 else trainer_input
    n, k = 20, int(network.report().output[0])
    x = rng.normal(size=(n, *shape))
    y = rng.integers(0, k, n)
    config = TrainConfig(epochs=4, batch_size=batch_size, lr=0.05, momentum=0.9, weight_decay=1e-3,
                         loss=loss, val_split=0.0, seed=seed, dtype="float64", shuffle=False)
    trainer = Trainer(network, Dataset("random", x, y, None, "test"), config)
    model, names = torch_twin(network, trainer.net.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    torch_losses = []
    for _ in range(config.epochs):
        for lo in range(0, n, batch_size):
            opt.zero_grad()
            value = torch_loss(model, network, tx[lo:lo + batch_size], ty[lo:lo + batch_size], loss)
            value.backward()
            opt.step()
            torch_losses.append(value.item())

    events = list(trainer.run())
    assert events[-1].reason == "completed"
    losses = [e.loss for e in events if type(e).__name__ == "BatchProgress"]
    np.testing.assert_allclose(losses, torch_losses, rtol=1e-6, atol=1e-9)
    torch_state = model.state_dict()
    for key, value in trainer.net.state_dict().items():
        index, array = key.split(".", 1)
        np.testing.assert_allclose(value, torch_state[f"{names[int(index)]}.{array}"].numpy(), rtol=1e-4,
                                   atol=1e-4, err_msg=key)
