"""One step of backpropagation on one sample, as the course's tables show it.

A dense network of sigmoid layers (weights ``W[l]`` of shape (to, from), optional biases) takes
the sample ``x`` with target ``t``; with the loss E = ½Σ(t − o)²:

    net_j = Σ_i w_ji x_i (+ b_j),   o_j = 1 / (1 + e^−net_j)
    output layer:  δ_k = o_k(1 − o_k)(t_k − o_k)
    hidden layer:  δ_h = o_h(1 − o_h) Σ_k w_kh δ_k      (the weights before the update)
    Δw(n) = ηδx + αΔw(n−1),   new W = old W + Δw(n)    (a bias is a weight from x = 1)

which is the engine's SGD in the course's form (designer/engine/optim.py) for a batch of one.
Everything is float64. ``BackpropStepper`` keeps the weights and Δw(n−1) from step to step;
``stages(n_layers)`` lists what the lesson reveals one click at a time.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from . import LearnError
from .perceptron import num

__all__ = ["DenseStack", "LayerValues", "WeightRow", "Step", "Stage", "BackpropStepper",
           "backprop_step", "stages", "neuron_names", "fmt", "fmt_given"]


def fmt(value: float) -> str:
    """Four decimals with a Unicode minus, as the course prints them (never “−0.0000”)."""
    return num(value, 4)


def fmt_given(value: float) -> str:
    """A value the user typed (x, t, η, α): as short as it is exact, e.g. 10, 0.1, −2.5."""
    text = f"{float(value):.6g}"
    return "−" + text[1:] if text.startswith("-") else text


def neuron_names(sizes) -> list:
    """Names per level: I1… for the inputs, H1… for one hidden layer (H1.1…, H2.1… for several),
    O1… for the outputs."""
    sizes = list(sizes)
    hidden = len(sizes) - 2
    names = [[f"I{i + 1}" for i in range(sizes[0])]]
    for level in range(1, len(sizes) - 1):
        prefix = "H" if hidden == 1 else f"H{level}."
        names.append([f"{prefix}{i + 1}" for i in range(sizes[level])])
    names.append([f"O{i + 1}" for i in range(sizes[-1])])
    return names


@dataclass
class DenseStack:
    """A network of dense layers each followed by a sigmoid: its weights (to, from) and biases
    (``None`` for a layer without), in float64; ``layer_index`` is each dense layer's index in the
    designed network (for selecting it on the canvas)."""

    weights: list
    biases: list
    layer_index: list = field(default_factory=list)
    title: str = ""

    def __post_init__(self):
        self.weights = [np.array(w, dtype=np.float64) for w in self.weights]
        self.biases = [None if b is None else np.array(b, dtype=np.float64) for b in self.biases]

    @property
    def sizes(self) -> list:
        return [self.weights[0].shape[1]] + [w.shape[0] for w in self.weights]

    @property
    def names(self) -> list:
        return neuron_names(self.sizes)

    def copy(self) -> "DenseStack":
        return DenseStack([w.copy() for w in self.weights],
                          [None if b is None else b.copy() for b in self.biases],
                          list(self.layer_index), self.title)


@dataclass
class LayerValues:
    """One dense + sigmoid layer on the sample: net, o and δ per neuron."""

    net: np.ndarray
    out: np.ndarray
    delta: np.ndarray


@dataclass
class WeightRow:
    """One row of an update table: the weight ``source → target`` (``source`` is "bias" for a bias)."""

    source: str
    target: str
    lr: float
    delta: float
    x: float
    change: float    # ηδx
    momentum: float  # αΔw(n−1)
    step: float      # Δw(n) = ηδx + αΔw(n−1)
    old: float
    new: float
    given_x: bool = False  # x is a value of the sample (shown as typed), not a computed o


@dataclass
class Step:
    """Everything one step computes; ``rows[l]`` is layer l's update table (rows by target, then
    source, the bias last), ``weight_steps`` / ``bias_steps`` the Δw(n) to remember."""

    x: np.ndarray
    t: np.ndarray
    lr: float
    momentum: float
    layers: list
    loss: float
    rows: list
    new_weights: list
    new_biases: list
    weight_steps: list
    bias_steps: list

    @property
    def output(self) -> np.ndarray:
        return self.layers[-1].out


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def backprop_step(stack: DenseStack, x, t, lr: float, momentum: float = 0.0,
                  previous: Optional[tuple] = None) -> Step:
    """Forward, δs and the updates of one sample; ``previous`` is (weight steps, bias steps) of the
    step before (Δw(n−1); zeros when ``None``)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    sizes = stack.sizes
    if x.size != sizes[0]:
        raise LearnError(f"x has {x.size} values, but the network has {sizes[0]} inputs")
    if t.size != sizes[-1]:
        raise LearnError(f"t has {t.size} values, but the network has {sizes[-1]} outputs")
    lr, momentum = float(lr), float(momentum)
    weights, biases = stack.weights, stack.biases
    if previous is None:
        previous = ([np.zeros_like(w) for w in weights],
                    [None if b is None else np.zeros_like(b) for b in biases])
    prev_w, prev_b = previous

    inputs, layers = [x], []
    for w, b in zip(weights, biases):
        net = w @ inputs[-1] + (0.0 if b is None else b)
        out = sigmoid(net)
        layers.append(LayerValues(net, out, np.zeros_like(out)))
        inputs.append(out)
    top = layers[-1]
    top.delta = top.out * (1 - top.out) * (t - top.out)
    for l in range(len(layers) - 2, -1, -1):
        o = layers[l].out
        layers[l].delta = o * (1 - o) * (weights[l + 1].T @ layers[l + 1].delta)
    loss = 0.5 * float(np.sum((t - top.out) ** 2))

    names = stack.names
    rows, new_w, new_b, steps_w, steps_b = [], [], [], [], []
    for l, (w, b) in enumerate(zip(weights, biases)):
        delta, xin = layers[l].delta, inputs[l]
        change = lr * np.outer(delta, xin)
        step_w = change + momentum * prev_w[l]
        new_w.append(w + step_w)
        steps_w.append(step_w)
        table = []
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                table.append(WeightRow(names[l][i], names[l + 1][j], lr, delta[j], xin[i],
                                       change[j, i], momentum * prev_w[l][j, i], step_w[j, i],
                                       w[j, i], new_w[-1][j, i], given_x=(l == 0)))
        if b is None:
            new_b.append(None)
            steps_b.append(None)
        else:
            change_b = lr * delta
            step_b = change_b + momentum * prev_b[l]
            new_b.append(b + step_b)
            steps_b.append(step_b)
            for j in range(b.size):
                table.append(WeightRow("bias", names[l + 1][j], lr, delta[j], 1.0, change_b[j],
                                       momentum * prev_b[l][j], step_b[j], b[j], new_b[-1][j],
                                       given_x=True))
        rows.append(table)
    return Step(x, t, lr, momentum, layers, loss, rows, new_w, new_b, steps_w, steps_b)


@dataclass(frozen=True)
class Stage:
    """What one click reveals: ``phase`` is "start", "forward", "delta" or "update"; ``layer`` the
    dense layer it is about (0 = the first one after the inputs; −1 for the start)."""

    phase: str
    layer: int
    title: str


def layer_title(layer: int, n_layers: int) -> str:
    if layer == n_layers - 1:
        return "the output layer"
    return "the hidden layer" if n_layers == 2 else f"hidden layer {layer + 1}"


def stages(n_layers: int) -> list:
    """The order of the lesson: the sample, forward layer by layer, δ from the output back, then the
    weight updates from the output layer back (the course's order of tables)."""
    out = [Stage("start", -1, "the sample and the current weights")]
    out += [Stage("forward", l, f"forward through {layer_title(l, n_layers)}: net and o")
            for l in range(n_layers)]
    out += [Stage("delta", l, f"δ of {layer_title(l, n_layers)}")
            for l in range(n_layers - 1, -1, -1)]
    out += [Stage("update", l, f"weight updates of {layer_title(l, n_layers)}")
            for l in range(n_layers - 1, -1, -1)]
    return out


class BackpropStepper:
    """The network's weights from step to step, with Δw(n−1) for the momentum term.

    ``compute(x, t, lr, momentum)`` gives the current step's ``Step`` without changing anything;
    ``apply(step)`` makes its new weights current and remembers its Δw; ``reset()`` goes back to
    the first weights."""

    def __init__(self, stack: DenseStack):
        self.initial = stack.copy()
        self.reset()

    def reset(self) -> None:
        self.stack = self.initial.copy()
        self.previous = None
        self.count = 1  # the number n of the step about to be taken

    def compute(self, x, t, lr: float, momentum: float = 0.0) -> Step:
        return backprop_step(self.stack, x, t, lr, momentum, self.previous)

    def apply(self, step: Step) -> None:
        self.stack.weights = [w.copy() for w in step.new_weights]
        self.stack.biases = [None if b is None else b.copy() for b in step.new_biases]
        self.previous = (step.weight_steps, step.bias_steps)
        self.count += 1
