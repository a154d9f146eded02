"""Layer kinds that change the shape: input, conv, pool, flatten, dense."""
from __future__ import annotations

from ..text import plural
from .catalogue import LayerKind, Outcome, format_shape, is_volume, register, size_of
from .keys import Key, as_pair, show_pair


# --------------------------------------------------------------------------- sliding windows
def _dim_words(n: int, axis: str) -> str:
    return plural(n, "row" if axis == "h" else "column")


def exact_fixes(n: int, k: int, s: int, p: int) -> list:
    """Ways to make (n − k + 2p)/s exact: a padding, a stride, an input size."""
    out = []
    for p2 in range(0, k):
        if (n - k + 2 * p2) >= 0 and (n - k + 2 * p2) % s == 0:
            out.append(f"padding {p2}")
            break
    strides = [s2 for s2 in range(1, max(k, s) + 1) if s2 != s and (n - k + 2 * p) % s2 == 0]
    if strides:
        best = min(strides, key=lambda s2: (abs(s2 - s), -s2))
        out.append(f"stride {best}")
    r = (n - k + 2 * p) % s
    out.append(f"an input of {n + s - r}")
    return out


def window(in_h: int, in_w: int, k: tuple, s: tuple, p: tuple, what: str):
    """Output size of a sliding window over an H×W plane.

    Returns (out_h, out_w, warnings, errors, formula).
    """
    warnings, errors, parts = [], [], []
    outs = []
    for axis, n, kk, ss, pp in (("h", in_h, k[0], s[0], p[0]), ("w", in_w, k[1], s[1], p[1])):
        span = n - kk + 2 * pp
        real = span // ss + 1  # shown as it comes out (−17), the error follows
        out = real if span >= 0 else 0
        outs.append(out)
        parts.append(f"⌊({n}−{kk}+2·{pp})/{ss}⌋+1 = {real}".replace("+1 = -", "+1 = −"))
    formula = "out H = " + parts[0] + (f"\nout W = {parts[1]}" if parts[0] != parts[1] else "")
    if in_h + 2 * p[0] < k[0] or in_w + 2 * p[1] < k[1]:
        errors.append(f"{what} {show_pair(k)} is larger than the padded input "
                      f"{in_w + 2 * p[1]}×{in_h + 2 * p[0]}")
        return 0, 0, warnings, errors, formula
    if outs[0] <= 0 or outs[1] <= 0:
        errors.append(f"the output would be {outs[1]}×{outs[0]}, which is empty")
        return outs[0], outs[1], warnings, errors, formula
    dropped = []
    for axis, n, kk, ss, pp in (("h", in_h, k[0], s[0], p[0]), ("w", in_w, k[1], s[1], p[1])):
        r = (n - kk + 2 * pp) % ss
        if r:
            dropped.append((axis, n, kk, ss, pp, r))
    if dropped:
        what_lost = " and ".join(_dim_words(d[5], d[0]) for d in dropped)
        axis, n, kk, ss, pp, r = dropped[0]
        exact = (n - kk + 2 * pp) / ss + 1
        hint = " or ".join(exact_fixes(n, kk, ss, pp))
        warnings.append(
            f"({n} − {kk} + 2·{pp})/{ss} + 1 = {exact:g} is floored to {int(exact)}: the last "
            f"{what_lost} of the padded input are never covered; {hint} would make it exact")
    return outs[0], outs[1], warnings, errors, formula


def window_of(type_: str, cfg: dict) -> tuple:
    """(kernel, stride, padding) pairs of a conv or pool layer from its resolved settings: a conv's
    "same" padding resolved, a pool's stride defaulting to its window."""
    if type_ == "conv":
        k = as_pair(cfg["kernel"])
        return k, as_pair(cfg["stride"]), padding_of(cfg, k)
    return as_pair(cfg["size"]), as_pair(cfg["stride"]), as_pair(cfg["padding"])


def padding_of(cfg: dict, k: tuple) -> tuple:
    """The (ph, pw) padding of a conv or pool with kernel ``k``, "same" resolved to (K − 1)/2."""
    pad = cfg.get("padding", 0)
    if pad == "same":
        return (k[0] - 1) // 2, (k[1] - 1) // 2
    return as_pair(pad)


def _need_volume(kind: str, shape) -> list:
    if is_volume(shape):
        return []
    return [f"a {kind} layer needs a W×H×D volume, but its input is the vector {format_shape(shape)} "
            f"(a {kind} layer takes images: an input of width, height and depth, before any flatten or "
            "dense layer)"]


# --------------------------------------------------------------------------- input
def _input_rule(cfg: dict, _shape) -> Outcome:
    if "features" in cfg:
        if any(k in cfg for k in ("width", "height", "depth")):
            return Outcome(None, errors=["an input has either features or width/height/depth, not both"])
        return Outcome((cfg["features"],), formula=plural(cfg["features"], "feature"))
    shape = (cfg.get("width", 28), cfg.get("height", 28), cfg.get("depth", 1))
    return Outcome(shape, formula=f"{format_shape(shape)} volume")


def _input_brief(cfg: dict) -> str:
    if "features" in cfg:
        return plural(cfg['features'], "feature")
    return ""


INPUT = register(LayerKind(
    "input", "Input", "input",
    keys=(
        Key("width", "int", None, lo=1, hi=100_000, help="image width in pixels"),
        Key("height", "int", None, lo=1, hi=100_000, help="image height in pixels"),
        Key("depth", "int", None, lo=1, hi=100_000, help="channels (1 grey, 3 colour)"),
        Key("features", "int", None, lo=1, help="length of a vector input (instead of an image)"),
    ),
    rule=_input_rule, torch="(the input tensor)", brief=_input_brief,
    help="The data that enters the network: an image volume W×H×D or a vector of features.",
))


# --------------------------------------------------------------------------- conv
def _conv_rule(cfg: dict, shape) -> Outcome:
    errs = _need_volume("conv", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    k, s, p = window_of("conv", cfg)
    warns = []
    if cfg.get("padding") == "same" and (k[0] % 2 == 0 or k[1] % 2 == 0 or s != (1, 1)):
        warns.append('"same" padding keeps the size only with stride 1 and an odd kernel; '
                     f"padding {show_pair(p)} is used")
    oh, ow, w2, errors, formula = window(h, w, k, s, p, "kernel")
    f = cfg["filters"]
    per_filter = k[0] * k[1] * d
    params = (per_filter + (1 if cfg["bias"] else 0)) * f
    formula += f"\nparams = ({k[0]}·{k[1]}·{d}{' + 1' if cfg['bias'] else ''})·{f} = {params:,}"
    if errors:
        return Outcome(None, params, 0, warns + w2, errors, formula)
    return Outcome((ow, oh, f), params, per_filter * f * ow * oh, warns + w2, [], formula)


def _conv_brief(cfg: dict) -> str:
    k, s = as_pair(cfg["kernel"]), as_pair(cfg["stride"])
    text = f"{cfg['filters']} × {show_pair(k)}"
    if s != (1, 1):
        text += f" /{s[0] if s[0] == s[1] else show_pair(s)}"
    pad = cfg.get("padding", 0)
    if pad == "same":
        text += " same"
    elif as_pair(pad) != (0, 0):
        pp = as_pair(pad)
        text += f" pad {pp[0] if pp[0] == pp[1] else show_pair(pp)}"
    return text


CONV = register(LayerKind(
    "conv", "Convolution", "convolution",
    keys=(
        Key("filters", "int", None, required=True, lo=1, help="number of filters = output depth"),
        Key("kernel", "pair", 3, lo=1, help="filter size K (or [kh, kw])"),
        Key("stride", "pair", 1, lo=1, help="step S between filter positions"),
        Key("padding", "padding", 0, lo=0, help='zeros P added around the input, or "same"'),
        Key("bias", "bool", True, help="add a learnt bias per filter"),
    ),
    has_params=True, rule=_conv_rule, torch="torch.nn.Conv2d", spatial=True, brief=_conv_brief,
    help="Slides filters over the input volume; each filter makes one feature map.",
))


# --------------------------------------------------------------------------- pool
def _pool_rule(cfg: dict, shape) -> Outcome:
    errs = _need_volume("pool", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    k, s, p = window_of("pool", cfg)
    errors = []
    if p[0] * 2 > k[0] or p[1] * 2 > k[1]:
        errors.append(f"padding {show_pair(p)} is more than half the window {show_pair(k)}")
    if cfg["mode"] == "l2" and p != (0, 0):
        errors.append("an l2 pool takes no padding (as PyTorch's LPPool2d)")
    oh, ow, warns, errs2, formula = window(h, w, k, s, p, "window")
    errors += errs2
    if errors:
        return Outcome(None, 0, 0, warns, errors, formula)
    return Outcome((ow, oh, d), 0, 0, warns, [], formula)  # no multiply-adds, as torchinfo


def _pool_brief(cfg: dict) -> str:
    k, s, _ = window_of("pool", cfg)
    text = f"{cfg['mode']} {show_pair(k)}"
    if s != k:
        text += f" /{s[0] if s[0] == s[1] else show_pair(s)}"
    return text


POOL = register(LayerKind(
    "pool", "Pooling", "pooling",
    keys=(
        Key("mode", "choice", "max", choices=("max", "avg", "l2"), help="max, average or L2 pooling"),
        Key("size", "pair", 2, lo=1, help="window size F"),
        Key("stride", "pair", None, lo=1, default_from="size", help="step S (default: the window size)"),
        Key("padding", "pair", 0, lo=0, help="zeros added around the input"),
    ),
    rule=_pool_rule, torch="torch.nn.MaxPool2d / AvgPool2d / LPPool2d(2)", spatial=True,
    brief=_pool_brief, help="Downsamples each feature map by taking the max (or mean) of each window.",
))


# --------------------------------------------------------------------------- flatten, dense
def _flatten_rule(_cfg: dict, shape) -> Outcome:
    n = size_of(shape)
    return Outcome((n,), formula=f"{format_shape(shape)} = {plural(n, 'feature')}")


FLATTEN = register(LayerKind(
    "flatten", "Flatten", "dense", keys=(), rule=_flatten_rule, torch="torch.nn.Flatten",
    help="Turns a volume into a vector, depth-major (channel, row, column).",
))


def _dense_rule(cfg: dict, shape) -> Outcome:
    n_in = size_of(shape)
    u = cfg["units"]
    params = (n_in + (1 if cfg["bias"] else 0)) * u
    formula = f"params = ({n_in:,}{' + 1' if cfg['bias'] else ''})·{u:,} = {params:,}"
    return Outcome((u,), params, n_in * u, formula=formula)


DENSE = register(LayerKind(
    "dense", "Fully connected", "dense",
    keys=(
        Key("units", "int", None, required=True, lo=1, help="number of output neurons"),
        Key("bias", "bool", True, help="add a learnt bias per neuron"),
    ),
    has_params=True, rule=_dense_rule, torch="torch.nn.Linear (after torch.nn.Flatten for a volume)",
    brief=lambda cfg: plural(cfg['units'], "unit"),
    help="Every output neuron is connected to every input value.",
))
