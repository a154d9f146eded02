"""The Computational graph lesson: the course's f = (x + y)·z stepped forward and back with its
printed numbers and chain-rule sentences, CS231n's max-gate and sigmoid-neuron examples, the
backward pass against finite differences, and the view: buttons, displayed values and gradients,
inputs that recompute, the max gate's routing."""
from __future__ import annotations

import random

import pytest

from designer.learn.graph import EXAMPLES, Graph, Node, Stepper, number
from ui_support import dialog_log, window  # noqa: F401


# ---------------------------------------------------------------------- arithmetic
def test_course_example_forward_and_backward_steps():
    stepper = Stepper("course")
    steps = stepper.steps
    assert [s.phase for s in steps] == ["start", "forward", "forward", "backward", "backward",
                                        "backward"]
    assert [s.node for s in steps[1:]] == ["q", "f", "f", "f", "q"]
    final = steps[-1]
    assert final.values == {"x": -2, "y": 5, "z": -4, "q": 3, "f": -12}
    assert final.grads == {"f": 1, "q": -4, "z": 3, "x": -4, "y": -4}
    assert steps[1].sentences == ("q = x + y = −2 + 5 = 3",)
    assert steps[2].sentences == ("f = q · z = 3 · (−4) = −12",)
    assert steps[3].sentences[0].startswith("∂f/∂f = 1")
    assert steps[4].sentences == ("∂f/∂q = z = −4", "∂f/∂z = q = 3")
    assert steps[5].sentences == ("∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4",
                                  "∂f/∂y = ∂f/∂q · ∂q/∂y = −4 · 1 = −4")
    # a step knows only what has been computed so far
    assert "f" not in steps[1].values and steps[2].grads == {}
    assert steps[4].grads == {"f": 1, "q": -4, "z": 3}
    assert steps[5].changed == ("x", "y")


def test_max_example_matches_cs231n():
    stepper = Stepper("max")
    final = stepper.steps[-1]
    assert {k: final.values[k] for k in "pmsf"} == {"p": -12, "m": 2, "s": -10, "f": -20}
    assert final.grads == {"f": 1, "s": 2, "p": 2, "m": 2, "x": -8, "y": 6, "z": 2, "w": 0}
    sentences = [s for step in stepper.steps for s in step.sentences]
    assert "∂f/∂x = ∂f/∂p · ∂p/∂x = ∂f/∂p · y = 2 · (−4) = −8" in sentences
    assert "∂f/∂y = ∂f/∂p · ∂p/∂y = ∂f/∂p · x = 2 · 3 = 6" in sentences
    assert any(s.startswith("∂f/∂w = ∂f/∂m · ∂m/∂w = 2 · 0 = 0") for s in sentences)
    assert "m = max(z, w) = max(2, −1) = 2" in sentences
    # the other input wins when it is larger
    stepper.set_input("w", 5)
    grads = stepper.steps[-1].grads
    assert (grads["z"], grads["w"]) == (0, 2)


def test_sigmoid_neuron_matches_cs231n():
    final = Stepper("neuron").steps[-1]
    assert number(final.values["f"]) == "0.73"
    grads = {k: number(final.grads[k]) for k in ("w0", "x0", "w1", "x1", "w2")}
    assert grads == {"w0": "−0.2", "x0": "0.39", "w1": "−0.39", "x1": "−0.59", "w2": "0.2"}


def test_number_format():
    assert [number(v) for v in (-12.0, 3.0, 0.0, -0.0, 0.7310585, 0.1251, -1e-17, 0.004)] == \
        ["−12", "3", "0", "0", "0.73", "0.13", "0", "0.004"]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.key)
def test_backward_matches_finite_differences(example):
    graph = example.graph()
    rng = random.Random(7)
    for _ in range(20):
        inputs = {n: rng.uniform(-3, 3) for n in graph.inputs}
        grads = graph.steps(inputs)[-1].grads
        assert grads == pytest.approx(graph.backward(graph.forward(inputs)))
        for name in graph.inputs:
            h = 1e-6
            up, down = dict(inputs), dict(inputs)
            up[name] += h
            down[name] -= h
            numeric = (graph.evaluate(up) - graph.evaluate(down)) / (2 * h)
            assert grads[name] == pytest.approx(numeric, rel=1e-5, abs=1e-7), name


def test_gradients_add_up_where_a_node_feeds_several_gates():
    # f = (x + y)·x: ∂f/∂x = (x + y) + x, ∂f/∂y = x
    graph = Graph([Node("x", "input", value=3), Node("y", "input", value=2),
                   Node("q", "add", ("x", "y")), Node("f", "mul", ("q", "x"))], "f")
    steps = graph.steps()
    assert steps[-1].grads["x"] == 8 and steps[-1].grads["y"] == 3
    assert "∂f/∂x so far = 8" in steps[-1].sentences[0]
    squared = Graph([Node("x", "input", value=-3), Node("f", "mul", ("x", "x"))], "f")
    assert squared.steps()[-1].grads["x"] == -6


def test_graph_refuses_bad_nodes():
    with pytest.raises(ValueError, match="cycle"):
        Graph([Node("a", "add", ("b", "b")), Node("b", "add", ("a", "a"))], "a")
    with pytest.raises(ValueError, match="no input"):
        Graph([Node("a", "add", ("x", "y"))], "a")
    with pytest.raises(ValueError, match="unknown op"):
        Graph([Node("x", "input"), Node("a", "pow", ("x",))], "a")


def test_stepper_buttons_logic():
    stepper = Stepper()
    assert not stepper.can_backward() and stepper.can_forward()
    assert not stepper.backward() and stepper.position == 0
    assert stepper.forward() and stepper.forward() and not stepper.forward()
    assert stepper.backward() and stepper.position == 3
    stepper.set_input("x", 1)  # recomputed, same position
    assert stepper.position == 3 and stepper.step.values["f"] == -24
    stepper.run_all()
    assert stepper.done() and not stepper.backward()
    assert stepper.back() and stepper.position == len(stepper.steps) - 2
    stepper.reset()
    assert stepper.position == 0 and stepper.step.grads == {}


# ---------------------------------------------------------------------- the view
def _shown(view, node: str, kind: str) -> str:
    return view.canvas.label(node, kind).text


def test_view_steps_through_the_course_example(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("graph")
    view.reset()
    assert _shown(view, "q", "value") == "q = ?" and _shown(view, "x", "value") == "x = −2"
    assert not view.backward_button.isEnabled()
    view.forward_button.click()
    assert _shown(view, "q", "value") == "q = 3"
    assert view.canvas.stepper.step.node == "q"
    view.forward_button.click()
    assert _shown(view, "f", "value") == "f = −12"
    assert not view.forward_button.isEnabled() and view.backward_button.isEnabled()
    assert "f = q · z = 3 · (−4) = −12" in view.current.text()
    view.backward_button.click()
    assert _shown(view, "f", "grad") == "∂f/∂f = 1"
    assert _shown(view, "z", "grad") == "∂f/∂z = ?"
    view.backward_button.click()
    assert _shown(view, "z", "grad") == "∂f/∂z = 3"
    assert _shown(view, "q", "grad") == "∂f/∂q = −4"
    assert "mul gate switches" in view.notes.text().split("<b style")[1]  # the current gate's note
    view.backward_button.click()
    assert _shown(view, "x", "grad") == "∂f/∂x = −4"
    assert _shown(view, "y", "grad") == "∂f/∂y = −4"
    assert "∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4" in view.current.text()
    assert "add gate distributes" in view.notes.text().split("<b style")[1]
    assert not view.backward_button.isEnabled() and not view.all_button.isEnabled()
    assert "f = q · z = 3 · (−4) = −12" in view.log.toPlainText()  # earlier steps stay listed
    view.undo_button.click()
    assert _shown(view, "x", "grad") == "∂f/∂x = ?"
    view.reset_button.click()
    assert _shown(view, "f", "value") == "f = ?" and view.canvas.stepper.position == 0


def test_changing_an_input_recomputes_the_view(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("graph")
    view.all_button.click()
    view.spins["x"].setValue(1)
    assert _shown(view, "q", "value") == "q = 6"
    assert _shown(view, "f", "value") == "f = −24"
    assert _shown(view, "z", "grad") == "∂f/∂z = 6"
    assert _shown(view, "x", "grad") == "∂f/∂x = −4"
    assert view.canvas.stepper.done()
    view.spins["z"].lineEdit().setText("−2.5")  # the lesson's minus sign is understood
    view.spins["z"].interpretText()
    assert _shown(view, "f", "value") == "f = −15"
    assert view.spins["z"].text() == "−2.5"


def test_max_gate_routes_the_gradient_in_the_view(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("graph")
    view.select_example("max")
    assert set(view.spins) == {"x", "y", "z", "w"}
    view.all_button.click()
    assert view.canvas.label("z", "grad").text.endswith("= 2")
    assert view.canvas.label("w", "grad").text.endswith("= 0")
    assert view.canvas.label("x", "grad").text.endswith("= −8")
    assert view.canvas.label("y", "grad").text.endswith("= 6")
    assert view.canvas.label("f", "value").text.endswith("= −20")
    view.spins["w"].setValue(4)
    assert view.canvas.label("z", "grad").text.endswith("= 0")
    assert view.canvas.label("w", "grad").text.endswith("= 2")
    assert "max" in view.canvas.texts()  # the gate is drawn


def test_show_example_fills_in_every_value_and_gradient(window, qtbot):
    window.set_mode("Learn")
    view = window.learn_mode.show_lesson("graph")
    view.select_example("neuron")
    view.show_example()
    assert view.example.currentData() == "course" and view.canvas.stepper.done()
    texts = view.canvas.texts()
    assert "?" not in "".join(texts)
    for expected in ("q = 3", "f = −12", "∂f/∂x = −4", "∂f/∂y = −4", "∂f/∂z = 3"):
        assert expected in texts
    view.grab()  # paints without error
