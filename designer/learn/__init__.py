"""The arithmetic behind the Learn mode, Qt-free so that tests and the command line can use it:
the backprop stepper's tables (``backprop``), the course's computational-graph example
(``graph``), the perceptron and delta rules on 2-D points (``perceptron``), the written-out shape
and parameter formulas of a layer (``shape``), and the activation functions with their derivatives
and remarks (``activations``). The Qt views live in ``designer/ui/learn/``.

A lesson's refusal of what the user gave it (a network the stepper cannot step through, numbers
that do not fit) is a ``LearnError``: one sentence, shown next to the lesson."""
from __future__ import annotations

from ..errors import UserError


class LearnError(UserError):
    """A lesson cannot use the user's network or numbers; one sentence saying why."""
