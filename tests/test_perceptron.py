"""The perceptron template trained with mse and batch size 1 is Rosenblatt's perceptron: the
sign output's straight-through gradient makes every SGD step Δw = η(t − o)x, Δb = η(t − o)."""
from __future__ import annotations

import numpy as np

from designer.engine.data import Dataset
from designer.engine.progress import BatchProgress, EpochProgress, Finished
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model

ETA = 0.1


def separable_set(n=40, seed=3):
    """Two classes on either side of the line 0.8·x1 − 0.6·x2 = 0.1, with a margin of 0.2."""
    rng = np.random.default_rng(seed)
    normal, offset = np.array([0.8, -0.6]), 0.1
    x = []
    while len(x) < n:
        p = rng.uniform(-1, 1, 2)
        if abs(p @ normal - offset) > 0.2:
            x.append(p)
    x = np.array(x)
    y = (x @ normal - offset > 0).astype(np.int64)
    return Dataset("separable", x, y, ["below", "above"], "test")


def perceptron_rule(w, b, x, y, epochs):
    """The hand-written perceptron: o = sign(w·x + b) as ±1, t = ±1; yields (w, b) after each sample."""
    w, b = w.copy(), float(b)
    for _ in range(epochs):
        for xi, yi in zip(x, y):
            o = 1.0 if w @ xi + b > 0 else -1.0
            t = 1.0 if yi == 1 else -1.0
            w = w + ETA * (t - o) * xi
            b = b + ETA * (t - o)
            yield w, b


def test_perceptron_follows_the_rule_step_for_step_and_separates_the_set():
    data = separable_set()
    config = TrainConfig(epochs=30, batch_size=1, lr=ETA, momentum=0.0, loss="mse", val_split=0.0,
                         seed=5, dtype="float64", shuffle=False)
    trainer = Trainer(load_model("perceptron"), data, config)
    start = trainer.net.state_dict()
    w0, b0 = start["1.weight"][0], start["1.bias"][0]

    hand = perceptron_rule(w0, b0, data.x, data.y, config.epochs)
    steps = changed = 0
    finished = None
    for event in trainer.run():
        if isinstance(event, BatchProgress):
            w, b = next(hand)
            np.testing.assert_allclose(trainer.net.params["1.weight"][0], w, rtol=0, atol=1e-12)
            assert abs(trainer.net.params["1.bias"][0] - b) < 1e-12
            steps += 1
            changed += event.loss > 0  # a misclassified sample
            assert event.loss in (0.0, 2.0)  # ½(t − o)² with t, o = ±1
        elif isinstance(event, Finished):
            finished = event
    assert steps == config.epochs * len(data)
    assert changed > 0, "the start weights already separated the set; the test would prove nothing"
    assert finished.reason == "completed"
    assert finished.history[-1]["train_acc"] == 1.0
    out = trainer.net.predict(data.x)[:, 0]
    np.testing.assert_array_equal(out, np.where(data.y == 1, 1.0, -1.0))


def test_perceptron_learns_the_blobs_set_with_a_validation_split():
    from designer.engine.data import load_data
    data = load_data("blobs:200", seed=1)
    config = TrainConfig(epochs=20, batch_size=1, lr=ETA, momentum=0.0, loss="mse", val_split=0.25, seed=1)
    events = list(Trainer(load_model("perceptron"), data, config).run())
    last = [e for e in events if isinstance(e, EpochProgress)][-1]
    assert last.val_acc >= 0.95
    assert last.confusion.shape == (2, 2) and last.confusion.sum() == 50
