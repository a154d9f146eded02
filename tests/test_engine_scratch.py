"""Scratch buffers of the layers: one per name, as large as the largest request, with the fill
(padding) right whichever batch size used the buffer before."""
from __future__ import annotations

import numpy as np

from designer.engine.data import Dataset
from designer.engine.net import EngineNet
from designer.engine.training import TrainConfig, Trainer
from designer.model import loads

PADDED = """{"format": "nn-designer", "version": 1, "name": "padded", "layers": [
  {"type": "input", "width": 8, "height": 8, "depth": 2},
  {"type": "conv", "filters": 4, "kernel": 3, "padding": 1},
  {"type": "pool", "mode": "max", "size": 3, "stride": 2, "padding": 1},
  {"type": "conv", "filters": 3, "kernel": 3, "padding": 2},
  {"type": "pool", "mode": "avg", "size": 2, "padding": 1},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2, 8, 8)).astype(np.float32) - 1.0  # mostly negative: -inf padding matters
    y = (np.arange(n) % 3).astype(np.int64)
    return Dataset("noise", x, y, ["a", "b", "c"], "test")


def retained(net) -> list:
    return [sum(b.nbytes for b in layer._scratch_memory.values()) for layer in net.layers]


def test_scratch_memory_stays_at_the_largest_request_per_name():
    """Training (full and last partial batches), validation and a 1-sample forward leave each
    layer with one buffer per name, no larger than its largest request: the training batch's
    (validation goes in chunks of the batch size)."""
    config = TrainConfig(epochs=1, batch_size=16, lr=0.01, val_split=0.25, seed=0)
    first = Trainer(loads(PADDED), data(), config)
    next(iter(first.run()))  # one training batch of 16
    one_batch = retained(first.net)
    assert sum(one_batch) > 0

    trainer = Trainer(loads(PADDED), data(), config)
    largest = [{} for _ in trainer.net.layers]
    for i, layer in enumerate(trainer.net.layers):
        def recording(name, shape, fill=None, _scratch=layer.scratch, _seen=largest[i]):
            buf = _scratch(name, shape, fill)
            _seen[name] = max(_seen.get(name, 0), buf.nbytes)
            return buf
        layer.scratch = recording
    events = list(trainer.run())  # 90 samples: batches of 16 and one of 10; validation 30
    assert events[-1].reason == "completed"
    trainer.net.forward(data(1).x)
    assert retained(trainer.net) == [sum(seen.values()) for seen in largest]
    assert retained(trainer.net) == one_batch


def test_reused_scratch_keeps_its_fill_across_batch_sizes():
    """A prefix view of a buffer that served another shape before still has its padding (zeros
    for convolutions, -inf for max pooling): results equal a net that never reuses."""
    x = data(20, seed=3).x
    net = EngineNet(loads(PADDED), seed=2)
    fresh = EngineNet(loads(PADDED), seed=2)
    for layer in fresh.layers:
        layer.reuse_scratch = False
    for n in (16, 3, 20, 1, 16, 5):
        np.testing.assert_array_equal(net.forward(x[:n]), fresh.forward(x[:n]), err_msg=f"batch {n}")
        y = np.arange(n) % 3
        got = net.loss_and_backward(x[:n], y)
        want = fresh.loss_and_backward(x[:n], y)
        assert got[0] == want[0]
        for key in net.grads:
            np.testing.assert_array_equal(net.grads[key], fresh.grads[key], err_msg=f"{key} batch {n}")


FORWARD_ONLY = """{"format": "nn-designer", "version": 2, "name": "forward only", "layers": [
  {"type": "input", "width": 12, "height": 12, "depth": 16},
  {"type": "conv", "filters": 16, "kernel": 3, "padding": 1},
  {"type": "conv", "filters": 24, "kernel": 3, "padding": 1, "stride": 2},
  {"type": "conv", "filters": 24, "kernel": 3, "padding": 1, "groups": 24},
  {"type": "pool", "mode": "max", "size": 3, "stride": 2, "padding": 1},
  {"type": "conv", "filters": 32, "kernel": 3, "padding": 1},
  {"type": "dense", "units": 3},
  {"type": "softmax"}]}"""


def test_a_forward_only_run_keeps_nothing_for_a_backward_pass(monkeypatch):
    """Evaluation-mode forward passes (``predict``) leave no layer holding columns, row columns,
    Winograd's transformed input or a padded input: those go in buffers shared by all layers.
    Every path is taken: Winograd, kernel rows, im2col, depthwise, a padded pool."""
    from designer.engine.layers import row_conv, winograd
    monkeypatch.setattr(row_conv, "MIN_INNER", 0)
    monkeypatch.setattr(row_conv, "MIN_COLUMNS", 0)
    monkeypatch.setattr(winograd, "MIN_CHANNELS", 16)
    x = np.random.default_rng(0).normal(size=(4, 16, 12, 12)).astype(np.float32)
    for use_winograd in (True, False):
        monkeypatch.setattr(winograd, "ENABLED", use_winograd)
        net = EngineNet(loads(FORWARD_ONLY), seed=1)
        convs = [layer for layer in net.layers if layer.type == "conv"]
        assert [c.winograd or c.by_rows for c in convs] == [True, False, False, True]
        assert convs[2].depthwise and convs[0].winograd == use_winograd
        out = net.predict(x)
        assert sum(retained(net)) == 0, retained(net)
        net.loss_and_backward(x, np.arange(4) % 3)  # training keeps them (its backward reads them)
        assert sum(retained(net)) > 0
        np.testing.assert_allclose(net.predict(x), out, rtol=1e-5, atol=1e-6)  # the weights did not change
