"""The perceptron lesson's arithmetic: one neuron on points of the plane, trained by the perceptron
rule or the delta rule one sample at a time, with convergence detection, the exact
linear-separability test (``perceptron_separable``) and a two-layer network for what one line
cannot do (``perceptron_two_layer``).

Targets and outputs are ±1. Perceptron rule: o = sign(w·x + b) (+1 if w·x + b > 0, else −1, as
the engine's sign layer), Δw = η(t − o)x, Δb = η(t − o). Delta rule: gradient descent on
E = ½Σ(t − o)² with the linear output o = w·x + b, one sample at a time: the same Δw = η(t − o)x
with the real-valued o.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from .perceptron_separable import Separability, is_linearly_separable, linear_separability
from .perceptron_two_layer import (TRUTH_TABLE, XOR_TARGETS, TwoLayerNet, solve_two_layers, train_two_layer,
                                   xor_by_hand)

__all__ = ["PERCEPTRON", "DELTA", "RULES", "SETS", "START_W", "START_B", "Step", "PerceptronRun",
           "builtin_points", "perceptron_step", "delta_step", "predict", "misclassified",
           "squared_error", "num", "vec", "signed", "line_equation", "Separability", "linear_separability",
           "is_linearly_separable", "TwoLayerNet", "solve_two_layers", "train_two_layer",
           "xor_by_hand", "converged_sentence", "NOT_SEPARABLE", "NOT_SEPARABLE_DELTA"]

PERCEPTRON = "perceptron rule"
DELTA = "delta rule"
RULES = (PERCEPTRON, DELTA)

SEPARABLE_SET = "linearly separable (two blobs)"
SETS = (SEPARABLE_SET, "AND", "OR", "XOR")
BLOB_POINTS = 30
BLOB_SEED = 4

# The starting line 0.5·x₁ − x₂ + 0.25 = 0 crosses both the blobs' view and the unit square.
START_W = (0.5, -1.0)
START_B = 0.25
DIVERGED = 1e6  # |w| or |b| beyond this: the delta rule's η is too large
SETTLED = 1e-6  # the delta rule has settled when an epoch moves w and b less than this

NOT_SEPARABLE = ("These points are not linearly separable: no line puts every + on one side and "
                 "every − on the other, so the perceptron never converges")
NOT_SEPARABLE_DELTA = ("These points are not linearly separable: no line puts every + on one side "
                       "and every − on the other; the delta rule still settles on the line of "
                       "least squared error, with some points on the wrong side")

_LOGIC = {"AND": (-1, -1, -1, 1), "OR": (-1, 1, 1, 1), "XOR": tuple(XOR_TARGETS)}   # on TRUTH_TABLE


def builtin_points(name: str) -> tuple:
    """(x (n, 2), t (n,) of ±1) of a built-in set: two Gaussian blobs (the engine's ``blobs``,
    separable by construction) or the truth table of AND, OR or XOR on inputs 0 and 1."""
    if name in _LOGIC:
        return TRUTH_TABLE.copy(), np.array(_LOGIC[name], dtype=np.float64)
    if name != SEPARABLE_SET:
        raise KeyError(f"no built-in point set named {name!r}")
    from designer.engine.data import make_builtin
    data = make_builtin("blobs", BLOB_POINTS, seed=BLOB_SEED)
    return np.asarray(data.x, dtype=np.float64), np.where(data.y == 1, 1.0, -1.0)


# --------------------------------------------------------------------------- numbers
def num(v: float, digits: int = 3) -> str:
    """A number as the course prints it: a real minus sign, no '−0.000'."""
    text = f"{float(v):.{digits}f}"
    if float(text) == 0:
        text = text.lstrip("-")
    return text.replace("-", "−")


def vec(v, digits: int = 3) -> str:
    return "(" + ", ".join(num(c, digits) for c in v) + ")"


def signed(v: float, digits: int = 3) -> str:
    """A number with its sign always written: '+1', '−0.500'."""
    text = num(v, digits)
    return text if text.startswith("−") else "+" + text


def line_equation(w, b: float, digits: int = 3) -> str:
    """'0.500·x₁ − 1.000·x₂ + 0.250 = 0'."""
    def term(v, name):
        text = num(v, digits)
        return ("− " + text[1:] if text.startswith("−") else "+ " + text) + name
    return f"{num(w[0], digits)}·x₁ {term(w[1], '·x₂')} {term(b, '')} = 0"


def sign(a):
    """+1 where a > 0, else −1 (the engine's sign layer)."""
    return np.where(np.asarray(a) > 0, 1.0, -1.0)


# --------------------------------------------------------------------------- the rules
@dataclass(frozen=True)
class Step:
    """One sample's update: which sample, its x and t, the output o, Δw and Δb."""
    index: int
    x: np.ndarray
    t: float
    o: float
    dw: np.ndarray
    db: float
    rule: str = PERCEPTRON

    @property
    def mistake(self) -> bool:
        """For the perceptron rule: the sample was on the wrong side (so w changed)."""
        return self.t != self.o if self.rule == PERCEPTRON else bool(sign(self.o) != self.t)


def perceptron_step(w, b: float, x, t: float, eta: float, index: int = 0) -> Step:
    """o = sign(w·x + b); Δw = η(t − o)x, Δb = η(t − o)."""
    x = np.asarray(x, dtype=np.float64)
    o = float(sign(np.dot(w, x) + b))
    e = eta * (t - o)
    return Step(index, x, float(t), o, e * x, e, PERCEPTRON)


def delta_step(w, b: float, x, t: float, eta: float, index: int = 0) -> Step:
    """o = w·x + b; Δw = −η∂E/∂w = η(t − o)x, Δb = η(t − o), for E = ½(t − o)²."""
    x = np.asarray(x, dtype=np.float64)
    o = float(np.dot(w, x) + b)
    e = eta * (t - o)
    return Step(index, x, float(t), o, e * x, e, DELTA)


def predict(w, b: float, x) -> np.ndarray:
    """The ±1 class of every point of ``x`` (n, 2) under the line (w, b)."""
    return sign(np.asarray(x, dtype=np.float64).reshape(-1, 2) @ np.asarray(w, dtype=np.float64) + b)


def misclassified(w, b: float, x, t) -> int:
    """How many points sign(w·x + b) puts on the wrong side."""
    if len(t) == 0:
        return 0
    return int(np.sum(predict(w, b, x) != np.asarray(t)))


def squared_error(w, b: float, x, t) -> float:
    """E = ½Σ(t − o)² with the linear output o = w·x + b."""
    if len(t) == 0:
        return 0.0
    o = np.asarray(x, dtype=np.float64).reshape(-1, 2) @ np.asarray(w, dtype=np.float64) + b
    return 0.5 * float(np.sum((np.asarray(t) - o) ** 2))


def converged_sentence(epochs: int) -> str:
    unit = "epoch" if epochs == 1 else "epochs"
    return f"converged after {epochs} {unit}: every point is on its side"


# --------------------------------------------------------------------------- a run
@dataclass
class PerceptronRun:
    """A neuron learning a point set sample by sample, in the set's order, epoch after epoch.

    ``epochs`` counts the completed passes; ``position`` is the next sample of the current pass;
    ``mistakes`` counts the current pass's samples that changed w (perceptron rule); ``converged``
    becomes True when the perceptron rule completes a pass without one; ``settled`` when a pass
    of the delta rule moves w and b by less than ``SETTLED``; ``diverged`` when the delta rule's
    weights blow up (η too large)."""
    x: np.ndarray
    t: np.ndarray
    rule: str = PERCEPTRON
    eta: float = 0.1
    w: np.ndarray = field(default_factory=lambda: np.array(START_W, dtype=np.float64))
    b: float = START_B
    epochs: int = 0
    position: int = 0
    mistakes: int = 0
    converged: bool = False
    settled: bool = False
    diverged: bool = False
    last: Optional[Step] = None
    last_epoch_mistakes: Optional[int] = None

    def __post_init__(self):
        self.x = np.asarray(self.x, dtype=np.float64).reshape(-1, 2)
        self.t = np.asarray(self.t, dtype=np.float64).reshape(-1)
        self.w = np.asarray(self.w, dtype=np.float64).copy()
        self._epoch_start = (self.w.copy(), self.b)

    @property
    def n(self) -> int:
        return len(self.t)

    @property
    def finished(self) -> bool:
        """Nothing more to learn: converged, settled, diverged, or no points."""
        return self.converged or self.settled or self.diverged or self.n == 0

    def reset(self, w=START_W, b: float = START_B) -> None:
        """Back to the starting line, epoch 0."""
        self.w = np.array(w, dtype=np.float64)
        self.b = float(b)
        self.restart_epochs()

    def restart_epochs(self) -> None:
        """Keep w and b, count epochs from 0 (after the points changed)."""
        self.epochs = self.position = self.mistakes = 0
        self.converged = self.settled = self.diverged = False
        self.last = None
        self.last_epoch_mistakes = None
        self._epoch_start = (self.w.copy(), self.b)

    def set_points(self, x, t) -> None:
        self.x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
        self.t = np.asarray(t, dtype=np.float64).reshape(-1)
        self.restart_epochs()

    def set_rule(self, rule: str) -> None:
        if rule not in RULES:
            raise ValueError(f"unknown rule {rule!r}")
        self.rule = rule
        self.restart_epochs()

    def step(self) -> Optional[Step]:
        """Present the next sample and apply its Δw (None when there are no points, or when the
        weights diverged)."""
        if self.n == 0 or self.diverged:
            return None
        i = self.position
        rule = perceptron_step if self.rule == PERCEPTRON else delta_step
        s = rule(self.w, self.b, self.x[i], self.t[i], self.eta, index=i)
        self.w = self.w + s.dw
        self.b = self.b + s.db
        self.last = s
        self.mistakes += s.mistake
        if not (np.all(np.isfinite(self.w)) and np.isfinite(self.b)) or \
                max(float(np.abs(self.w).max()), abs(self.b)) > DIVERGED:
            self.diverged = True
        self.position += 1
        if self.position == self.n:
            self._end_epoch()
        return s

    def _end_epoch(self) -> None:
        self.epochs += 1
        self.position = 0
        self.last_epoch_mistakes = self.mistakes
        if self.rule == PERCEPTRON and self.mistakes == 0:
            self.converged = True
        w0, b0 = self._epoch_start
        moved = max(float(np.abs(self.w - w0).max()), abs(self.b - b0))
        if self.rule == DELTA and not self.diverged and moved < SETTLED:
            self.settled = True
        self._epoch_start = (self.w.copy(), self.b)
        self.mistakes = 0

    def epoch(self) -> list:
        """The rest of the current pass (a whole pass when at its start); the steps taken."""
        steps = []
        while self.n and not self.diverged:
            steps.append(self.step())
            if self.position == 0:
                break
        return steps

    def train(self, max_epochs: int = 1000) -> bool:
        """Whole passes until the run is finished (or ``max_epochs``); converged?"""
        for _ in range(max_epochs):
            if self.finished:
                break
            self.epoch()
        return self.converged

    # the current line's numbers
    def errors(self) -> int:
        return misclassified(self.w, self.b, self.x, self.t)

    def error(self) -> float:
        return squared_error(self.w, self.b, self.x, self.t)

    def separability(self) -> Separability:
        return linear_separability(self.x, self.t)
