"""Training memory: a diverging run keeps its last good weights without a copy of
them per batch (each step is checked before it is applied), and a large convolution works in
tiles of output rows instead of holding a whole batch's columns. bench/train_memory.py compares AlexNet's peak with PyTorch's."""
from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from designer.engine.data import Dataset
from designer.engine.net import EngineNet
from designer.engine.optim import SGD
from designer.engine.progress import BatchProgress
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model, loads

WIDE = """{"format": "nn-designer", "version": 1, "layers": [{"type": "input", "features": 500},
  {"type": "dense", "units": 2000}, {"type": "batchnorm"}, {"type": "relu"}, {"type": "dense", "units": 3}]}"""


def vectors(n=64, scale=1.0, poison=None):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 500)).astype(np.float32) * scale
    if poison is not None:
        x[poison] = 3e38  # overflows float32 in the first dense layer: an infinite loss
    return Dataset("v", x, rng.integers(0, 3, n), None, "test")


def test_training_keeps_no_copy_of_the_weights():
    """Peak memory of a run: weights, gradients and momentum (3 × the weights) and the
    activations; the old loop held a fourth copy for the rollback (and a fifth with weight decay)."""
    tracemalloc.start()
    try:
        trainer = Trainer(loads(WIDE), vectors(), TrainConfig(epochs=1, batch_size=4, val_split=0.0,
                                                             weight_decay=5e-4))
        weights = sum(a.nbytes for a in trainer.net.params.values())
        events = list(trainer.run())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert events[-1].reason == "completed"
    assert peak < 3.5 * weights, (peak / weights)


def after_steps(config, data, steps):
    """The weights and batchnorm statistics after ``steps`` steps of the same run."""
    trainer = Trainer(loads(WIDE), data, config)
    for event in trainer.run():
        if isinstance(event, BatchProgress) and event.batch == steps:
            break
    return trainer.net.state_dict()


def test_an_infinite_loss_rolls_back_exactly():
    data = vectors(poison=13)  # the 4th batch of 4, in file order
    config = TrainConfig(epochs=1, batch_size=4, lr=0.05, momentum=0.9, val_split=0.0, shuffle=False)
    trainer = Trainer(loads(WIDE), data, config)
    events = list(trainer.run())
    assert events[-1].reason == "diverged"
    assert events[-1].message.startswith("the loss became NaN at epoch 1, batch 4;")
    assert "weights of the last good step are kept" in events[-1].message
    good = after_steps(config, data, 3)
    kept = trainer.net.state_dict()
    assert set(kept) == set(good)
    for key in good:  # weights and batchnorm statistics, bit for bit
        np.testing.assert_array_equal(kept[key], good[key], err_msg=key)


def test_a_step_that_would_overflow_is_not_taken():
    data = vectors(scale=1e3)
    config = TrainConfig(epochs=1, batch_size=4, lr=1e36, momentum=0.0, val_split=0.0, shuffle=False)
    trainer = Trainer(loads(WIDE.replace('{"type": "batchnorm"}, ', '')), data, config)
    start = trainer.net.state_dict()
    events = list(trainer.run())
    assert events[-1].reason == "diverged"
    assert events[-1].message.startswith("the step at epoch 1, batch 1 would have made a weight NaN or "
                                         "infinite; it was not taken")
    for key, value in trainer.net.state_dict().items():  # the first step was refused: untouched
        np.testing.assert_array_equal(value, start[key], err_msg=key)
    assert not any(v.any() for v in trainer.optimizer.velocity.values())


@pytest.mark.parametrize("decay, momentum", [(0.0, 0.0), (0.0, 0.9), (1e-3, 0.9), (1e-3, 0.0)])
def test_the_checked_step_computes_what_the_plain_formula_does(decay, momentum):
    """Δw(n) = −η(∂E/∂w + λw) + αΔw(n−1), bit for bit, over several chunks."""
    rng = np.random.default_rng(1)
    w = rng.normal(size=(300, 700)).astype(np.float32)
    params, expected = {"w": w.copy()}, w.copy()
    opt = SGD(params, lr=0.1, momentum=momentum, weight_decay=decay)
    v = np.zeros_like(w)
    for _ in range(3):
        g = rng.normal(size=w.shape).astype(np.float32)
        assert opt.step({"w": g})
        g2 = g + np.float32(decay) * expected if decay else g
        if momentum:
            v *= np.float32(momentum)
            v -= np.float32(0.1) * g2
        else:
            v = g2 * np.float32(-0.1)
        expected += v
        np.testing.assert_array_equal(params["w"], expected)


def test_tiled_convolutions_give_the_same_gradients(monkeypatch):
    """Tiles of output rows change only the order of the weight gradient's sums."""
    from designer.engine.layers import conv
    net = load_model("lenet5")
    plain, tiled = EngineNet(net, seed=3), EngineNet(net, seed=3)
    assert all(len(layer.tiles(5)) == 1 for layer in plain.layers if layer.type == "conv")
    rng = np.random.default_rng(0)
    x = rng.random((5, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 5)
    for _ in range(2):
        a = plain.loss_and_backward(x, y)[0]
        monkeypatch.setattr(conv, "TILE", 1)  # one output row a tile
        assert all(len(layer.tiles(5)) > 1 for layer in tiled.layers if layer.type == "conv")
        b = tiled.loss_and_backward(x, y)[0]
        monkeypatch.undo()
        assert a == pytest.approx(b, rel=1e-6)
        for key in plain.grads:
            np.testing.assert_allclose(plain.grads[key], tiled.grads[key], rtol=1e-4, atol=1e-6, err_msg=key)


@pytest.mark.slow
def test_alexnet_s_convolutions_work_in_tiles():
    """A large convolution never holds the columns of a whole batch: AlexNet's first would need
    363 × 55·55·16 values (70 MB) at batch 16."""
    from designer.engine.layers import conv
    net = EngineNet(load_model("alexnet"))
    convs = [layer for layer in net.layers if layer.type == "conv"]
    assert len(convs) == 5
    for layer in convs:
        tiles = layer.tiles(16)
        assert len(tiles) > 1 and tiles[0][0] == 0 and tiles[-1][1] == layer.out_shape[1]
        assert all(a[1] == b[0] for a, b in zip(tiles, tiles[1:]))
        rows, width = tiles[0][1] - tiles[0][0], layer.out_shape[2] * 16
        assert rows * width * layer.column_rows() <= 4 * conv.TILE
