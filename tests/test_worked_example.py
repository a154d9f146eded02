"""The course's worked backpropagation example, through the real training loop.

The mlp-example template (3 inputs, 2 sigmoid hidden units, 2 sigmoid outputs, no biases) with
its shipped weights takes one step of SGD on x = (10, 30, 20), t = (1, 0), η = 0.1, the mse loss
E = ½Σ(t − o)², no momentum, in float64.
"""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.data import Dataset
from designer.engine.training import Finished, TrainConfig, Trainer
from designer.model import load_model, load_weights, template_weights

X = np.array([[10.0, 30.0, 20.0]])
T = np.array([[1.0, 0.0]])


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@pytest.fixture
def trainer():
    network = load_model("mlp-example")
    data = Dataset("worked example", X, T, None, "the course")
    config = TrainConfig(epochs=1, batch_size=1, lr=0.1, momentum=0.0, loss="mse", val_split=0.0,
                         dtype="float64")
    return Trainer(network, data, config, weights=template_weights("mlp-example"))


def test_forward_values_and_deltas_of_the_course(trainer):
    net = trainer.net
    o_h = net.forward(X, upto=2)[0]
    o = net.forward(X)[0]
    assert o_h == pytest.approx([0.9991, 0.0067], abs=5e-5)
    assert o == pytest.approx([0.7502, 0.9571], abs=5e-5)
    delta = (T[0] - o) * o * (1 - o)
    assert delta == pytest.approx([0.0468, -0.0393], abs=5e-5)
    # The engine's gradient of E with respect to the output weights is −δ_k · o_Hj.
    net.loss_and_backward(X, T, "mse")
    np.testing.assert_allclose(net.grads["3.weight"], -np.outer(delta, o_h), rtol=1e-12)


def test_one_training_step_gives_the_exact_backprop_update(trainer):
    w = load_weights(template_weights("mlp-example"), load_model("mlp-example"))
    w1, w2 = w["1.weight"], w["3.weight"]
    # Backpropagation by hand, in full precision.
    o_h = sigmoid(w1 @ X[0])
    o = sigmoid(w2 @ o_h)
    delta_o = (T[0] - o) * o * (1 - o)
    delta_h = (w2.T @ delta_o) * o_h * (1 - o_h)
    new_w2 = w2 + 0.1 * np.outer(delta_o, o_h)
    new_w1 = w1 + 0.1 * np.outer(delta_h, X[0])

    events = list(trainer.run())
    assert isinstance(events[-1], Finished) and events[-1].reason == "completed"
    state = trainer.net.state_dict()
    np.testing.assert_allclose(state["3.weight"], new_w2, rtol=0, atol=1e-14)
    np.testing.assert_allclose(state["1.weight"], new_w1, rtol=0, atol=1e-14)

    # Δw for H1→O1 = η·δ_O1·o_H1. The course prints 0.000469, a typo for 0.00469, which is what its
    # rounded factors give (0.1 × 0.0469 × 0.999); the exact product is 0.0046771 (0.00468 to five
    # decimals), because δ_O1 is 0.046813, not 0.0469.
    step = state["3.weight"][0, 0] - w2[0, 0]
    assert step == pytest.approx(0.1 * delta_o[0] * o_h[0], abs=1e-15)
    assert step == pytest.approx(0.0046771, abs=5e-8)
    assert 0.1 * 0.0469 * 0.999 == pytest.approx(0.00469, abs=5e-6)

    # The updated weights as the course's tables give them (four decimals).
    assert state["3.weight"] == pytest.approx(np.array([[1.1047, 0.1000], [3.0961, 1.1700]]), abs=5e-5)
    assert state["1.weight"] == pytest.approx(np.array([[0.1999, -0.1002, 0.3999],
                                                        [0.6997, -1.2008, 1.1995]]), abs=5e-5)
    # The loss the step reports is E = ½Σ(t − o)² before the update.
    batch = [e for e in events if type(e).__name__ == "BatchProgress"]
    assert batch[0].loss == pytest.approx(0.5 * np.sum((T[0] - o) ** 2), rel=1e-12)
