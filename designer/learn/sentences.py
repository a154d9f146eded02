"""The one sentence the Explain shape lesson (and ``nn-designer explain``) writes for a layer that
has no sliding window, dense product or merge to work out: what it computes, with the numbers of
its parameters (layer norm's 2·D, layer scale's D) or stored constants (scale_shift's)."""
from __future__ import annotations

from ..model import KINDS, depth_of, format_shape, is_volume, size_of


def sentence(layer, info, cfg: dict) -> str:
    """The sentence for ``layer`` (its LayerInfo ``info``, resolved settings ``cfg``)."""
    label = KINDS[layer.type].label
    shape_in, shape_out = format_shape(info.input), format_shape(info.output)
    if layer.type == "input":
        if is_volume(info.output):
            return f"The input is a {shape_out} volume (W×H×D); it has no parameters."
        return f"The input is a vector of {shape_out} features; it has no parameters."
    if layer.type == "flatten":
        dims = "·".join(str(x) for x in info.input)
        return (f"Flatten turns {shape_in} into a vector of {dims} = {size_of(info.input):,} values "
                "and has no parameters.")
    if layer.type == "maxout":
        return (f"Maxout keeps the largest of every {cfg['pieces']} consecutive channels: "
                f"{shape_in} becomes {shape_out}. It has no parameters of its own (the pieces' "
                "weights are in the layer before it).")
    if layer.type == "batchnorm":
        d = depth_of(info.input)
        return (f"Batch norm keeps the shape {shape_out} and learns a scale γ and a shift β per "
                f"channel: params = 2·{d} = {info.param_count:,}.")
    if layer.type in _PER_CHANNEL:
        return _PER_CHANNEL[layer.type](info, cfg, shape_out)
    if layer.type in _FORMULAS:  # the modern activations: what they compute, PyTorch's name
        return f"{label} computes {_FORMULAS[layer.type](cfg)}; it keeps the shape {shape_out} and has no parameters."
    return f"{label} keeps the shape {shape_out} and has no parameters."


def _unit(info) -> str:
    return "channel" if is_volume(info.input) else "feature"


def _over(info) -> str:
    if is_volume(info.input):
        w, h, d = info.input
        return f"the {d} channels at each of the {w}·{h} = {w * h:,} positions"
    return f"the {info.input[0]} features"


_FORMULAS = {
    "relu6": lambda cfg: "min(max(0, x), 6), as nn.ReLU6",
    "hardtanh": lambda cfg: f"x clipped to [{cfg['min_val']:g}, {cfg['max_val']:g}], as nn.Hardtanh",
    "hardsigmoid": lambda cfg: "relu6(x + 3)/6, as nn.Hardsigmoid",
    "hardswish": lambda cfg: "x·relu6(x + 3)/6, as nn.Hardswish",
    "silu": lambda cfg: "x·σ(x), as nn.SiLU (swish)",
    "gelu": lambda cfg: ("x·(1 + tanh(√(2/π)(x + 0.044715x³)))/2, as nn.GELU(approximate='tanh')"
                         if cfg["approximate"] == "tanh" else "x·Φ(x) = x·(1 + erf(x/√2))/2, as nn.GELU"),
    "log_softmax": lambda cfg: "x − log Σ eˣ over the features (log-probabilities), as nn.LogSoftmax(dim=1)",
}

# The per-channel layers: what each learns or stores, with its numbers.
_PER_CHANNEL = {
    "layer_norm": lambda info, cfg, shape: (
        f"Layer norm keeps the shape {shape}: it normalises {_over(info)} (mean 0, variance 1, "
        f"eps {cfg['eps']:g}), then learns a scale γ and a shift β per {_unit(info)}: "
        f"params = 2·{depth_of(info.input)} = {info.param_count:,}."),
    "layer_scale": lambda info, cfg, shape: (
        f"Layer scale keeps the shape {shape} and multiplies each {_unit(info)} by its own learnt γ, "
        f"starting at {cfg['init']:g}: params = {info.param_count:,}, one per {_unit(info)}."),
    "scale_shift": lambda info, cfg, shape: (
        f"Scale and shift keeps the shape {shape} and computes x·scale + shift with constants per "
        f"{_unit(info)} from the weights file: 2·{depth_of(info.input)} = {info.buffer_count:,} stored values, "
        "0 parameters (nothing is learnt)."),
}
