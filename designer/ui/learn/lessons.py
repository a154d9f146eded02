"""The lessons of the Learn mode, in the order the list shows them.

Each lesson is ``Lesson(key, title, blurb, module)``; ``module`` (relative to this package)
defines ``create(window) -> QWidget``. A lesson view may define ``entered()`` (called when the
lesson is shown) and ``left()`` (called when another lesson or mode is shown).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    blurb: str
    module: str


LESSONS = (
    Lesson("backprop", "Backprop stepper",
           "One sample through a small dense network: forward values, the δs, the weight updates.",
           ".backprop"),
    Lesson("graph", "Computational graph",
           "f(x, y, z) = (x + y)·z: values forward, gradients back, one gate at a time.",
           ".graph"),
    Lesson("perceptron", "Perceptron",
           "Click points, run the perceptron or delta rule, watch the line move; XOR needs two layers.",
           ".perceptron"),
    Lesson("shape", "Explain shape",
           "The selected layer's output size and parameter count, written out with its numbers.",
           ".shape"),
    Lesson("activations", "Activation gallery",
           "Sigmoid, tanh, ReLU and friends with their derivatives and what the course says of them.",
           ".activations"),
)

BY_KEY = {lesson.key: lesson for lesson in LESSONS}
