"""The Explain-shape lesson's rows for the modern CNN vocabulary: a dilated kernel's
span, a depthwise convolution's numbers beside the full convolution it replaces (the reason
MobileNet exists), and one sentence each for mul, pad, channel_shuffle and channel_slice.

A depthwise-separable convolution is a depthwise K×K conv (one filter per channel) and the 1×1
"pointwise" conv after it. For D₁ input channels and F output channels, per output position:
full K·K·D₁·F multiply-adds; separable K·K·D₁ + D₁·F; the ratio is 1/F + 1/K², about 1/9 for
3×3 kernels (Howard et al. 2017, MobileNets, section 3.1). The numbers are the report's."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from ..model import KINDS, as_pair, depth_of, format_shape, is_volume, label as layer_label


@dataclass(frozen=True)
class Row:
    """One worked-out line: what it is, the maths (lines separated by newlines), a sentence
    after it, and its level (``""``, ``"result"``, ``"warning"`` or ``"error"``)."""

    label: str
    maths: str = ""
    note: str = ""
    level: str = ""


# Kinds that may sit between a depthwise conv and its pointwise conv (MobileNet: BN, ReLU6).
_BETWEEN = {"batchnorm", "dropout"} | {t for t, kind in KINDS.items() if kind.family == "activation" and
                                       t not in ("maxout", "softmax")}


def dilation_row(k: tuple, d: tuple, span: tuple):
    """'K′ = D·(K − 1) + 1 = 2·(3 − 1) + 1 = 5': the span the output size uses."""
    parts = [f"{dd}·({kk} − 1) + 1 = {ss}" for kk, dd, ss in zip(k, d, span)]
    maths = "K′ = D·(K − 1) + 1 = " + (parts[0] if parts[0] == parts[1] else " and ".join(parts))
    return Row("Dilation", maths, f"the {k[0] * k[1]} taps sit {d[0] if d[0] == d[1] else d} apart, so the "
                                  f"kernel spans {span[1]}×{span[0]}: the sizes below use K′")


def pointwise_after(network, index: int) -> Optional[int]:
    """The 1×1 conv that a depthwise conv's output reaches through batchnorm and activations
    only (its pointwise half), or None."""
    report = network.report()
    i = index
    while True:
        readers = report.readers[i]
        if len(readers) != 1:
            return None
        i = readers[0]
        layer = network[i]
        if layer.type == "conv":
            return i if as_pair(layer.resolved()["kernel"]) == (1, 1) and layer.resolved().get("groups", 1) == 1 else None
        if layer.type not in _BETWEEN:
            return None


def separable_rows(network, index: int, info, cfg: dict) -> list:
    """A depthwise conv (groups = D₁ = F): its parameters and multiply-adds with its pointwise
    conv, beside one full K×K convolution from D₁ to F channels, and the ratio."""
    d, g, f = info.input[2], cfg.get("groups", 1), cfg["filters"]
    if not (g == d == f and g > 1) or info.output is None:
        return []
    k = as_pair(cfg["kernel"])
    ow, oh = info.output[0], info.output[1]
    kk, positions = k[0] * k[1], ow * oh
    pw_index = pointwise_after(network, index)
    if pw_index is not None:
        pw_info = network.report().layers[pw_index]
        f2 = network[pw_index].resolved()["filters"]
        pw_params, pw_macs = pw_info.param_count, pw_info.macs
        which = f"its pointwise 1×1 conv {layer_label(pw_index)} ({d} → {f2})"
    else:  # no pointwise conv after it: compare with a full conv keeping the depth
        f2, pw_params, pw_macs = d, 0, 0
        which = "no pointwise conv after it"
    bias = 1 if cfg.get("bias", True) else 0
    full_params = (kk * d + bias) * f2
    full_macs = kk * d * f2 * positions
    sep_params, sep_macs = info.param_count + pw_params, info.macs + pw_macs
    rows = [Row("Depthwise", f"one {k[0]}×{k[1]} filter per channel: {kk}·{d}{' + ' + str(d) if bias else ''} = "
                             f"{info.param_count:,} parameters, {kk}·{d}·{ow}·{oh} = {info.macs:,} multiply-adds",
                f"each output channel sees only its own input channel; {which}")]
    rows.append(Row("Full conv instead", f"({kk}·{d}{' + 1' if bias else ''})·{f2} = {full_params:,} parameters, "
                                         f"{kk}·{d}·{f2}·{ow}·{oh} = {full_macs:,} multiply-adds",
                    f"one {k[0]}×{k[1]} convolution from {d} to {f2} channels, what the separable pair replaces"))
    if pw_index is None:
        rows.append(Row("Depthwise / full", f"{info.macs:,} / {full_macs:,} = 1/D₁ = 1/{d}",
                        "a depthwise conv alone mixes no channels; MobileNet follows it with a 1×1 "
                        "pointwise conv, which the comparison would include"))
        return rows
    ratio = sep_macs / full_macs
    rows.append(Row("Separable / full",
                    f"{sep_macs:,} / {full_macs:,} = {ratio:.3f} (1/F + 1/K² = 1/{f2} + 1/{kk} = "
                    f"{1 / f2 + 1 / kk:.3f}); parameters {sep_params:,} / {full_params:,} = "
                    f"{sep_params / full_params:.3f}",
                    f"about {1 / ratio:.1f}× fewer multiply-adds: the reason MobileNet exists", level="result"))
    return rows


def mul_rows(info) -> list:
    full = info.output
    spread = [format_shape(s) for s in info.inputs if s != full]
    note = ("the inputs are multiplied value by value" +
            (f"; each 1×1×{full[2]} input gives one value per channel, which scales that channel at "
             f"all {full[0]}×{full[1]} positions (squeeze-and-excitation)" if spread else ""))
    return [Row("Output size", f"W₂×H₂×D₂ = {format_shape(full)}", note, level="result"),
            Row("Parameters", "0", "a merge has no parameters", level="result")]


def sentence(layer, info, cfg: dict) -> Optional[str]:
    """One sentence for pad and the channel operations, or None for another kind."""
    shape_in, shape_out = format_shape(info.input), format_shape(info.output)
    if layer.type == "pad" and is_volume(info.input):
        w, h, _ = info.input
        fill = "zeros" if cfg.get("value", 0.0) == 0 else f"the value {cfg['value']:g}"
        return (f"Pad adds {fill}: W₂ = {w} + {cfg['left']} + {cfg['right']} = {info.output[0]} and "
                f"H₂ = {h} + {cfg['top']} + {cfg['bottom']} = {info.output[1]} ({shape_in} → {shape_out}); "
                "each side its own width, as a TensorFlow model's stride-2 \"same\" padding needs. "
                "It has no parameters.")
    if layer.type == "channel_shuffle":
        d, g = depth_of(info.input), cfg["groups"]
        return (f"Channel shuffle deals the {d} channels of {g} groups of {d // g} out in turn "
                f"(output channel j·{g} + i is input channel i·{d // g} + j), so that the next grouped "
                f"convolution sees every group. The shape stays {shape_out}; no parameters.")
    if layer.type == "channel_slice":
        return (f"Channel slice takes channels {cfg['start']} to {cfg['stop'] - 1}: {shape_in} → {shape_out} "
                "(ShuffleNetV2 splits a volume into two halves this way). No parameters.")
    return None
