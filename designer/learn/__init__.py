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


# The lessons need NumPy: each module is imported on first use of one of its names.
_NAMES = {
    "activations": ("ACTIVATIONS", "MAXOUT_LINES", "maxout"),
    "backprop": ("BackpropStepper", "fmt", "fmt_given", "layer_title", "stages"),
    "backprop_network": ("COURSE_LR", "COURSE_MOMENTUM", "COURSE_T", "COURSE_X", "course_stack",
                         "network_stack", "same_structure", "why_not"),
    "backprop_text": ("explain_step", "full"),
    "graph": ("EXAMPLES", "GATE_NOTES", "LEAVES", "Step", "Stepper", "number"),
    "perceptron": ("DELTA", "NOT_SEPARABLE", "NOT_SEPARABLE_DELTA", "PERCEPTRON", "PerceptronRun", "RULES",
                   "SEPARABLE_SET", "SETS", "builtin_points", "converged_sentence", "line_equation", "num",
                   "predict", "signed", "solve_two_layers", "vec"),
    "shape": ("NOTHING_SELECTED", "explain", "first_conv", "spatial_indices"),
}
_MODULE = {name: module for module, names in _NAMES.items() for name in names}


def __getattr__(name):
    module = _MODULE.get(name)
    if module == "activations":
        from . import activations as found
    elif module == "backprop":
        from . import backprop as found
    elif module == "backprop_network":
        from . import backprop_network as found
    elif module == "backprop_text":
        from . import backprop_text as found
    elif module == "graph":
        from . import graph as found
    elif module == "perceptron":
        from . import perceptron as found
    elif module == "shape":
        from . import shape as found
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(found, name)


__all__ = ["LearnError", *_MODULE]
