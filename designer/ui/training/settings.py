"""Training settings the Train mode suggests for a network.

No Qt here. ``suggest(network)`` gives TrainConfig fields that work for the templates (AlexNet
gets the course's recipe). The memory check before a run is the engine's ``memory_problem``.
"""
from __future__ import annotations

from ...engine import SETTING, defaults
from ...model import human_count

# The course's AlexNet recipe: batch 128, momentum 0.9, lr 0.01, weight decay 5e-4, ÷10 on plateau.
ALEXNET_RECIPE = dict(batch_size=128, lr=0.01, momentum=0.9, weight_decay=5e-4, schedule="plateau")
# Small networks on small data learn in seconds with a larger rate and smaller batches.
SMALL_NET = dict(epochs=15, batch_size=32, lr=0.05, momentum=0.9)

SCHEDULES = {  # name: (label, tooltip)
    "constant": ("constant", "The learning rate stays as set"),
    "step": ("step ×0.1 / 10 epochs", "Multiply the learning rate by 0.1 every 10 epochs"),
    "plateau": ("plateau ÷10", "Divide the learning rate by 10 when the validation accuracy has not "
                               "improved for 3 epochs (AlexNet's recipe)"),
}


def is_alexnet(network) -> bool:
    """The AlexNet template or a network built like it (local response normalisation, 227×227×3)."""
    name = (network.name or "").lower().replace("-", "")
    if "alexnet" in name:
        return True
    report = network.report()
    return report.input == (227, 227, 3) and any(layer.type == "lrn" for layer in network.layers)


SMALL_PARAMS = 1_000_000   # parameters: below this, the small-network suggestion applies


def is_small(network) -> bool:
    return network.report().total_params < SMALL_PARAMS


def suggest(network) -> dict:
    """TrainConfig fields suited to ``network`` (``suggestion_source`` says why they differ from
    the schema's defaults, which are the command line's)."""
    out = defaults()
    if is_small(network):   # a large rate and small batches would not suit ResNet-18's 11.7 M
        out.update(SMALL_NET)
    if is_alexnet(network):
        out.update(ALEXNET_RECIPE)
        out["epochs"] = 10
    report = network.report()
    if report.output is not None and len(report.output) == 1 and report.output[0] == 1:
        out["loss"] = "mse"  # one output: cross-entropy needs two or more
    if network.layers and network.layers[-1].type in ("sign", "tanh", "sigmoid") \
            and report.output is not None and report.output[0] > 1:
        out["loss"] = "mse"
    return out


def suggest_data(network) -> str:
    """A built-in data set that fits ``network``'s input: 2-D points for a 2-feature input (the
    perceptron's separable blobs for a single layer, spirals for more), else the shapes images."""
    if network.report().input == (2,):
        dense = sum(1 for layer in network.layers if layer.type == "dense")
        return "blobs" if dense <= 1 else "spirals"
    return "shapes"


def suggestion_source(network) -> str:
    """Where ``suggest(network)``'s values come from, the command line's defaults they replace and
    the options that give the same run with ``nn-designer train`` (one sentence for the panel)."""
    values, base = suggest(network), defaults()
    changed = {k: v for k, v in values.items() if v != base[k]}
    if not changed:
        if not is_small(network):
            return (f"The defaults of nn-designer train, for a network of "
                    f"{human_count(network.report().total_params)} parameters.")
        return "The defaults of nn-designer train."
    why = ("AlexNet's recipe" if is_alexnet(network) else
           "Suggested for a small network (it learns faster with a larger rate and smaller batches)")
    shown = lambda v: f"{v:g}" if isinstance(v, float) else str(v)  # noqa: E731
    options = " ".join(f"{SETTING[k].option} {shown(v)}" for k, v in changed.items())
    instead = ", ".join(f"{SETTING[k].label} {shown(base[k])}" for k in changed)
    return f"{why}; the defaults are {instead}; on the command line: nn-designer train … {options}."
