"""The engine's topological executor on branched networks: values and gradients equal a naive
layer-by-layer reference; the relu fast paths are taken only with a single reader; an output lives
only while a later layer reads it; feature maps of any layer; and training, checkpoints, exact
resumption, Stop within a batch, predict and bench on a residual and an inception-style net."""
from __future__ import annotations

import numpy as np
from training_support import run_stopping_inside
import pytest

from designer.commands.bench import bench
from designer.engine import EngineNet
from designer.engine.data import Dataset
from designer.engine.plan import INPUT
from designer.engine.progress import BatchProgress
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model
from branched_nets import INCEPTION, RESIDUAL, SHARED_RELU_INPUT, images, network, reference_pass

SPECS = [RESIDUAL, INCEPTION, SHARED_RELU_INPUT]
ids = lambda spec: spec["name"]  # noqa: E731


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_training_pass_equals_the_layer_by_layer_reference(spec):
    net = EngineNet(network(spec), np.float64, seed=3)
    x, y = images(net, n=5, seed=4)
    x_before = x.copy()
    want_loss, want_out, want_grads = reference_pass(net, x, y)
    # The reference ran the same layers in training mode: batchnorm statistics moved once; run
    # the engine from the same statistics.
    stats = {k: a.copy() for k, a in net.arrays.items() if "running" in k}
    net2 = EngineNet(network(spec), np.float64, seed=3)
    loss, out = net2.loss_and_backward(x, y)
    assert loss == pytest.approx(want_loss, rel=1e-12)
    np.testing.assert_allclose(out, want_out, rtol=1e-12, atol=1e-14)
    assert set(net2.grads) == set(want_grads)
    for key, g in want_grads.items():
        np.testing.assert_allclose(net2.grads[key], g, rtol=1e-10, atol=1e-13, err_msg=key)
    for key, a in stats.items():
        np.testing.assert_allclose(net2.arrays[key], a, rtol=1e-12, err_msg=key)
    np.testing.assert_array_equal(x, x_before)  # the caller's batch is never overwritten


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_feature_maps_of_every_layer_equal_the_layer_by_layer_values(spec):
    """forward(upto=i) runs only what layer i depends on, with the fast paths that are safe
    for that target; its values are the plain computation's."""
    net = EngineNet(network(spec), np.float64, seed=5)
    x, _ = images(net, n=3, seed=6)
    outs = []
    for i, layer in enumerate(net.layers):
        ins = [outs[s].copy() for s in net.sources[i]] or [x.copy()]
        outs.append(layer.forward(ins if getattr(layer, "merge", False) else ins[0], False)[0].copy())
    report = net.network.report()
    for i in range(len(net.layers)):
        got = net.forward(x, upto=i)
        # (a mean's summation order follows the memory layout: equal to rounding)
        np.testing.assert_allclose(got, outs[i], rtol=1e-13, atol=1e-15, err_msg=f"upto={i}")
        shape = report.layers[i].output
        assert got.shape[1:] == ((shape[2], shape[1], shape[0]) if len(shape) == 3 else shape)


def test_a_relu_whose_input_another_branch_reads_does_not_overwrite_it():
    """In SHARED_RELU_INPUT the conv "c" is read by a relu and by an add, and the add "sum" by a
    relu (before a max pool) and by an average pool: neither relu may overwrite its input. The
    relu before the pool still runs after it (the pool is its only reader), in place on the
    pool's new output."""
    net = EngineNet(network(SHARED_RELU_INPUT), np.float64)
    steps = {step.layer: step for step in net.plan().steps}
    assert not steps[2].inplace
    assert net.order.index(5) < net.order.index(4)  # relu 4 runs after max pool 5
    assert steps[5].ins == [3] and steps[5].out == 4 and steps[4].ins == [4] and steps[4].out == 5
    assert steps[4].inplace
    assert steps[10].inplace  # dense 9's output has one reader (whoever reads the relu "h")
    # values and gradients are checked against the reference above and numerically in
    # test_engine_gradcheck_graph; here: the add "sum" keeps its value for the average pool.
    x, _ = images(net, n=2, seed=1)
    c = net.forward(x, upto=1)
    total = c + np.maximum(c, 0)
    np.testing.assert_allclose(net.forward(x, upto=3), total, rtol=1e-14)
    avg = total.reshape(2, 3, 3, 2, 3, 2).mean(axis=(3, 5))
    np.testing.assert_allclose(net.forward(x, upto=6), avg, rtol=1e-14)
    pooled = np.maximum(total.reshape(2, 3, 3, 2, 3, 2).max(axis=(3, 5)), 0)
    np.testing.assert_allclose(net.forward(x, upto=7), pooled + avg, rtol=1e-14)


def test_chains_keep_their_fast_paths():
    net = EngineNet(load_model("lenet5"))
    plan = net.plan()
    relus = [step for step in plan.steps if net.types[step.layer] == "relu"]
    assert relus and all(step.inplace for step in relus)
    # each step reads the one before; every relu followed by a max pool runs after it
    assert [step.ins for step in plan.steps] == [[INPUT]] + [[step.out] for step in plan.steps[:-1]]
    fused = [i for i, t in enumerate(net.types[:-1]) if t == "relu" and net.types[i + 1] == "pool"]
    assert fused and all(plan.order.index(i) == plan.order.index(i + 1) + 1 for i in fused)


def test_outputs_live_only_while_a_later_layer_reads_them():
    net = EngineNet(network(RESIDUAL))
    plan = net.plan()
    live, peak, alive_at = {INPUT}, 0, {}
    for step in plan.steps:
        live.add(step.out)
        live -= set(step.free)
        alive_at[step.layer] = set(live)
        peak = max(peak, len(live))
    assert live == {plan.output}
    # "a" (layer 3) is kept through the main branch until the add (9) reads it, then dropped
    assert all(3 in alive_at[i] for i in range(3, 9)) and 3 not in alive_at[9]
    assert peak == 2  # between steps: the running value and one branch point or waiting branch
    chain = EngineNet(load_model("lenet5")).plan()
    assert all(len(step.free) == 1 for step in chain.steps)  # a chain holds one output at a time


def test_layers_reading_only_the_input_compute_no_input_gradient():
    net = EngineNet(network(INCEPTION))
    assert not net.layers[1].need_dx
    assert all(net.layers[i].need_dx for i in range(2, len(net.layers)))
    assert not any(step.backward for step in net.plan().steps if step.layer == 0)


# --------------------------------------------------------------------------- training
def data_for(spec, n=48, seed=0):
    """Inputs of the net's shape whose label depends on them."""
    net = EngineNet(network(spec))
    rng = np.random.default_rng(seed)
    x = rng.random((n,) + net.input_shape).astype(np.float32)
    flat = x.reshape(n, -1)
    y = (flat[:, ::2].sum(1) > flat[:, 1::2].sum(1)).astype(np.int64) + (flat[:, 0] > 0.5)
    return Dataset("branches", x, y % net.n_outputs, None, "test")


CONFIG = TrainConfig(epochs=2, batch_size=8, lr=0.05, momentum=0.9, weight_decay=1e-4, val_split=0.25, seed=2)


def _losses(events):
    return [e.loss for e in events if isinstance(e, BatchProgress)]


@pytest.mark.parametrize("spec", [RESIDUAL, INCEPTION], ids=ids)
def test_training_stop_within_a_batch_checkpoint_and_exact_resume(spec, tmp_path):
    data = data_for(spec)
    whole = Trainer(network(spec), data, CONFIG)
    whole_events = list(whole.run())
    assert whole_events[-1].reason == "completed"
    assert whole.history[-1]["val_acc"] is not None

    trainer = Trainer(network(spec), data, CONFIG)
    merge = next(i for i, t in enumerate(trainer.net.types) if t in ("add", "concat"))
    events, _calls = run_stopping_inside(trainer, trainer.net.layers[merge], 5)  # Stop inside the 5th batch, at a merge
    assert events[-1].reason == "stopped" and trainer.batch == 4
    path = tmp_path / "run.ckpt.npz"
    trainer.save_checkpoint(path)
    resumed = Trainer.resume(path, network(spec), data)
    rest = list(resumed.run())
    assert rest[-1].reason == "completed"
    for key, value in whole.net.state_dict().items():  # batchnorm statistics included
        np.testing.assert_array_equal(resumed.net.state_dict()[key], value, err_msg=key)
    assert _losses(events + rest) == _losses(whole_events)


@pytest.mark.parametrize("spec", [RESIDUAL, INCEPTION], ids=ids)
def test_predict_in_chunks_and_bench(spec):
    net = EngineNet(network(spec), seed=1)
    x = np.random.default_rng(2).random((21,) + net.input_shape, dtype=np.float32)
    np.testing.assert_allclose(net.predict(x, batch_size=8), net.forward(x), rtol=1e-5, atol=1e-6)
    result = bench(network(spec), batch_size=4, steps=2, warmup=1)
    assert result["steps"] == 2 and result["samples_per_second"] > 0


@pytest.mark.parametrize("spec", [RESIDUAL, INCEPTION], ids=ids)
def test_tiled_convolutions_give_the_same_pass_on_branches(spec, monkeypatch):
    """A large convolution works in tiles of output rows and rebuilds their columns in backward
    from the input it cached: on a graph those inputs are still intact then."""
    from designer.engine.layers import conv
    x, y = images(EngineNet(network(spec)), n=4, seed=9)
    plain = EngineNet(network(spec), np.float64, seed=2)
    want = plain.loss_and_backward(x, y)[0], {k: g.copy() for k, g in plain.grads.items()}
    monkeypatch.setattr(conv, "TILE", 1)
    shared = EngineNet(network(spec), np.float64, seed=2)
    assert any(len(layer.tiles(4)) > 1 for layer in shared.layers if layer.type == "conv")
    loss = shared.loss_and_backward(x, y)[0]
    assert loss == pytest.approx(want[0], rel=1e-12)
    for key, g in want[1].items():
        np.testing.assert_allclose(shared.grads[key], g, rtol=1e-10, atol=1e-13, err_msg=key)
