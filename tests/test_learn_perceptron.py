"""The Perceptron lesson: the rules' numbers, convergence, the exact linear-separability test, the
two-layer XOR network, and the view: Run to convergence, points added by clicking, XOR reported
as not linearly separable and then solved with two layers."""
from __future__ import annotations

import math

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt

from designer.learn.perceptron import (DELTA, NOT_SEPARABLE, PERCEPTRON, SEPARABLE_SET, SETS,
                                       PerceptronRun, builtin_points, converged_sentence,
                                       delta_step, is_linearly_separable, linear_separability,
                                       perceptron_step, predict, train_two_layer, xor_by_hand)
from designer.learn.perceptron_two_layer import TRUTH_TABLE, XOR_TARGETS
from ui_support import dialog_log, window  # noqa: F401


def ring(n, radius, phase=0.0):
    a = np.linspace(0, 2 * np.pi, n, endpoint=False) + phase
    return np.stack([radius * np.cos(a), radius * np.sin(a)], axis=1)


# --------------------------------------------------------------------------- Qt-free
def test_one_step_of_each_rule_has_the_course_numbers():
    # w·x + b = 0.5 − 1 + 0.25 = −0.25 for x = (1, 1)
    s = perceptron_step(np.array([0.5, -1.0]), 0.25, [1.0, 1.0], 1.0, 0.1)
    assert s.o == -1.0 and s.mistake
    np.testing.assert_allclose(s.dw, [0.2, 0.2])          # 0.1·(1 − (−1))·(1, 1)
    assert s.db == pytest.approx(0.2)
    s = perceptron_step(np.array([0.5, -1.0]), 0.25, [1.0, 0.0], 1.0, 0.1)
    assert s.o == 1.0 and not s.mistake and not s.dw.any() and s.db == 0
    d = delta_step(np.array([0.5, -1.0]), 0.25, [1.0, 1.0], 1.0, 0.1)
    assert d.o == pytest.approx(-0.25)
    np.testing.assert_allclose(d.dw, [0.125, 0.125])      # 0.1·(1 − (−0.25))·(1, 1)


@pytest.mark.parametrize("name", [SEPARABLE_SET, "AND", "OR"])
def test_perceptron_rule_converges_on_a_separable_set(name):
    x, t = builtin_points(name)
    run = PerceptronRun(x, t, eta=0.1)
    assert run.train(max_epochs=500)
    assert run.errors() == 0 and np.array_equal(predict(run.w, run.b, x), t)
    assert run.last_epoch_mistakes == 0
    # one epoch fewer had not converged yet: the last epoch is the first without a mistake
    again = PerceptronRun(x, t, eta=0.1)
    for _ in range(run.epochs - 1):
        again.epoch()
    assert not again.converged


def test_perceptron_rule_never_converges_on_xor_but_the_delta_rule_settles():
    x, t = builtin_points("XOR")
    run = PerceptronRun(x, t)
    assert not run.train(max_epochs=300) and run.epochs == 300
    delta = PerceptronRun(x, t, rule=DELTA)
    delta.train(max_epochs=2000)
    assert delta.settled and not delta.converged and delta.errors() > 0
    fast = PerceptronRun(*builtin_points("AND"), rule=DELTA, eta=1.5)
    fast.train(max_epochs=100)
    assert fast.diverged


def test_delta_rule_settles_near_the_least_squares_line():
    x, t = builtin_points("AND")
    run = PerceptronRun(x, t, rule=DELTA, eta=0.01)
    run.train(max_epochs=20000)
    assert run.settled and run.errors() == 0
    a = np.hstack([x, np.ones((4, 1))])
    w = np.linalg.lstsq(a, t, rcond=None)[0]              # (1, 1, −1.5) for AND's ±1 targets
    np.testing.assert_allclose(np.append(run.w, run.b), w, atol=0.05)


@pytest.mark.parametrize("name", [SEPARABLE_SET, "AND", "OR"])
def test_separability_finds_a_separating_line_for_separable_sets(name):
    x, t = builtin_points(name)
    s = linear_separability(x, t)
    assert s.separable and np.array_equal(predict(s.w, s.b, x), t)


def test_separability_random_line_and_edge_cases():
    rng = np.random.default_rng(7)
    x = rng.uniform(-1, 1, (80, 2))
    t = np.where(x @ [0.3, -1.0] + 0.2 > 0, 1.0, -1.0)
    s = linear_separability(x, t)
    assert s.separable and np.array_equal(predict(s.w, s.b, x), t)
    assert is_linearly_separable([[0, 0], [1, 0], [2, 0]], [1, 1, -1])   # collinear ++−
    assert is_linearly_separable([[0, 0], [1, 1]], [1, 1])                # one class
    assert is_linearly_separable(np.zeros((0, 2)), np.zeros(0))
    one = linear_separability([[0.2, 0.3]], [-1])
    assert one.separable and predict(one.w, one.b, [[0.2, 0.3]])[0] == -1


def test_separability_rejects_xor_concentric_and_collinear_sets():
    assert not is_linearly_separable(*builtin_points("XOR"))
    inner, outer = ring(12, 0.3), ring(16, 1.0, 0.1)
    concentric = np.vstack([inner, outer]), np.r_[np.ones(12), -np.ones(16)]
    assert not is_linearly_separable(*concentric)
    assert not is_linearly_separable([[0, 0], [1, 0], [2, 0]], [1, -1, 1])   # + − + on a line
    assert not is_linearly_separable([[0, 1], [1, 2], [2, 3]], [-1, 1, -1])  # − + − on a slope
    assert not is_linearly_separable([[0.5, 0.5], [0.5, 0.5]], [1, -1])    # one point, both
    # a − point exactly between two + points (in their convex hull)
    assert not is_linearly_separable([[0, 0], [2, 2], [1, 1], [5, 0]], [1, 1, -1, -1])


def test_two_layers_solve_xor_by_hand_and_by_training():
    net = xor_by_hand()
    assert net.names == ("OR", "NAND", "AND")
    assert np.array_equal(net.predict(TRUTH_TABLE), XOR_TARGETS)
    h = net.hidden(TRUTH_TABLE)
    np.testing.assert_array_equal(h[:, 0], [-1, 1, 1, 1])   # OR
    np.testing.assert_array_equal(h[:, 1], [1, 1, 1, -1])   # NAND
    trained = train_two_layer(TRUTH_TABLE, XOR_TARGETS, seconds=math.inf)  # the engine, fixed seeds; no clock
    assert trained.activation == "tanh" and "seed" in trained.how
    assert trained.correct(TRUTH_TABLE, XOR_TARGETS) == 4
    assert np.array_equal(trained.predict(TRUTH_TABLE), XOR_TARGETS)


# --------------------------------------------------------------------------- the view
def lesson(window):
    window.set_mode("Learn")   # window.learn_mode exists once the Learn mode was shown
    return window.learn_mode.show_lesson("perceptron")


def shown_weights(view):
    """w and b as the view prints them."""
    text = view.weights_label.text().replace("−", "-")
    w1, w2, b = re.search(r"w = <b>\(([-\d.]+), ([-\d.]+)\)</b>, b = <b>([-\d.]+)</b>", text).groups()
    return np.array([float(w1), float(w2)]), float(b)


def test_run_on_the_blobs_until_the_view_says_converged(window, qtbot):
    view = lesson(window)
    assert view.sets.currentText() == SEPARABLE_SET
    view.set_rule(PERCEPTRON)
    view.reset()
    view.epoch_ms = 60     # a quick run
    view.run_button.click()
    assert view.running and view.run_button.text() == "Pause"
    qtbot.waitUntil(lambda: not view.running, timeout=10000)
    assert view.run.converged and view.run_button.text() == "Run"
    sentence = converged_sentence(view.run.epochs)
    assert view.status.text() == sentence
    assert re.fullmatch(r"converged after \d+ epochs?: every point is on its side", sentence)
    w, b = shown_weights(view)
    x, t = builtin_points(SEPARABLE_SET)
    assert np.array_equal(predict(w, b, x), t)
    assert "0 of 30" in view.errors_label.text()
    assert not view.step_button.isEnabled()   # nothing left to learn until Reset


def test_step_shows_the_sample_and_its_update(window, qtbot):
    view = lesson(window)
    view.load_set("AND")
    view.set_rule(PERCEPTRON)
    view.step_button.click()   # sample #1: x = (0, 0), t = −1; w·x + b = 0.25 > 0 so o = +1
    text = view.sample_label.text()
    assert "#1" in text and "x&nbsp;=&nbsp;(0.000, 0.000)" in text and "wrong side" in text
    assert "Δb = <b>−0.200</b>" in text
    assert shown_weights(view)[1] == pytest.approx(0.05)
    assert "Epochs completed: <b>0</b>" in view.epoch_label.text()
    for _ in range(3):
        view.step_button.click()
    assert "Epochs completed: <b>1</b>" in view.epoch_label.text()


def test_clicks_add_points_of_either_class(window, qtbot):
    view = lesson(window)
    view.clear_button.click()
    assert view.run.n == 0 and "Click the plane" in view.status.text()
    assert view.sets.currentIndex() == -1 and view.sets.placeholderText() == "your points"
    plot = view.plane.plot
    for (px, py), button in (((0.5, 0.5), Qt.MouseButton.LeftButton),
                             ((-0.5, -0.25), Qt.MouseButton.RightButton)):
        where = plot.mapFromScene(view.plane.scene_pos_of(px, py))
        qtbot.mouseClick(plot.viewport(), button, pos=where)
    assert view.run.n == 2
    np.testing.assert_allclose(view.run.x, [[0.5, 0.5], [-0.5, -0.25]], atol=0.02)
    assert list(view.run.t) == [1.0, -1.0]
    # the handler the click calls, with scene coordinates; −1 for the left button when chosen
    view.left_class.setCurrentIndex(1)
    view.plane.click_at_scene(view.plane.scene_pos_of(1.0, -1.0), True)
    assert view.run.n == 3 and view.run.t[-1] == -1.0
    np.testing.assert_allclose(view.run.x[-1], [1.0, -1.0], atol=1e-6)
    view.epoch_button.click()
    assert view.run.epochs == 1 and "of 3" in view.errors_label.text()


def test_xor_is_not_separable_and_two_layers_solve_it(window, qtbot):
    view = lesson(window)
    view.sets.setCurrentIndex(SETS.index("XOR"))
    view.sets.activated.emit(SETS.index("XOR"))
    assert view.run.n == 4 and NOT_SEPARABLE not in view.status.text()
    for _ in range(5):
        view.epoch_button.click()
    assert view.status.text() == NOT_SEPARABLE
    assert not view.run.converged and view.solve_button.isEnabled()
    view.solve_button.click()
    net = view.two_layer
    assert net is not None and net.names == ("OR", "NAND", "AND")
    assert np.array_equal(net.predict(view.run.x), view.run.t)
    html = view.two_label.text()
    assert "4 of 4 points" in html and html.count("✓") == 4 and "✗" not in html
    assert "h₁ = OR: sign(x₁ + x₂ − 0.5)" in html and "o = AND: sign(h₁ + h₂ − 1)" in html
    assert "every point right" in view.status.text()
    assert all(line.isVisible() for line in view.plane.hidden_lines)


def test_leaving_the_lesson_stops_a_run(window, qtbot):
    view = lesson(window)
    view.load_set("XOR")
    view.run_button.click()
    assert view.running
    view.epoch_button.click()        # Epoch while running pauses
    assert not view.running and not view.run_button.isChecked()
    view.run_button.click()
    assert view.running
    assert view.timer.parent() is view     # destroyed with the view
    window.set_mode("Design")
    assert not view.running and view.run_button.text() == "Run"
    assert view.status.text() == NOT_SEPARABLE
