"""One training step of a design in the engine and in PyTorch (the module ``export --to pytorch``
writes), from the same weights and the same batch: the loss, every gradient and the weights
after an SGD step with momentum and weight decay must agree. Shared by the tests of the layer
new kinds (activations, normalisations, scales, log-softmax)."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.engine import SGD, EngineNet  # noqa: E402
from designer.export.pytorch import pytorch_source  # noqa: E402
from designer.model import from_json  # noqa: E402


def exported_twin(network, arrays: dict):
    """(the exported module in float64 with ``arrays`` loaded, weights-file key -> its tensor name)."""
    namespace = {"__name__": "twin"}
    exec(compile(pytorch_source(network), "twin", "exec"), namespace)
    model = namespace["Net"]().double()
    names = namespace["LAYERS"]
    key_of = {k: f"{names[int(k.split('.')[0])]}.{k.split('.', 1)[1]}" for k in arrays}
    state = {key_of[k]: torch.from_numpy(np.array(v, dtype=np.float64)) for k, v in arrays.items()}
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith("num_batches_tracked") for k in missing), (missing, unexpected)
    return model, key_of


def design(layers: list) -> dict:
    return {"format": "nn-designer", "version": 2, "name": "step", "layers": layers}


def check_one_step(layers: list, loss: str = "cross_entropy", seed: int = 0, tol: float = 1e-9,
                   scale: float = 2.0, randomise: tuple = ()) -> None:
    """Train one full-batch step of the design ``layers`` in both and compare. ``randomise``: the
    weights-file suffixes (``"weight"``) of arrays that start at a constant and are given random
    values first, so that a per-channel scale is seen away from 1."""
    network = from_json(design(layers))
    net = EngineNet(network, np.float64, seed=seed)
    rng = np.random.default_rng(seed)
    for key, a in net.arrays.items():
        if key.split(".", 1)[1] in randomise:
            a[...] = rng.uniform(0.5, 1.5, a.shape)
    model, key_of = exported_twin(network, net.state_dict())
    model.train()
    x = rng.normal(size=(6, *net.input_shape)) * scale
    y = rng.integers(0, net.n_outputs, 6)
    value, _ = net.loss_and_backward(x, y, loss)
    out = model(torch.from_numpy(x), scores=True) if "scores" in pytorch_source(network) else model(torch.from_numpy(x))
    last = network.layers[-1].type
    if loss == "cross_entropy":
        torch_value = torch.nn.functional.cross_entropy(out, torch.from_numpy(y))
    else:
        from designer.engine import make_targets
        t = torch.from_numpy(make_targets(y, out.shape[1], last, np.float64))
        torch_value = 0.5 * ((out - t) ** 2).sum(dim=1).mean()
    torch_value.backward()
    assert value == pytest.approx(torch_value.item(), rel=tol, abs=tol)
    params = dict(model.named_parameters())
    for key in net.param_keys:
        np.testing.assert_allclose(net.grads[key], params[key_of[key]].grad.numpy(), rtol=1e-7, atol=tol,
                                   err_msg=key)
    SGD(net.params, lr=0.1, momentum=0.9, weight_decay=1e-3).step(net.grads)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-3)
    opt.step()
    state = model.state_dict()
    for key, a in net.state_dict().items():
        np.testing.assert_allclose(a, state[key_of[key]].numpy(), rtol=1e-7, atol=tol, err_msg=key)
