"""The backprop stepper: its arithmetic against the engine's SGD (with and without momentum, with
biases), the course's values as the lesson displays them, the canvas selection following the
stages, momentum across two steps, and the choice of the window's own network."""
from __future__ import annotations

import json

import numpy as np
import pytest

from designer.engine.data import Dataset
from designer.engine.net import EngineNet
from designer.engine.optim import SGD
from designer.engine.training import TrainConfig, Trainer
from designer.learn.backprop import BackpropStepper, backprop_step, fmt, stages
from designer.learn.backprop_network import (COURSE_T, COURSE_X, course_stack, network_stack,
                                             why_not)
from designer.model import load_model, loads, template_weights
from ui_support import dialog_log, window  # noqa: F401

X = np.array([COURSE_X])
T = np.array([COURSE_T])

BIASED = {"format": "nn-designer", "version": 1, "name": "biased", "layers": [
    {"type": "input", "features": 2},
    {"type": "dense", "units": 3}, {"type": "sigmoid"},
    {"type": "dense", "units": 2}, {"type": "sigmoid"},
    {"type": "dense", "units": 2}, {"type": "sigmoid"}]}


def engine_steps(network, weights, x, t, lr, momentum, n):
    """``n`` SGD steps of the engine (float64, mse) on one sample; the weights after each."""
    net = EngineNet(network, dtype=np.float64, seed=0)
    if weights is not None:
        net.load_state_dict(weights)
    sgd = SGD(net.params, lr=lr, momentum=momentum)
    after = []
    for _ in range(n):
        net.loss_and_backward(np.array([x]), np.array([t]), "mse")
        sgd.step(net.grads)
        after.append(net.state_dict())
    return after


def stepper_steps(stack, x, t, lr, momentum, n):
    stepper = BackpropStepper(stack)
    after = []
    for _ in range(n):
        step = stepper.compute(x, t, lr, momentum)
        stepper.apply(step)
        after.append(step)
    return after


# ---------------------------------------------------------------------- arithmetic
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_course_example_updates_equal_the_engines_sgd(momentum):
    network = load_model("mlp-example")
    from designer.model import load_weights
    weights = load_weights(template_weights("mlp-example"), network)
    engine = engine_steps(network, weights, COURSE_X, COURSE_T, 0.1, momentum, 2)
    ours = stepper_steps(course_stack(), COURSE_X, COURSE_T, 0.1, momentum, 2)
    for state, step in zip(engine, ours):
        np.testing.assert_allclose(step.new_weights[0], state["1.weight"], rtol=0, atol=1e-14)
        np.testing.assert_allclose(step.new_weights[1], state["3.weight"], rtol=0, atol=1e-14)
    # The second step's momentum column is α times the first step's Δw.
    first, second = ours
    row = second.rows[1][0]
    assert row.momentum == pytest.approx(momentum * first.weight_steps[1][0, 0], abs=1e-15)
    assert row.step == pytest.approx(row.change + row.momentum, abs=1e-15)


def test_biased_three_layer_network_equals_the_engine_over_two_momentum_steps():
    network = loads(json.dumps(BIASED))
    assert why_not(network) == ""
    stack = network_stack(network)
    assert stack.layer_index == [1, 3, 5] and all(b is not None for b in stack.biases)
    x, t = (0.5, -1.5), (1.0, 0.0)
    engine = engine_steps(network, None, x, t, 0.5, 0.8, 2)
    ours = stepper_steps(stack, x, t, 0.5, 0.8, 2)
    for state, step in zip(engine, ours):
        for l, i in enumerate(stack.layer_index):
            np.testing.assert_allclose(step.new_weights[l], state[f"{i}.weight"], atol=1e-14)
            np.testing.assert_allclose(step.new_biases[l], state[f"{i}.bias"], atol=1e-14)
    bias_rows = [r for r in ours[0].rows[0] if r.source == "bias"]
    assert [r.target for r in bias_rows] == ["H1.1", "H1.2", "H1.3"]
    assert all(r.x == 1.0 and r.given_x for r in bias_rows)


def test_course_values_to_four_decimals():
    step = backprop_step(course_stack(), COURSE_X, COURSE_T, 0.1)
    hidden, out = step.layers
    assert [fmt(v) for v in hidden.out] == ["0.9991", "0.0067"]
    assert [fmt(v) for v in out.out] == ["0.7502", "0.9571"]
    assert [fmt(v) for v in out.delta] == ["0.0468", "−0.0393"]
    # Hidden δ = o(1 − o) Σ_k w_kh δ_k, with the weights before the update.
    w2 = course_stack().weights[1]
    assert hidden.delta == pytest.approx(hidden.out * (1 - hidden.out) * (w2.T @ out.delta))
    assert fmt(-0.00001) == "0.0000" and fmt(-2.5) == "−2.5000"
    phases = [(s.phase, s.layer) for s in stages(2)]
    assert phases == [("start", -1), ("forward", 0), ("forward", 1), ("delta", 1), ("delta", 0),
                     ("update", 1), ("update", 0)]


def test_which_networks_qualify():
    def net(*layers):
        return loads(json.dumps({"format": "nn-designer", "version": 2, "layers": list(layers)}))

    inp = {"type": "input", "features": 3}
    assert why_not(load_model("mlp-example")) == ""
    assert "relu" in why_not(net(inp, {"type": "dense", "units": 2}, {"type": "relu"}))
    assert "at most 8" in why_not(net(inp, {"type": "dense", "units": 9}, {"type": "sigmoid"}))
    assert "not followed by a sigmoid" in why_not(net(inp, {"type": "dense", "units": 2}))
    assert "input of features" in why_not(load_model("lenet5"))
    branched = net(inp, {"type": "dense", "units": 2, "id": "h"}, {"type": "sigmoid", "id": "a"},
                   {"type": "dense", "units": 2, "inputs": ["h"]}, {"type": "sigmoid"},
                   {"type": "add", "inputs": ["a", 4]})
    assert not branched.report().problems
    assert why_not(branched) == ("The window's network has branches; the stepper takes only a chain "
                                 "of dense layers each followed by a sigmoid.")


def test_the_lessons_refusals_are_user_errors():
    """The stepper's refusals are the user's mistakes (one sentence), never taken for a bug."""
    from designer.errors import UserError
    from designer.learn import LearnError
    from designer.ui.learn.backprop import parse_numbers
    with pytest.raises(LearnError, match="input of features") as refused:
        network_stack(load_model("lenet5"))
    assert isinstance(refused.value, UserError)
    with pytest.raises(LearnError, match="x needs 2 values, one per input, not 3"):
        parse_numbers("1, 2, 3", 2, "x", "input")
    with pytest.raises(LearnError, match="must be numbers"):
        parse_numbers("1, two", 2, "x", "input")
    with pytest.raises(LearnError, match="x has 5 values"):
        backprop_step(course_stack(), [1, 2, 3, 4, 5], COURSE_T, 0.1)


# ---------------------------------------------------------------------- the view
def texts(table):
    return [[table.item(r, c).text() if table.item(r, c) else "" for c in range(table.columnCount())]
            for r in range(table.rowCount())]


def course_trainer_weights():
    data = Dataset("worked example", X, T, None, "the course")
    config = TrainConfig(epochs=1, batch_size=1, lr=0.1, momentum=0.0, loss="mse", val_split=0.0,
                         dtype="float64")
    trainer = Trainer(load_model("mlp-example"), data, config,
                      weights=template_weights("mlp-example"))
    list(trainer.run())
    return trainer.net.state_dict()


def show_mlp(window):
    window.network.replace(load_model("mlp-example").layers, "mlp-example")
    window.set_mode("Learn")
    return window.learn_mode.show_lesson("backprop")


def test_stepping_through_the_course_example_shows_the_course_values(window, qtbot):
    view = show_mlp(window)
    assert view.stage == 0 and texts(view.tables.neurons)[0][1:3] == ["", ""]
    view.buttons["Next"].click()  # forward through the hidden layer
    assert [row[2] for row in texts(view.tables.neurons)[:2]] == ["0.9991", "0.0067"]
    assert texts(view.tables.neurons)[2][2] == ""  # the output layer is not computed yet
    assert view.drawing.texts[("node", 1, 0)] == "net 7.0000 · o 0.9991"
    view.buttons["Next"].click()
    assert [row[2] for row in texts(view.tables.neurons)[2:]] == ["0.7502", "0.9571"]
    assert "0.4892" in view.loss_label.text()
    view.buttons["Next"].click()  # δ of the outputs
    assert [row[4] for row in texts(view.tables.neurons)[2:]] == ["0.0468", "−0.0393"]
    assert view.drawing.texts[("delta", 2, 1)] == "δ = −0.0393"
    assert "δ<sub>O1</sub> = o(1 − o)(t − o) = 0.7502 × (1 − 0.7502) × (1 − 0.7502) = <b>0.0468" \
        in view.explanation.text()
    assert texts(view.tables.updates[1])[0][-1] == ""  # no new weights yet
    view.buttons["Back"].click()
    assert not view.buttons["Next"].isEnabled()

    state = course_trainer_weights()
    out_rows, hidden_rows = texts(view.tables.updates[1]), texts(view.tables.updates[0])
    header = [view.tables.updates[1].horizontalHeaderItem(c).text()
              for c in range(view.tables.updates[1].columnCount())]
    assert header == ["from", "to", "η", "δ", "x", "Δ = ηδx", "old W", "new W"]
    assert out_rows[0] == ["H1", "O1", "0.1", "0.0468", "0.9991", "0.0047", "1.1000", "1.1047"]
    assert out_rows[2][:4] == ["H1", "O2", "0.1", "−0.0393"]
    assert [r[-1] for r in out_rows] == [fmt(v) for v in state["3.weight"].ravel()]
    assert [r[-1] for r in hidden_rows] == [fmt(v) for v in state["1.weight"].ravel()]
    assert [r[-1] for r in hidden_rows] == ["0.1999", "−0.1002", "0.3999", "0.6997", "−1.2008",
                                            "1.1995"]
    assert [r[4] for r in hidden_rows[:3]] == ["10", "30", "20"]


def test_the_canvas_selects_the_layer_of_each_stage(window, qtbot):
    view = show_mlp(window)
    uids = [layer.uid for layer in window.network.layers]
    view.buttons["Next"].click()
    assert window.scene.selected_uids() == [uids[1], uids[2]]  # hidden dense + its sigmoid
    view.buttons["Forward"].click()
    assert window.scene.selected_uids() == [uids[3], uids[4]]
    view.buttons["Back"].click()  # the hidden layer's updates come last
    assert window.scene.selected_uids() == [uids[1]]
    view.set_stage(5)
    assert window.scene.selected_uids() == [uids[3]]


def test_step_uses_the_new_weights_and_momentum_on_the_next_step(window, qtbot):
    view = show_mlp(window)
    view.momentum_spin.setValue(0.5)
    first = view.step
    view.buttons["Step"].click()
    assert view.stage == 0 and "Step 2" in view.stage_label.text()
    assert view.drawing.texts[("weight", 1, (0, 0))] == "1.1047"
    assert "E was 0.4892" in view.explanation.text()
    view.buttons["Back"].click()
    table = view.tables.updates[1]
    header = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert header == ["from", "to", "η", "δ", "x", "ηδx", "αΔw(n−1)", "Δw(n)", "old W", "new W"]
    row = texts(table)[0]
    assert row[6] == fmt(0.5 * first.weight_steps[1][0, 0]) == "0.0023"
    assert row[8] == "1.1047"
    network = load_model("mlp-example")
    from designer.model import load_weights
    weights = load_weights(template_weights("mlp-example"), network)
    engine = engine_steps(network, weights, COURSE_X, COURSE_T, 0.1, 0.5, 2)[-1]
    assert [r[-1] for r in texts(table)] == [fmt(v) for v in engine["3.weight"].ravel()]
    assert [r[-1] for r in texts(view.tables.updates[0])] == \
        [fmt(v) for v in engine["1.weight"].ravel()]
    view.buttons["Reset"].click()
    assert "Step 1" in view.stage_label.text()
    assert view.drawing.texts[("weight", 1, (0, 0))] == "1.1000"


def test_the_window_network_choice(window, qtbot):
    window.network.replace(load_model("lenet5").layers, "lenet5")
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("backprop")
    item = view.choice.model().item(1)
    assert not item.isEnabled()
    assert item.toolTip() == "The window's network does not start with an input of features (a vector)."
    window.network.replace(loads(json.dumps(BIASED)).layers, "biased")
    assert item.isEnabled()
    view.choice.setCurrentIndex(1)
    expected = network_stack(window.network)
    assert view.stack.sizes == [2, 3, 2, 2]
    np.testing.assert_array_equal(view.stack.weights[0], expected.weights[0])
    assert view.x_edit.text() == "1, 1" and view.t_edit.text() == "1, 0"
    view.back()
    rows = texts(view.tables.updates[0])
    assert [r[:2] + [r[4]] for r in rows[-3:]] == [["bias", "H1.1", "1"], ["bias", "H1.2", "1"],
                                                   ["bias", "H1.3", "1"]]
    assert rows[-1][-2] == fmt(expected.biases[0][2])
    new_bias = expected.biases[0][2] + float(view.lr_spin.value()) * view.step.layers[0].delta[2]
    assert rows[-1][-1] == fmt(new_bias) and view.drawing.texts[("bias", 1, 2)] == f"b {fmt(new_bias)}"
    assert window.scene.selected_uids() == [window.network[1].uid]
    # A bad sample is refused with a sentence and the last good one kept.
    view.x_edit.setText("1, two")
    view.x_edit.editingFinished.emit()
    assert "x must be numbers" in view.explanation.text() and view.x == [1.0, 1.0]
    view.x_edit.setText("1, 2, 3")
    view.x_edit.editingFinished.emit()
    assert "x needs 2 values, one per input, not 3." in view.explanation.text()
    view.x_edit.setText("0.5; −1.5")
    view.x_edit.editingFinished.emit()
    assert view.x == [0.5, -1.5]
    # An edit that breaks the rule sends the lesson back to the course's example.
    window.network.replace(load_model("lenet5").layers, "lenet5")
    assert view.choice.currentIndex() == 0 and view.stack.sizes == [3, 2, 2]


@pytest.mark.slow
def test_the_window_network_steps_with_the_weights_train_mode_holds(window, qtbot, tmp_path):
    """Weights trained (or loaded) in Train mode are the ones the stepper starts from."""
    from designer.engine.net import EngineNet
    from designer.model import save_weights
    window.network.replace(loads(json.dumps(BIASED)).layers, "biased")
    mine = EngineNet(window.network, dtype=np.float64, seed=5).state_dict()
    save_weights(tmp_path / "mine.npz", mine)
    window.set_mode("Train")
    with qtbot.waitSignal(window.train_mode.weights_loaded, timeout=30000):
        window.train_mode.load_weights(str(tmp_path / "mine.npz"))
    window.open_lesson("backprop")
    view = window.learn_mode.views["backprop"]
    view.choice.setCurrentIndex(1)
    assert "its trained weights" in view.stack.title
    np.testing.assert_array_equal(view.stack.weights[0], mine["1.weight"])
    rows = texts(view.tables.updates[0])
    assert rows[0][-2] == fmt(mine["1.weight"][0, 0])  # old W of the first row: w from I1 to H1.1
    # Weights loaded later are picked up when the lesson is shown again.
    other = EngineNet(window.network, dtype=np.float64, seed=6).state_dict()
    save_weights(tmp_path / "other.npz", other)
    window.set_mode("Train")
    with qtbot.waitSignal(window.train_mode.weights_loaded, timeout=30000):
        window.train_mode.load_weights(str(tmp_path / "other.npz"))
    window.open_lesson("backprop")
    np.testing.assert_array_equal(view.stack.weights[0], other["1.weight"])
