"""Layer kinds that change the shape: input, conv, pool, pad, global_pool, flatten, dense."""
from __future__ import annotations


from .keys import Key, as_pair, show_pair
from .kind import LayerKind, Outcome, format_shape, is_volume, size_of
from .words import plural

DEFINED: list = []  # the kinds of this module, in palette order (collected by the catalogue)


def register(kind: LayerKind) -> LayerKind:
    DEFINED.append(kind)
    return kind


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


def out_size(n: int, k: int, s: int, p: int, ceil: bool = False) -> int:
    """Output positions of a window K with stride S and padding P over n values, as PyTorch:
    floored, or with ``ceil`` rounded up, then a last window that would start beyond the input
    and its left padding dropped (it would see only right padding)."""
    span = n - k + 2 * p
    if span < 0:
        return 0
    if not ceil:
        return span // s + 1
    out = -(-span // s) + 1
    if (out - 1) * s >= n + p:
        out -= 1
    return out


def window(in_h: int, in_w: int, k: tuple, s: tuple, p: tuple, what: str, ceil: bool = False):
    """Output size of a sliding window over an H×W plane (``ceil``: PyTorch's ceil_mode).

    Returns (out_h, out_w, warnings, errors, formula).
    """
    warnings, errors, parts = [], [], []
    outs = []
    brackets = "⌈⌉" if ceil else "⌊⌋"
    for axis, n, kk, ss, pp in (("h", in_h, k[0], s[0], p[0]), ("w", in_w, k[1], s[1], p[1])):
        out = out_size(n, kk, ss, pp, ceil)
        outs.append(out)
        span = n - kk + 2 * pp
        # A window larger than its input: the arithmetic as it comes out (−17), then the error.
        shown = out if span >= 0 else (-(-span // ss) if ceil else span // ss) + 1
        part = f"{brackets[0]}({n}−{kk}+2·{pp})/{ss}{brackets[1]}+1 = {shown}".replace("= -", "= −")
        if ceil and span >= 0 and out < -(-span // ss) + 1:
            part += " (the last window would start past the input, so it is dropped)"
        parts.append(part)
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
        if r and not ceil:  # rounding up covers the remainder
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
    "same" padding resolved (for the dilated kernel's span), a pool's stride defaulting to its window."""
    if type_ == "conv":
        k = as_pair(cfg["kernel"])
        return k, as_pair(cfg["stride"]), padding_of(cfg, spanned(k, dilation_of(cfg)))
    return as_pair(cfg["size"]), as_pair(cfg["stride"]), as_pair(cfg["padding"])


def dilation_of(cfg: dict) -> tuple:
    """The (dh, dw) dilation of a conv or pool (1: taps side by side)."""
    return as_pair(cfg.get("dilation", 1))


def spanned(k: tuple, d: tuple) -> tuple:
    """The span of a kernel K with dilation D, D·(K − 1) + 1: what the output size depends on."""
    return tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))


def padding_of(cfg: dict, k: tuple) -> tuple:
    """The (ph, pw) padding of a conv or pool with kernel ``k``, "same" resolved to (K − 1)/2."""
    pad = cfg.get("padding", 0)
    if pad == "same":
        return (k[0] - 1) // 2, (k[1] - 1) // 2
    return as_pair(pad)


def _need_volume(type_: str, shape) -> list:
    if is_volume(shape):
        return []
    return [f"a {type_} layer needs a W×H×D volume, but its input is the vector {format_shape(shape)} "
            f"(a {type_} layer takes images: an input of width, height and depth, before any flatten or "
            "dense layer)"]


# --------------------------------------------------------------------------- input
def _input_rule(cfg: dict, _shapes: list) -> Outcome:
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
    rule=_input_rule, torch="(the input tensor)", brief=_input_brief, min_inputs=0, max_inputs=0,
    help="The data that enters the network: an image volume W×H×D or a vector of features.",
))


# --------------------------------------------------------------------------- conv
def group_errors(cfg: dict, depth: int) -> list:
    """Why a conv's groups cannot split its input depth and its filters (empty when they can)."""
    g, f = cfg.get("groups", 1), cfg["filters"]
    if depth % g and f % g:
        return [f"groups {g} divide neither the input depth {depth} nor the filter count {f}"]
    if depth % g:
        return [f"groups {g} do not divide the input depth {depth}"]
    if f % g:
        return [f"groups {g} do not divide the filter count {f}"]
    return []


def _conv_params(cfg: dict, shapes: list):
    if not is_volume(shapes[0]) or group_errors(cfg, shapes[0][2]):
        return None
    kh, kw = as_pair(cfg["kernel"])
    f = cfg["filters"]
    arrays = {"weight": (f, shapes[0][2] // cfg.get("groups", 1), kh, kw)}
    if cfg["bias"]:
        arrays["bias"] = (f,)
    return arrays


def _conv_rule(cfg: dict, shapes: list) -> Outcome:
    shape = shapes[0]
    errs = _need_volume("conv", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    k, s, p = window_of("conv", cfg)
    dil = dilation_of(cfg)
    span = spanned(k, dil)
    g = cfg.get("groups", 1)
    warns = []
    if cfg.get("padding") == "same" and (span[0] % 2 == 0 or span[1] % 2 == 0 or s != (1, 1)):
        warns.append('"same" padding keeps the size only with stride 1 and an odd kernel; '
                     f"padding {show_pair(p)} is used")
    oh, ow, w2, errors, formula = window(h, w, span, s, p, "kernel" if dil == (1, 1) else "dilated kernel")
    if dil != (1, 1):
        formula = (f"dilation {show_pair(dil)}: the {show_pair(k)} kernel spans {show_pair(span)} "
                   f"(D·(K − 1) + 1)\n") + formula
    errors = group_errors(cfg, d) + errors
    f = cfg["filters"]
    per_filter = k[0] * k[1] * (d // g)
    params = (per_filter + (1 if cfg["bias"] else 0)) * f
    depth_text = f"{d}/{g}" if g != 1 else f"{d}"
    formula += f"\nparams = ({k[0]}·{k[1]}·{depth_text}{' + 1' if cfg['bias'] else ''})·{f} = {params:,}"
    if errors:
        return Outcome(None, 0, warns + w2, errors, formula)
    return Outcome((ow, oh, f), per_filter * f * ow * oh, warns + w2, [], formula)


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
    if cfg.get("groups", 1) != 1:
        text += f" g{cfg['groups']}"
    if dilation_of(cfg) != (1, 1):
        d = dilation_of(cfg)
        text += f" d{d[0] if d[0] == d[1] else show_pair(d)}"
    return text


CONV = register(LayerKind(
    "conv", "Convolution", "convolution",
    keys=(
        Key("filters", "int", None, required=True, lo=1, help="number of filters = output depth"),
        Key("kernel", "pair", 3, lo=1, help="filter size K (or [kh, kw])"),
        Key("stride", "pair", 1, lo=1, help="step S between filter positions"),
        Key("padding", "padding", 0, lo=0, help='zeros P added around the input, or "same"'),
        Key("bias", "bool", True, help="add a learnt bias per filter"),
        Key("groups", "int", 1, lo=1,
            help="split input channels and filters into this many groups (each filter sees its group)"),
        Key("dilation", "pair", 1, lo=1, help="spacing D between the kernel's taps (atrous convolution)"),
    ),
    param_shapes=_conv_params, rule=_conv_rule, torch="torch.nn.Conv2d", spatial=True, brief=_conv_brief,
    help="Slides filters over the input volume; each filter makes one feature map.",
    aliases="convolution filter depthwise separable pointwise dilated atrous",
))


# --------------------------------------------------------------------------- pool
def _pool_rule(cfg: dict, shapes: list) -> Outcome:
    shape = shapes[0]
    errs = _need_volume("pool", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    k, s, p = window_of("pool", cfg)
    dil = dilation_of(cfg)
    span = spanned(k, dil)
    errors, notes = [], []
    if dil != (1, 1) and cfg["mode"] != "max":
        errors.append(f"only a max pool can be dilated (as PyTorch's MaxPool2d), not an {cfg['mode']} pool")
    if p[0] * 2 > k[0] or p[1] * 2 > k[1]:  # PyTorch's rule, dilated or not
        errors.append(f"padding {show_pair(p)} is more than half the window {show_pair(k)}")
    if cfg["mode"] == "l2" and p != (0, 0):
        errors.append("an l2 pool takes no padding (as PyTorch's LPPool2d)")
    if not cfg.get("count_include_pad", True) and cfg["mode"] != "avg":
        notes.append(f"count_include_pad only changes an average pool; a {cfg['mode']} pool ignores it")
    oh, ow, warns, errs2, formula = window(h, w, span, s, p, "window", cfg.get("ceil", False))
    warns = notes + warns
    if dil != (1, 1):
        formula = f"dilation {show_pair(dil)}: the {show_pair(k)} window spans {show_pair(span)}\n" + formula
    if cfg["mode"] == "avg" and p != (0, 0) and not cfg.get("count_include_pad", True):
        formula += "\neach mean is over the window's cells inside the input (padding left out)"
    errors += errs2
    if errors:
        return Outcome(None, 0, warns, errors, formula)
    return Outcome((ow, oh, d), 0, warns, [], formula)  # no multiply-adds, as torchinfo


def _pool_brief(cfg: dict) -> str:
    k, s, _ = window_of("pool", cfg)
    text = f"{cfg['mode']} {show_pair(k)}"
    if s != k:
        text += f" /{s[0] if s[0] == s[1] else show_pair(s)}"
    if cfg.get("ceil"):
        text += " ceil"
    if dilation_of(cfg) != (1, 1):
        d = dilation_of(cfg)
        text += f" d{d[0] if d[0] == d[1] else show_pair(d)}"
    if cfg["mode"] == "avg" and not cfg.get("count_include_pad", True):
        text += " excl. pad"
    return text


POOL = register(LayerKind(
    "pool", "Pooling", "pooling",
    keys=(
        Key("mode", "choice", "max", choices=("max", "avg", "l2"), help="max, average or L2 pooling"),
        Key("size", "pair", 2, lo=1, help="window size F"),
        Key("stride", "pair", None, lo=1, default_from="size", help="step S (default: the window size)"),
        Key("padding", "pair", 0, lo=0, help="zeros added around the input"),
        Key("ceil", "bool", False, help="round the output size up (PyTorch's ceil_mode, Caffe's rule)"),
        Key("dilation", "pair", 1, lo=1, help="spacing between the window's cells (max pool only)"),
        Key("count_include_pad", "bool", True,
            help="an average pool divides by the whole window (true) or only its cells inside the input"),
    ),
    rule=_pool_rule, torch="torch.nn.MaxPool2d / AvgPool2d / LPPool2d(2)", spatial=True,
    brief=_pool_brief, help="Downsamples each feature map by taking the max (or mean) of each window.",
    aliases="subsampling",
))


# --------------------------------------------------------------------------- pad
SIDES = ("left", "right", "top", "bottom")


def pads_of(cfg: dict) -> tuple:
    """(left, right, top, bottom) of a pad layer: PyTorch's ZeroPad2d order."""
    return tuple(int(cfg.get(side, 0)) for side in SIDES)


def _pad_rule(cfg: dict, shapes: list) -> Outcome:
    shape = shapes[0]
    errs = _need_volume("pad", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    left, right, top, bottom = pads_of(cfg)
    out = (w + left + right, h + top + bottom, d)
    warns = [] if any((left, right, top, bottom)) else ["this pad layer adds nothing (every side is 0)"]
    formula = (f"out W = {w} + {left} + {right} = {out[0]}\nout H = {h} + {top} + {bottom} = {out[1]}"
               f"\nnew cells hold {cfg.get('value', 0.0):g}")
    return Outcome(out, 0, warns, [], formula)


def _pad_brief(cfg: dict) -> str:
    left, right, top, bottom = pads_of(cfg)
    text = f"l{left} r{right} t{top} b{bottom}"
    value = cfg.get("value", 0.0)
    return text if value == 0 else f"{text} = {value:g}"


PAD = register(LayerKind(
    "pad", "Pad", "convolution",
    keys=tuple(Key(side, "int", 0, lo=0, help=f"columns or rows of the value added on the {side}")
               for side in SIDES) + (
        Key("value", "float", 0.0, lo=-1e6, hi=1e6, help="the value of the added cells (0: zero padding)"),
    ),
    rule=_pad_rule, torch="torch.nn.ZeroPad2d / ConstantPad2d((left, right, top, bottom))", spatial=True,
    brief=_pad_brief,
    help="Adds rows and columns of a constant around each map, a different number on each side "
         "(TensorFlow's \"same\" padding with stride 2 pads only the right and bottom).",
    aliases="padding zeropad constantpad asymmetric",
))


def _global_pool_rule(cfg: dict, shapes: list) -> Outcome:
    shape = shapes[0]
    errs = _need_volume("global_pool", shape)
    if errs:
        return Outcome(None, errors=errs)
    w, h, d = shape
    return Outcome((1, 1, d), 0, formula=f"{cfg['mode']} of each {w}×{h} map: 1×1×{d}")


GLOBAL_POOL = register(LayerKind(
    "global_pool", "Global pooling", "pooling",
    keys=(Key("mode", "choice", "avg", choices=("avg", "max"), help="average or max of each map"),),
    rule=_global_pool_rule, torch="torch.nn.AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1)", spatial=True,
    brief=lambda cfg: f"{cfg['mode']} 1×1",
    help="Reduces each feature map to one value (its mean or max): W×H×D becomes 1×1×D.",
    aliases="gap adaptive average",
))


# --------------------------------------------------------------------------- flatten, dense
def _flatten_rule(_cfg: dict, shapes: list) -> Outcome:
    n = size_of(shapes[0])
    return Outcome((n,), formula=f"{format_shape(shapes[0])} = {plural(n, 'feature', grouped=True)}")


FLATTEN = register(LayerKind(
    "flatten", "Flatten", "dense", keys=(), rule=_flatten_rule, torch="torch.nn.Flatten",
    help="Turns a volume into a vector, depth-major (channel, row, column).",
))


def _dense_params(cfg: dict, shapes: list) -> dict:
    arrays = {"weight": (cfg["units"], size_of(shapes[0]))}
    if cfg["bias"]:
        arrays["bias"] = (cfg["units"],)
    return arrays


def _dense_rule(cfg: dict, shapes: list) -> Outcome:
    n_in = size_of(shapes[0])
    u = cfg["units"]
    params = (n_in + (1 if cfg["bias"] else 0)) * u
    formula = f"params = ({n_in:,}{' + 1' if cfg['bias'] else ''})·{u:,} = {params:,}"
    return Outcome((u,), n_in * u, formula=formula)


DENSE = register(LayerKind(
    "dense", "Fully connected", "dense",
    keys=(
        Key("units", "int", None, required=True, lo=1, help="number of output neurons"),
        Key("bias", "bool", True, help="add a learnt bias per neuron"),
    ),
    param_shapes=_dense_params, rule=_dense_rule,
    torch="torch.nn.Linear (after torch.nn.Flatten for a volume)",
    brief=lambda cfg: plural(cfg['units'], "unit"),
    help="Every output neuron is connected to every input value.",
    aliases="fc linear fully connected mlp",
))
