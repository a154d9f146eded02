"""A layer's output size and parameter count written out with its own numbers (the Explain
shape lesson): ⌊(W − K + 2P)/S⌋ + 1 per axis, the depth, the padding that keeps the size, the
parameters and multiply-adds, and the rows or columns a floored division leaves uncovered with
the settings that would make it exact.

The numbers are the model's: the output sizes come from ``kinds_spatial.window`` (the rule the
canvas uses), the parameters and multiply-adds from ``network.report()``, and the fixes from
``kinds_spatial.exact_fixes``. ``explain(network, index)`` returns an ``Explanation``: a title and
rows of (label, maths, note, level) in plain Unicode text, for any view to lay out.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..model import KINDS, format_shape, is_volume, label as layer_label, size_of
from ..model import dilation_of, exact_fixes, plural, spanned, window, window_of
from . import shape_modern
from .shape_modern import Row  # noqa: F401  (the rows of an Explanation; re-exported)
from .sentences import sentence as _classic_sentence

SPATIAL = ("conv", "pool")  # the sliding windows
MERGES = tuple(t for t, kind in KINDS.items() if kind.is_merge)
NOTHING_SELECTED = "Select a conv or pool layer on the canvas to see its shape worked out"


@dataclass
class Explanation:
    """A title and rows; for a conv or pool layer also ``axes``: the (Axis, output size) of its
    width and height, for drawing the window's positions."""

    title: str
    rows: list = field(default_factory=list)
    axes: list = field(default_factory=list)

    @property
    def text(self) -> str:
        """Everything as plain text, one row a line."""
        lines = [self.title]
        for r in self.rows:
            maths = r.maths.replace("\n", " · ")
            lines.append("  ".join(t for t in (r.label + ":" if r.label else "", maths, r.note) if t))
        return "\n".join(lines)


def _number(q: float) -> str:
    """53.25 -> '53.25', 54.0 -> '54', 23.666… -> '23.67…'."""
    if q == int(q):
        return str(int(q))
    short = f"{q:.2f}".rstrip("0").rstrip(".")
    return short if abs(float(short) - q) < 1e-12 else short + "…"


@dataclass(frozen=True)
class Axis:
    """One axis of a sliding window: input n, kernel k, stride s, padding p."""

    name: str   # "W" or "H"
    n: int
    k: int
    s: int
    p: int
    ceil: bool = False  # a pool's ceil mode: rounded up, as PyTorch's ceil_mode

    @property
    def span(self) -> int:
        return self.n - self.k + 2 * self.p

    @property
    def remainder(self) -> int:
        return self.span % self.s if self.span >= 0 else 0

    @property
    def unit(self) -> str:
        return "column" if self.name == "W" else "row"

    def inside(self) -> str:
        return f"({self.n} − {self.k} + 2·{self.p})"

    def maths(self, out: int) -> str:
        """'W₂ = ⌊(227 − 11 + 2·0)/4⌋ + 1 = ⌊54⌋ + 1 = 55' (⌈ ⌉ in ceil mode); a window larger than its
        input shows the arithmetic as it comes out (⌊−18⌋ + 1 = −17), then that it does not fit."""
        lo, hi = ("⌈", "⌉") if self.ceil else ("⌊", "⌋")
        head = f"{self.name}₂ = {lo}{self.inside()}/{self.s}{hi} + 1"
        rounded = -(-self.span // self.s) + 1 if self.ceil else self.span // self.s + 1
        text = f"{head} = {lo}{_number(self.span / self.s)}{hi} + 1 = {rounded}".replace("-", "−")
        if self.span < 0:
            return f"{text} < 1: the window does not fit"
        if rounded != out:
            text += f" − 1 = {out}"
        return text

    def fixes(self) -> list:
        """The model's suggestions, each with the output it would give: 'stride 3 → … = 72'."""
        out = []
        for hint in exact_fixes(self.n, self.k, self.s, self.p):
            what, value = hint.rsplit(" ", 1)
            v = int(value)
            if what == "padding":
                span, s = self.n - self.k + 2 * v, self.s
                maths = f"({self.n} − {self.k} + 2·{v})/{s} + 1"
            elif what == "stride":
                span, s = self.span, v
                maths = f"{self.inside()}/{v} + 1"
            else:
                span, s = v - self.k + 2 * self.p, self.s
                maths = f"({v} − {self.k} + 2·{self.p})/{s} + 1"
            out.append(f"{hint}: {maths} = {span // s + 1}")
        return out


def _axes(shape, k, s, p, ceil: bool = False) -> list:
    w, h, _d = shape
    return [Axis("W", w, k[1], s[1], p[1], ceil), Axis("H", h, k[0], s[0], p[0], ceil)]


def _ceil_rows(axis: Axis, out: int, same: bool) -> list:
    """What rounding up does on one axis: the last window hangs past the padded input, or (as
    PyTorch) it is dropped when it would start past the input and its left padding."""
    padded = axis.n + 2 * axis.p
    rows = []
    if out < -(-axis.span // axis.s) + 1:
        start = (-(-axis.span // axis.s)) * axis.s
        rows.append(Row("Last window dropped", f"it would start at {start} ≥ {axis.n} + {axis.p}",
                        "past the input and its left padding, so it is dropped, as PyTorch's "
                        "ceil_mode does"))
    end = (out - 1) * axis.s + axis.k
    if end > padded:
        where = "right and bottom" if same else ("right" if axis.name == "W" else "bottom")
        rows.append(Row("Rounded up", f"({out} − 1)·{axis.s} + {axis.k} = {end} > {padded}",
                        f"the last window hangs {end - padded} past the padded input at the {where}; "
                        "it pools what it covers (an average divides by the part inside the padded input)"))
    return rows


def _window_rows(layer_type: str, axes: list, outs: dict) -> tuple:
    """Output width and height; the rows/columns a floored division drops, with the fixes."""
    rows, dropped = [], []
    w_axis, h_axis = axes
    same = (w_axis.n, w_axis.k, w_axis.s, w_axis.p) == (h_axis.n, h_axis.k, h_axis.s, h_axis.p)
    if same:
        rows.append(Row("Output size", w_axis.maths(outs["W"]),
                        f"and H₂ = W₂ = {outs['H']}: the same numbers", level="result"))
    else:
        rows.append(Row("Output width", w_axis.maths(outs["W"]), level="result"))
        rows.append(Row("Output height", h_axis.maths(outs["H"]), level="result"))
    mover = "filter" if layer_type == "conv" else "window"
    for axis in ([w_axis] if same else axes):
        if axis.ceil:
            dropped += _ceil_rows(axis, outs[axis.name], same)
            continue
        r = axis.remainder
        if not r or axis.span < 0:
            continue
        out = outs[axis.name]
        covered = (out - 1) * axis.s + axis.k
        padded = axis.n + 2 * axis.p
        lost = plural(r, axis.unit) if not same else f"{plural(r, 'column')} and {plural(r, 'row')}"
        verb = "is" if r == 1 and not same else "are"
        dropped.append(Row(
            "Remainder dropped",
            f"{axis.span} = {axis.s}·{axis.span // axis.s} + {r}",
            f"not exact, so floored: the {out} {mover} positions span ({out} − 1)·{axis.s} + "
            f"{axis.k} = {covered} of the {padded} padded {axis.unit}s; the last {lost} {verb} "
            "never covered",
            level="warning"))
        dropped.append(Row("Exact instead", "\n".join(axis.fixes()), "", level="warning"))
    return rows, dropped


def _padding_rows(axes: list, p_setting) -> list:
    """The padding P = (K − 1)/2 that keeps the size at stride 1, per distinct kernel size."""
    rows = []
    seen = set()
    for axis in axes:
        if axis.k in seen:
            continue
        seen.add(axis.k)
        dim = "W₁" if len(set(a.k for a in axes)) == 1 else f"{axis.name}₁"
        if axis.k % 2:
            p = (axis.k - 1) // 2
            note = f"keeps {dim} at stride 1"
            if p_setting == "same":
                note += ' (this layer\'s padding "same")'
            elif axis.p == p and axis.s == 1:
                note += " (this layer uses it)"
            rows.append(Row("Same padding", f"P = (K − 1)/2 = ({axis.k} − 1)/2 = {p}", note))
        else:
            lo, hi = (axis.k - 2) // 2, axis.k // 2
            rows.append(Row(
                "Same padding", f"P = (K − 1)/2 = ({axis.k} − 1)/2 = {_number((axis.k - 1) / 2)}",
                f"K = {axis.k} is even, so no integer padding preserves the size exactly: at stride 1 "
                f"P = {lo} gives {dim} − 1 and P = {hi} gives {dim} + 1", level="warning"))
    w_axis, h_axis = axes
    if (w_axis.s, h_axis.s) != (1, 1) and rows:
        about = (f"1/{w_axis.s} of the input" if w_axis.s == h_axis.s
                 else f"W₁/{w_axis.s} wide and H₁/{h_axis.s} high")
        last = rows[-1]
        rows[-1] = Row(last.label, last.maths, f"{last.note}; at this layer's stride the output is "
                                               f"about {about} whatever P is", last.level)
    return rows


def _spatial(network, index, layer, info, cfg: dict) -> tuple:
    shape = info.input
    d = shape[2]
    k, s, p = window_of(layer.type, cfg)
    dil = dilation_of(cfg)
    span = spanned(k, dil)  # a dilated window's size works as a kernel of its span
    ceil = cfg.get("ceil", False)
    axes = _axes(shape, span, s, p, ceil)
    oh, ow, _w, errors, _f = window(shape[1], shape[0], span, s, p,
                                   "kernel" if layer.type == "conv" else "window", ceil)
    rows, dropped = _window_rows(layer.type, axes, {"W": ow, "H": oh})
    if dil != (1, 1):
        rows.insert(0, shape_modern.dilation_row(k, dil, span))
    g = cfg.get("groups", 1)
    if layer.type == "conv":
        f = cfg["filters"]
        rows.append(Row("Depth", f"D₂ = F = {f}", "one feature map per filter", level="result"))
        if g != 1:
            rows.append(Row("Groups", f"D₁/G = {d}/{g} = {d // g}, F/G = {f}/{g} = {f // g}",
                            f"the input channels and the filters are split into {g} groups: each "
                            f"filter sees only the {plural(d // g, 'channel')} of its group"))
    else:
        rows.append(Row("Depth", f"D₂ = D₁ = {d}", "each feature map is pooled on its own",
                        level="result"))
    rows += dropped + _padding_rows(axes, cfg.get("padding"))
    kk = "K·K" if k[0] == k[1] else "Kh·Kw"
    if layer.type == "conv":
        bias = cfg.get("bias", True)
        d1 = "D₁/G" if g != 1 else "D₁"
        weights = f"{k[0]}·{k[1]}·{d // g if g != 1 else d}"
        maths = (f"({kk}·{d1} + 1)·F = ({weights} + 1)·{f} = {info.param_count:,}" if bias
                 else f"{kk}·{d1}·F = {weights}·{f} = {info.param_count:,}")
        note = (f"each filter has {k[0] * k[1] * (d // g):,} weights" + (" and 1 bias" if bias else " (no bias)"))
        rows.append(Row("Parameters", maths, note, level="result"))
        if info.output is not None:
            rows.append(Row("Multiply-adds", f"{kk}·{d1} · W₂·H₂·D₂ = {weights} · {ow}·{oh}·{f} = "
                                              f"{info.macs:,}", "per image, forward"))
            rows += shape_modern.separable_rows(network, index, info, cfg)
    elif cfg["mode"] == "avg" and not cfg.get("count_include_pad", True) and p != (0, 0):
        rows.append(Row("Padding left out", "each mean ÷ the window's cells inside the input",
                        "count_include_pad false: a window at the border divides by fewer cells"))
        rows.append(Row("Parameters", "0 — pooling has no parameters", level="result"))
    else:
        rows.append(Row("Parameters", "0 — pooling has no parameters", level="result"))
    return rows, ([] if errors else [(axes[0], ow), (axes[1], oh)])


def _dense(info, cfg: dict) -> list:
    n_in = size_of(info.input)
    u = cfg["units"]
    rows = []
    if is_volume(info.input):
        w, h, d = info.input
        rows.append(Row("Inputs", f"n_in = {w}·{h}·{d} = {n_in:,}", "the volume counts as a vector"))
    if cfg.get("bias", True):
        maths = f"(n_in + 1)·units = ({n_in:,} + 1)·{u:,} = {info.param_count:,}"
        note = "one weight per input and a bias, for every unit"
    else:
        maths = f"n_in·units = {n_in:,}·{u:,} = {info.param_count:,}"
        note = "one weight per input for every unit (no bias)"
    rows.append(Row("Output size", f"n₂ = units = {u:,}", "one value per unit", level="result"))
    rows.append(Row("Parameters", maths, note, level="result"))
    rows.append(Row("Multiply-adds", f"n_in·units = {n_in:,}·{u:,} = {info.macs:,}", "per sample"))
    return rows


def _merge(layer, info) -> list:
    """An add or a concat: its inputs by layer, and how their shapes make the output."""
    listed = "\n".join(f"{layer_label(src)}: {format_shape(shape)}"
                       for src, shape in zip(info.sources, info.inputs))
    rows = [Row("Inputs", listed, f"{len(info.inputs)} layers, as listed in its inputs")]
    if info.output is None:
        return rows
    if layer.type == "mul":
        return rows + shape_modern.mul_rows(info)
    if layer.type == "add":
        rows.append(Row("Output size", f"W₂×H₂×D₂ = {format_shape(info.output)}",
                        "the inputs are summed value by value, so they need exactly the same shape "
                        "(a shortcut that changes the shape needs a 1×1 conv with a stride)",
                        level="result"))
    elif is_volume(info.output):
        depths = " + ".join(str(shape[2]) for shape in info.inputs)
        w, h = info.output[0], info.output[1]
        rows.append(Row("Width and height", f"W₂×H₂ = {w}×{h}", "every input has the same W×H",
                        level="result"))
        rows.append(Row("Depth", f"D₂ = {depths} = {info.output[2]}",
                        "the inputs' feature maps are stacked, in the order of its inputs", level="result"))
    else:
        sizes = " + ".join(str(shape[0]) for shape in info.inputs)
        rows.append(Row("Output size", f"n₂ = {sizes} = {info.output[0]}",
                        "the vectors are joined end to end", level="result"))
    rows.append(Row("Parameters", "0", "a merge has no parameters", level="result"))
    return rows


def _global_pool(info, cfg: dict) -> list:
    w, h, d = info.input
    what = "mean" if cfg["mode"] == "avg" else "largest value"
    return [
        Row("Output size", f"W₂ = H₂ = 1, D₂ = D₁ = {d}",
            f"each {w}×{h} feature map becomes one value, its {what}", level="result"),
        Row("Parameters", "0", "as PyTorch's AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1); the "
                                "input's W×H may be any size", level="result"),
    ]


def _sentence(layer, info, cfg: dict) -> str:
    return shape_modern.sentence(layer, info, cfg) or _classic_sentence(layer, info, cfg)


def layer_title(network, index: int) -> str:
    """'#1 conv · conv1: 227×227×3 → 55×55×96' (blocks are numbered as on the canvas)."""
    layer = network[index]
    info = network.report().layers[index]
    name = f" · {layer.name}" if layer.name else ""
    shapes = (f"{' + '.join(format_shape(shape) for shape in info.inputs)} → {format_shape(info.output)}"
              if info.input is not None else format_shape(info.output))
    return f"#{index} {layer.type}{name}: {shapes}"


# Where an earlier error is shown: in red on the window's canvas; on the terminal, in the summary.
ERROR_WHERE = {"canvas": "shown in red on the canvas", "terminal": "nn-designer summary shows it"}


def explain(network, index: Optional[int], where: str = "canvas") -> Explanation:
    """The worked-out shape of layer ``index`` of ``network`` (``None``: nothing selected);
    ``where`` is "canvas" (the window) or "terminal" (nn-designer explain), for the one sentence
    that points at an earlier error."""
    if index is None or not 0 <= index < len(network):
        return Explanation(NOTHING_SELECTED)
    layer = network[index]
    info = network.report().layers[index]
    cfg = layer.resolved()
    out = Explanation(layer_title(network, index))
    if info.errors:
        out.rows += [Row("Error", "", e, level="error") for e in info.errors]
    if layer.type in MERGES and info.inputs:
        out.rows += _merge(layer, info)
        return out
    if info.input is None and layer.type != "input":
        if not info.errors:
            report = network.report()
            first = next((j for j in range(index) if report.layers[j].errors), None)
            which = "an earlier layer" if first is None else f"layer #{first} ({network[first].type})"
            out.rows.append(Row("", "", f"Its input shape is unknown: {which} has an error "
                                        f"({ERROR_WHERE[where]}).", level="error"))
        return out
    if layer.type in SPATIAL and is_volume(info.input):
        rows, out.axes = _spatial(network, index, layer, info, cfg)
        out.rows += rows
    elif layer.type == "dense":
        out.rows += _dense(info, cfg)
    elif layer.type == "global_pool" and is_volume(info.input):
        out.rows += _global_pool(info, cfg)
    elif not info.errors:
        out.rows.append(Row("", "", _sentence(layer, info, cfg)))
    return out


def spatial_indices(network) -> list:
    """Indices of the conv and pool layers, in order."""
    return [i for i, layer in enumerate(network.layers) if layer.type in SPATIAL]


def first_conv(network) -> Optional[int]:
    """Index of the first conv layer (else the first pool), or None."""
    for types in (("conv",), SPATIAL):
        for i, layer in enumerate(network.layers):
            if layer.type in types:
                return i
    return None
