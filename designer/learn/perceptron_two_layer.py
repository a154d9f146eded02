"""A 2-2-1 network for point sets one line cannot separate: XOR with the course's hand-picked
weights (hidden units OR and NAND, output AND), or any set trained with ``designer.engine``.

Units output ±1 (sign) in the hand-made network and tanh in a trained one; either way the
network's class is the sign of the output unit's net input, and each hidden unit's
w·x + b = 0 is a line of the plane.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

TRUTH_TABLE = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = np.array([-1.0, 1.0, 1.0, -1.0])

TRAIN_SEEDS = range(10)
TRAIN_EPOCHS = 3000
TRAIN_LR = 0.5
TRAIN_MOMENTUM = 0.9
# "Solve with two layers" runs on the GUI thread: on a set no 2-2-1 network solves, ten seeds of
# 3000 epochs took 2 s. A seed stops once its loss stalls, and all seeds together get a budget.
TRAIN_PATIENCE = 100     # epochs without a 0.1 % better loss that end a seed
TRAIN_BUDGET = 2500      # epochs over all seeds together (≈0.15 s for a few dozen points)
TRAIN_SECONDS = 0.2      # and never longer than this, whatever the number of points


@dataclass(frozen=True)
class TwoLayerNet:
    """h = f(W x + c), o = f(v·h + d): ``hidden_w`` (2, 2) one row per hidden unit, ``hidden_b``
    (2,), ``out_w`` (2,), ``out_b``; ``activation`` "sign" or "tanh"; ``names`` of the hidden and
    output units (what each computes, e.g. "OR"), ``how`` a few words on where the weights came
    from."""
    hidden_w: np.ndarray
    hidden_b: np.ndarray
    out_w: np.ndarray
    out_b: float
    activation: str = "sign"
    names: tuple = ("h₁", "h₂", "o")
    how: str = ""

    def _f(self, a):
        return np.where(a > 0, 1.0, -1.0) if self.activation == "sign" else np.tanh(a)

    def hidden(self, x) -> np.ndarray:
        """The hidden units' outputs, (n, 2)."""
        x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
        return self._f(x @ self.hidden_w.T + self.hidden_b)

    def net_output(self, x) -> np.ndarray:
        """The output unit's net input v·h + d, (n,)."""
        return self.hidden(x) @ self.out_w + self.out_b

    def predict(self, x) -> np.ndarray:
        """The ±1 class of every point."""
        return np.where(self.net_output(x) > 0, 1.0, -1.0)

    def correct(self, x, t) -> int:
        return int(np.sum(self.predict(x) == np.asarray(t).reshape(-1)))


def xor_by_hand() -> TwoLayerNet:
    """XOR = AND(OR, NAND) on inputs 0/1 with ±1 units: h₁ = sign(x₁ + x₂ − 0.5) (OR),
    h₂ = sign(−x₁ − x₂ + 1.5) (NAND), o = sign(h₁ + h₂ − 1) (AND)."""
    return TwoLayerNet(np.array([[1.0, 1.0], [-1.0, -1.0]]), np.array([-0.5, 1.5]),
                       np.array([1.0, 1.0]), -1.0, "sign", ("OR", "NAND", "AND"),
                       "the course's hand-picked weights")


def is_xor_table(x, t) -> bool:
    """Whether the points are exactly XOR's truth table (each corner once, XOR's targets)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    if len(x) != 4:
        return False
    rows = sorted((tuple(p), float(c)) for p, c in zip(x, t))
    want = sorted((tuple(p), float(c)) for p, c in zip(TRUTH_TABLE, XOR_TARGETS))
    return rows == want


def _network():
    from designer.model import Layer, Network
    return Network([Layer.make("input", features=2), Layer.make("dense", units=2),
                    Layer.make("tanh"), Layer.make("dense", units=1), Layer.make("tanh")],
                   name="2-2-1")


def train_two_layer(x, t, seeds=TRAIN_SEEDS, epochs: int = TRAIN_EPOCHS, budget: int = TRAIN_BUDGET,
                    seconds: float = TRAIN_SECONDS) -> TwoLayerNet:
    """A 2-2-1 tanh network trained by ``designer.engine`` (full-batch SGD with momentum on
    E = ½(t − o)²) from each seed in turn until it classifies every point right; the best one
    found otherwise. A seed ends when its loss stalls (``TRAIN_PATIENCE``); all seeds together
    take at most ``budget`` epochs and ``seconds``."""
    from designer.engine import EngineNet, SGD

    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    t = np.asarray(t, dtype=np.float64).reshape(-1)
    targets = t[:, None]
    network = _network()
    deadline = time.monotonic() + seconds
    best, best_correct, left = None, -1, budget
    for seed in seeds:
        if best is not None and (left <= 0 or time.monotonic() > deadline):
            break
        net = EngineNet(network, dtype=np.float64, seed=seed)
        opt = SGD(net.params, lr=TRAIN_LR, momentum=TRAIN_MOMENTUM)
        steps, lowest, stalled = 0, math.inf, 0
        while steps < min(epochs, max(1, left)):
            loss, out = net.loss_and_backward(x, targets, "mse")
            if np.all(np.sign(out[:, 0]) == t):
                break   # these weights classify every point
            opt.step(net.grads)
            steps += 1
            if loss < lowest * (1 - 1e-3):
                lowest, stalled = loss, 0
            else:
                stalled += 1
                if stalled >= TRAIN_PATIENCE:
                    break
            if steps % 64 == 0 and time.monotonic() > deadline:
                break
        left -= steps
        p = net.params
        model = TwoLayerNet(p["1.weight"].copy(), p["1.bias"].copy(), p["3.weight"][0].copy(),
                            float(p["3.bias"][0]), "tanh", ("h₁", "h₂", "o"),
                            f"trained by the engine: seed {seed}, {steps} epochs of gradient descent")
        correct = model.correct(x, t)
        if correct > best_correct:
            best, best_correct = model, correct
        if correct == len(t):
            break
    return best


def solve_two_layers(x, t) -> TwoLayerNet:
    """The course's XOR network for XOR's truth table, a trained 2-2-1 network for any other set."""
    return xor_by_hand() if is_xor_table(x, t) else train_two_layer(x, t)
