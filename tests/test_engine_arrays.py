"""The net's arrays are listed once (``EngineNet.arrays``) and the trainer's per-batch bookkeeping
builds nothing again."""
from __future__ import annotations

import numpy as np

from designer.engine import checkpoint as ckpt
from designer.engine.net import EngineNet
from designer.engine.training import TrainConfig, Trainer
from designer.model import loads
from designer.model.weights import expected_arrays
from training_support import SMALL_CNN, images


def test_arrays_are_the_live_arrays_of_the_weights_file():
    network = loads(SMALL_CNN)
    net = EngineNet(network, seed=1)
    assert list(net.arrays) == list(expected_arrays(network))
    for i, layer in enumerate(net.layers):
        for name, a in (*layer.params.items(), *layer.buffers.items()):
            assert net.arrays[f"{i}.{name}"] is a
    state = net.state_dict()
    assert all(state[k] is not a and np.array_equal(state[k], a) for k, a in net.arrays.items())
    other = EngineNet(network, seed=2)
    other.load_state_dict(state)
    for key, a in other.arrays.items():
        np.testing.assert_array_equal(a, state[key], err_msg=key)


def test_a_batch_asks_for_the_generators_no_more(monkeypatch):
    trainer = Trainer(loads(SMALL_CNN), images(), TrainConfig(epochs=1, batch_size=16, seed=3))
    calls = []
    real = ckpt.generators
    monkeypatch.setattr(ckpt, "generators", lambda t: calls.append(1) or real(t))
    events = list(trainer.run())
    assert events[-1].reason == "completed" and calls == []


def test_start_up_weights_are_checked_once(tmp_path, monkeypatch):
    import designer.engine.net as netmod
    import designer.model.weights as weightsmod
    from designer.model.weights import WeightsError, save_weights

    network = loads(SMALL_CNN)
    arrays = EngineNet(network, seed=5).state_dict()
    path = tmp_path / "start.npz"
    save_weights(path, arrays)
    calls, real = [], weightsmod.check_arrays

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)
    monkeypatch.setattr(netmod, "check_arrays", counting)
    monkeypatch.setattr(weightsmod, "check_arrays", counting)
    for weights in (arrays, path):
        calls.clear()
        trainer = Trainer(network, images(), TrainConfig(epochs=1), weights=weights)
        assert len(calls) == 1
        for key, a in trainer.net.arrays.items():
            np.testing.assert_array_equal(a, arrays[key], err_msg=key)
    save_weights(path, {k: v for k, v in arrays.items() if k != "1.bias"})
    try:
        Trainer(network, images(), TrainConfig(epochs=1), weights=path)
    except WeightsError as e:
        assert str(e).startswith(f'{path}: key "1.bias" is missing')
    else:
        raise AssertionError("weights without a key were accepted")
