"""Layer kinds that keep (or only divide) the shape: activations, maxout, dropout, lrn,
batchnorm, softmax."""
from __future__ import annotations

from .keys import Key
from .kind import LayerKind, Outcome, any_any, depth_of, is_volume, size_of

DEFINED: list = []  # the kinds of this module, in palette order (collected by the catalogue)


def register(kind: LayerKind) -> LayerKind:
    DEFINED.append(kind)
    return kind


def _activation(type_, label, torch, help_, keys=(), brief=lambda cfg: "", torch_module="", onnx="",
                aliases=""):
    return register(LayerKind(type_, label, "activation", keys=keys, rule=any_any, torch=torch,
                              help=help_, brief=brief, torch_module=torch_module, onnx=onnx,
                              aliases=aliases))


_activation("relu", "ReLU", "torch.nn.ReLU", "max(0, x): the default activation of deep nets.",
            torch_module="nn.ReLU()", onnx="Relu")
_activation("leaky_relu", "Leaky ReLU", "torch.nn.LeakyReLU",
            "x for x > 0, αx otherwise: never quite dead.",
            keys=(Key("alpha", "float", 0.01, lo=0, hi=1e6, help="slope for x < 0"),),
            brief=lambda cfg: f"α {cfg['alpha']:g}")
_activation("elu", "ELU", "torch.nn.ELU", "x for x > 0, α(eˣ − 1) otherwise.",
            keys=(Key("alpha", "float", 1.0, lo=0, hi=1e6, help="saturation value for x < 0"),),
            brief=lambda cfg: f"α {cfg['alpha']:g}")
_activation("sigmoid", "Sigmoid", "torch.nn.Sigmoid", "1 / (1 + e⁻ˣ): squashes to (0, 1).",
            torch_module="nn.Sigmoid()", onnx="Sigmoid")
_activation("tanh", "Tanh", "torch.nn.Tanh", "tanh(x): squashes to (−1, 1).",
            torch_module="nn.Tanh()", onnx="Tanh")
_activation("sign", "Sign", "torch.sign (straight-through gradient)",
            "The perceptron's output: +1 if x > 0, else −1.")


# The activations of MobileNet, EfficientNet and ConvNeXt, named as PyTorch names them. Those
# without settings that are one ONNX node still have an entry in the ONNX exporter (ReLU6 is a
# Clip with constant bounds, hard-sigmoid a HardSigmoid with PyTorch's slope).
_activation("relu6", "ReLU6", "torch.nn.ReLU6", "min(max(0, x), 6): ReLU capped at 6, as in MobileNet.",
            torch_module="nn.ReLU6()", aliases="clip")
_BOUND = 1e6


def _hardtanh_rule(cfg: dict, shapes: list) -> Outcome:
    if cfg["max_val"] <= cfg["min_val"]:
        return Outcome(None, errors=[f"hardtanh max_val {cfg['max_val']:g} must be greater than "
                                     f"min_val {cfg['min_val']:g}"])
    return Outcome(shapes[0])


register(LayerKind(
    "hardtanh", "Hardtanh", "activation",
    keys=(Key("min_val", "float", -1.0, lo=-_BOUND, hi=_BOUND, help="the lower bound x is clipped to"),
          Key("max_val", "float", 1.0, lo=-_BOUND, hi=_BOUND, help="the upper bound x is clipped to")),
    rule=_hardtanh_rule, torch="torch.nn.Hardtanh",
    brief=lambda cfg: f"[{cfg['min_val']:g}, {cfg['max_val']:g}]",
    help="x clipped to [min_val, max_val] (ONNX's Clip; ReLU6 is [0, 6]).", aliases="clip clamp",
))
_activation("hardsigmoid", "Hard sigmoid", "torch.nn.Hardsigmoid",
            "relu6(x + 3)/6: a piecewise-linear sigmoid, as in MobileNetV3.",
            torch_module="nn.Hardsigmoid()", aliases="h-sigmoid")
_activation("hardswish", "Hard swish", "torch.nn.Hardswish",
            "x·relu6(x + 3)/6: a piecewise swish, as in MobileNetV3.",
            torch_module="nn.Hardswish()", aliases="h-swish")
_activation("silu", "SiLU (swish)", "torch.nn.SiLU", "x·σ(x): the swish of EfficientNet.",
            torch_module="nn.SiLU()", aliases="swish")
_activation("gelu", "GELU", "torch.nn.GELU", "x·Φ(x), Φ the normal distribution: the activation of "
            "transformers and ConvNeXt.",
            keys=(Key("approximate", "choice", "none", choices=("none", "tanh"),
                      help='"none": exact, with erf; "tanh": the tanh approximation'),),
            brief=lambda cfg: "tanh" if cfg["approximate"] == "tanh" else "", aliases="gaussian")


def _maxout_rule(cfg: dict, shapes: list) -> Outcome:
    shape = shapes[0]
    k = cfg["pieces"]
    depth = shape[2] if is_volume(shape) else shape[0]
    what = "depth" if is_volume(shape) else "features"
    if depth % k:
        return Outcome(None, errors=[f"maxout pieces {k} do not divide the input {what} {depth}"])
    out = (shape[0], shape[1], depth // k) if is_volume(shape) else (depth // k,)
    return Outcome(out, 0, formula=f"{what} {depth} / {k} = {depth // k}")


register(LayerKind(
    "maxout", "Maxout", "activation",
    keys=(Key("pieces", "int", 2, lo=1, help="channels (or features) per max group"),),
    rule=_maxout_rule, torch="(max over channel groups: x.unflatten(1, (-1, k)).amax(2))",
    brief=lambda cfg: f"{cfg['pieces']} pieces",
    help="Max over groups of consecutive channels: max(w₁ᵀx + b₁, w₂ᵀx + b₂).",
))

register(LayerKind(
    "dropout", "Dropout", "regularisation",
    keys=(Key("rate", "float", 0.5, lo=0, hi=0.999, help="fraction of values zeroed in training"),),
    rule=any_any, torch="torch.nn.Dropout", brief=lambda cfg: f"rate {cfg['rate']:g}",
    help="Zeroes a random fraction of values while training (inverted: scales the rest).", aliases="drop",
))

register(LayerKind(
    "lrn", "Local response norm", "normalisation",
    keys=(
        Key("size", "int", 5, lo=1, help="channels in the normalisation window"),
        Key("alpha", "float", 1e-4, lo=0, hi=1e6),
        Key("beta", "float", 0.75, lo=0, hi=1e6),
        Key("k", "float", 2.0, lo=0, hi=1e6),
    ),
    rule=any_any, torch="torch.nn.LocalResponseNorm", brief=lambda cfg: f"size {cfg['size']}",
    help="Normalises each value by its neighbours across channels, as in AlexNet.", aliases="local response",
))


def _batchnorm_rule(_cfg: dict, shapes: list) -> Outcome:
    d = depth_of(shapes[0])
    return Outcome(shapes[0], 2 * size_of(shapes[0]), formula=f"params = 2·{d} = {2 * d}")


def _batchnorm_params(_cfg: dict, shapes: list) -> dict:
    d = depth_of(shapes[0])
    return {"weight": (d,), "bias": (d,)}  # scale and shift, learnt


def _batchnorm_buffers(_cfg: dict, shapes: list) -> dict:
    d = depth_of(shapes[0])
    return {"running_mean": (d,), "running_var": (d,)}  # stored, not counted as parameters


register(LayerKind(
    "batchnorm", "Batch norm", "normalisation",
    keys=(
        Key("momentum", "float", 0.1, lo=0, hi=1, help="weight of the newest batch in the running statistics"),
        Key("eps", "float", 1e-5, lo=0, hi=1, lo_open=True, help="added to the variance"),
    ),
    param_shapes=_batchnorm_params, buffer_shapes=_batchnorm_buffers, rule=_batchnorm_rule, torch="torch.nn.BatchNorm2d / BatchNorm1d",
    help="Normalises each channel over the batch, then scales and shifts it.", aliases="bn",
))

def _per_channel(what: str, count: int):
    """The rule of a layer with ``count`` arrays of one value per channel (or feature)."""
    def rule(_cfg: dict, shapes: list) -> Outcome:
        d = depth_of(shapes[0])
        unit = "channel" if is_volume(shapes[0]) else "feature"
        return Outcome(shapes[0], count * size_of(shapes[0]),
                       formula=f"{what} = {count}·{d} = {count * d}" if count > 1 else f"{what} = {d}, one per {unit}")
    return rule


def _scale_and_shift(_cfg: dict, shapes: list) -> dict:
    d = depth_of(shapes[0])
    return {"weight": (d,), "bias": (d,)}


register(LayerKind(
    "layer_norm", "Layer norm", "normalisation",
    keys=(Key("eps", "float", 1e-5, lo=0, hi=1, lo_open=True, help="added to the variance"),),
    param_shapes=_scale_and_shift, rule=_per_channel("params", 2),
    torch="torch.nn.LayerNorm (a vector) / torchvision's LayerNorm2d (a volume: over the channels at each position)",
    help="Normalises each sample's features (a volume: the channels at each position, as ConvNeXt), "
         "then scales and shifts them; the same in training and evaluation.", aliases="ln layernorm",
))


def _one_scale(_cfg: dict, shapes: list) -> dict:
    return {"weight": (depth_of(shapes[0]),)}


register(LayerKind(
    "layer_scale", "Layer scale", "normalisation",
    keys=(Key("init", "float", 1e-6, lo=-1e6, hi=1e6, help="the value every channel's scale starts at"),),
    param_shapes=_one_scale, rule=_per_channel("params", 1), torch="ConvNeXt's layer_scale (x · γ per channel)",
    brief=lambda cfg: f"γ₀ {cfg['init']:g}",
    help="Multiplies each channel (or feature) by its own learnt factor γ, as ConvNeXt's blocks do.",
    aliases="gamma",
))


def _constants(_cfg: dict, shapes: list) -> dict:
    d = depth_of(shapes[0])
    return {"scale": (d,), "shift": (d,)}  # stored in the weights file, never learnt


register(LayerKind(
    "scale_shift", "Scale and shift", "normalisation", keys=(),
    buffer_shapes=_constants, rule=_per_channel("constants", 2),
    torch="x · scale + shift per channel, constants (register_buffer)",
    help="x · scale + shift with a fixed value per channel (or feature), read from the weights file "
         "(1 and 0 until then): an imported model's constant Mul and Add.", aliases="affine mul add constant",
))

register(LayerKind(
    "softmax", "Softmax", "output", keys=(), rule=any_any, torch="torch.nn.Softmax(dim=1)",
    torch_module="nn.Softmax(dim=1)",
    aliases="output probabilities",
    help="Turns scores into probabilities that sum to 1.",
))

register(LayerKind(
    "log_softmax", "Log-softmax", "output", keys=(), rule=any_any, torch="torch.nn.LogSoftmax(dim=1)",
    torch_module="nn.LogSoftmax(dim=1)", aliases="log probabilities nll",
    help="The logarithms of the softmax's probabilities; trained with cross_entropy it is PyTorch's "
         "NLLLoss after LogSoftmax.",
))

