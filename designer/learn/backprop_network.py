"""Which networks the backprop stepper takes, and their weights.

The course's example is the ``mlp-example`` template with its shipped weights and the sample
x = (10, 30, 20), t = (1, 0), η = 0.1, α = 0. A designed network qualifies when it is an input of
features followed by dense layers each followed by a sigmoid, with at most ``MAX_NEURONS`` neurons
per layer; its weights are those trained (or loaded) in Train mode, else a fresh engine
initialisation (seed 0), in float64.
"""
from __future__ import annotations

import numpy as np

from ..model import is_chain
from . import LearnError
from .backprop import DenseStack

__all__ = ["COURSE_X", "COURSE_T", "COURSE_LR", "COURSE_MOMENTUM", "MAX_NEURONS", "course_stack",
           "why_not", "network_stack", "same_structure"]

COURSE_X = (10.0, 30.0, 20.0)
COURSE_T = (1.0, 0.0)
COURSE_LR = 0.1
COURSE_MOMENTUM = 0.0
MAX_NEURONS = 8


def course_stack() -> DenseStack:
    """The mlp-example with its shipped weights."""
    from ..model import load_model, load_weights, template_weights

    network = load_model("mlp-example")
    arrays = load_weights(template_weights("mlp-example"), network)
    return DenseStack([arrays["1.weight"], arrays["3.weight"]], [None, None], [1, 3],
                      "course example (mlp-example)")


def why_not(network) -> str:
    """One sentence saying why the stepper cannot take ``network``; "" when it can."""
    layers = list(network.layers)
    if not layers:
        return "The window's network is empty."
    if not is_chain(layers):
        return ("The window's network has branches; the stepper takes only a chain of dense layers "
                "each followed by a sigmoid.")
    first = layers[0]
    if first.type != "input" or "features" not in first.config:
        return "The window's network does not start with an input of features (a vector)."
    if first.config["features"] > MAX_NEURONS:
        return (f"The window's network has {first.config['features']} inputs; "
                f"the stepper draws at most {MAX_NEURONS}.")
    rest = layers[1:]
    if not rest:
        return "The window's network has no dense layer."
    for k in range(0, len(rest), 2):
        index = k + 1
        layer = rest[k]
        if layer.type != "dense":
            return (f"Layer #{index} is {layer.type}, but the stepper takes only dense layers each "
                    f"followed by a sigmoid.")
        units = layer.resolved()["units"]
        if units > MAX_NEURONS:
            return (f"Dense layer #{index} has {units} neurons; the stepper draws at most "
                    f"{MAX_NEURONS} per layer.")
        after = rest[k + 1] if k + 1 < len(rest) else None
        if after is None:
            return f"Dense layer #{index} is not followed by a sigmoid."
        if after.type != "sigmoid":
            return f"Dense layer #{index} is followed by {after.type}, not by a sigmoid."
    report = network.report()
    if report.problems:
        return f"The window's network has an error: {report.problems[0]}"
    return ""


def network_stack(network, weights=None) -> DenseStack:
    """The dense layers of a network that qualifies (``why_not`` is ""), with ``weights`` (arrays
    by weights-file key, e.g. trained in Train mode) or else freshly initialised by the engine
    (seed 0); in float64."""
    from ..engine import EngineNet

    reason = why_not(network)
    if reason:
        raise LearnError(reason)
    net = EngineNet(network, dtype=np.float64, seed=0)
    if weights is not None:
        net.load_state_dict(weights)
    state = net.state_dict()
    indices = [i for i, layer in enumerate(network.layers) if layer.type == "dense"]
    trained = weights is not None
    weights = [state[f"{i}.weight"] for i in indices]
    biases = [state.get(f"{i}.bias") for i in indices]
    how = "its trained weights" if trained else "fresh weights, seed 0"
    return DenseStack(weights, biases, indices, f"this window's network ({how})")


def same_structure(network, stack: DenseStack) -> bool:
    """Whether ``network`` has the layers of ``stack`` (same sizes, same biases) at the same places,
    so that its layers can stand for the stack's on the canvas."""
    if why_not(network):
        return False
    indices = [i for i, layer in enumerate(network.layers) if layer.type == "dense"]
    if indices != list(stack.layer_index) or network[0].config["features"] != stack.sizes[0]:
        return False
    for i, w, b in zip(indices, stack.weights, stack.biases):
        cfg = network[i].resolved()
        if cfg["units"] != w.shape[0] or bool(cfg["bias"]) != (b is not None):
            return False
    return True
