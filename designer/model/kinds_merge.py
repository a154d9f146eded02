"""Layer kinds that join or split branches: add (residual shortcuts), concat (inception blocks),
mul (squeeze-and-excitation: a 1×1×D volume scales every position of a W×H×D one), and the
channel operations of ShuffleNet: channel_shuffle and channel_slice (a range of channels).

A merge's rule takes, besides the settings and the input shapes, the labels of its inputs
(``#5``) so that a mismatch can name the layers, not only their shapes.
"""
from __future__ import annotations

from typing import Optional

from .keys import Key
from .kind import LayerKind, Outcome, depth_of, format_shape, is_volume

DEFINED: list = []  # the kinds of this module, in palette order (collected by the catalogue)


def _labels(shapes: list, labels: Optional[list]) -> list:
    return list(labels) if labels else [f"input {i + 1}" for i in range(len(shapes))]


def shortcut_fix(main: tuple, shortcut: tuple) -> Optional[tuple]:
    """(filters, stride) of the 1×1 convolution that turns the volume ``shortcut`` into the shape
    of ``main`` (a 1×1 conv with stride s maps n to ⌈n/s⌉), or None when none does."""
    if not (is_volume(main) and is_volume(shortcut)):
        return None
    for s in range(1, max(shortcut[0], shortcut[1]) + 1):
        if -(-shortcut[0] // s) == main[0] and -(-shortcut[1] // s) == main[1]:
            return main[2], s
    return None


def mismatch(shapes: list, labels: list) -> str:
    """The sentence for two inputs of an add that differ: names both, and suggests the 1×1
    convolution (on the shortcut, the input with the larger maps) that makes them match."""
    first = shapes[0]
    j = next(j for j, shape in enumerate(shapes) if shape != first)
    a, b = (0, j)
    text = (f"an add needs inputs of exactly the same shape, but {labels[a]} is "
            f"{format_shape(shapes[a])} and {labels[b]} is {format_shape(shapes[b])}")
    for main, short in ((a, b), (b, a)):
        fix = shortcut_fix(shapes[main], shapes[short])
        if fix:
            filters, stride = fix
            where = "" if stride == 1 else f" and stride {stride}"
            return (f"{text}; a 1×1 conv with {filters} filters{where} on the shortcut from "
                    f"{labels[short]} would make it {format_shape(shapes[main])}")
    return text


def _add_rule(_cfg: dict, shapes: list, labels: Optional[list] = None) -> Outcome:
    labels = _labels(shapes, labels)
    if any(shape != shapes[0] for shape in shapes):
        return Outcome(None, errors=[mismatch(shapes, labels)])
    names = " + ".join(labels)
    return Outcome(shapes[0], formula=f"{names}: {len(shapes)} × {format_shape(shapes[0])} summed "
                                      f"value by value = {format_shape(shapes[0])}")


def _concat_rule(_cfg: dict, shapes: list, labels: Optional[list] = None) -> Outcome:
    labels = _labels(shapes, labels)
    listed = ", ".join(f"{label} {format_shape(shape)}" for label, shape in zip(labels, shapes))
    if all(is_volume(s) for s in shapes):
        if len({(s[0], s[1]) for s in shapes}) > 1:
            return Outcome(None, errors=[f"a concat joins volumes of the same width and height, "
                                         f"but the inputs are {listed}"])
        depth = sum(s[2] for s in shapes)
        w, h = shapes[0][0], shapes[0][1]
        return Outcome((w, h, depth), formula=f"depth {' + '.join(str(s[2]) for s in shapes)} = {depth}")
    if all(len(s) == 1 for s in shapes):
        n = sum(s[0] for s in shapes)
        return Outcome((n,), formula=f"features {' + '.join(str(s[0]) for s in shapes)} = {n}")
    return Outcome(None, errors=[f"a concat joins volumes, or vectors, not both: the inputs are {listed}"])


DEFINED.append(LayerKind(
    "add", "Add", "merge", keys=(), rule=_add_rule, torch="(a + b: elementwise sum)",
    min_inputs=2, max_inputs=None,
    help="Sums its inputs value by value (a residual shortcut); all must have the same shape.",
    aliases="residual shortcut skip sum plus",
))
DEFINED.append(LayerKind(
    "concat", "Concatenate", "merge", keys=(), rule=_concat_rule, torch="torch.cat(dim=1)",
    min_inputs=2, max_inputs=None,
    help="Joins its inputs along the depth (volumes of equal W×H) or end to end (vectors).",
    aliases="cat join inception stack",
))


def broadcast_shape(shapes: list) -> Optional[tuple]:
    """The shape of a product of ``shapes``: all equal, or volumes W×H×D with some 1×1×D (one
    value per channel, spread over every position: squeeze-and-excitation); None when they do not fit."""
    full = max(shapes, key=lambda s: (len(s), s[0] * s[1] if len(s) == 3 else 0))
    for shape in shapes:
        if shape != full and not (is_volume(shape) and is_volume(full) and shape == (1, 1, full[2])):
            return None
    return full


def _mul_rule(_cfg: dict, shapes: list, labels: Optional[list] = None) -> Outcome:
    labels = _labels(shapes, labels)
    full = broadcast_shape(shapes)
    listed = ", ".join(f"{label} {format_shape(shape)}" for label, shape in zip(labels, shapes))
    if full is None:
        return Outcome(None, errors=[f"a mul needs inputs of the same shape, or a 1×1×D volume with a "
                                     f"W×H×D one of the same depth, but the inputs are {listed}"])
    spread = [label for label, shape in zip(labels, shapes) if shape != full]
    how = (f"; {' and '.join(spread)} (1×1×{full[2]}) scale every position" if spread else "")
    return Outcome(full, formula=f"{' × '.join(labels)}: multiplied value by value = "
                                 f"{format_shape(full)}{how}")


DEFINED.append(LayerKind(
    "mul", "Multiply", "merge", keys=(), rule=_mul_rule, torch="(a * b: elementwise product, broadcast)",
    min_inputs=2, max_inputs=None,
    help="Multiplies its inputs value by value; a 1×1×D input scales each channel of a W×H×D one "
         "(squeeze-and-excitation).",
    aliases="multiply product gate scale squeeze excitation se attention",
))


# --------------------------------------------------------------------------- channel operations
def _shuffle_rule(cfg: dict, shapes: list) -> Outcome:
    shape, g = shapes[0], cfg["groups"]
    d = depth_of(shape)
    what = "depth" if is_volume(shape) else "feature count"
    if d % g:
        return Outcome(None, errors=[f"groups {g} do not divide the input {what} {d}"])
    return Outcome(shape, formula=f"{d} channels as {g} groups of {d // g}, read across the groups: "
                                  f"channel j·{g} + i of the output is channel i·{d // g} + j of the input")


DEFINED.append(LayerKind(
    "channel_shuffle", "Channel shuffle", "merge",
    keys=(Key("groups", "int", 2, lo=1, help="the groups of channels interleaved (ShuffleNet's g)"),),
    rule=_shuffle_rule, torch="torch.nn.ChannelShuffle", brief=lambda cfg: f"g{cfg['groups']}",
    help="Interleaves the channels of its groups, so that the next grouped convolution sees every group "
         "(ShuffleNet).",
    aliases="shuffle interleave shufflenet",
))


def _slice_rule(cfg: dict, shapes: list) -> Outcome:
    shape, start, stop = shapes[0], cfg["start"], cfg["stop"]
    d = depth_of(shape)
    what = "depth" if is_volume(shape) else "feature count"
    if stop > d:
        return Outcome(None, errors=[f"stop {stop} is past the input {what} {d}"])
    if start >= stop:
        return Outcome(None, errors=[f"start {start} must be below stop {stop}"])
    out = (shape[0], shape[1], stop - start) if is_volume(shape) else (stop - start,)
    return Outcome(out, formula=f"channels {start} to {stop - 1} of {d}: {stop - start}")


DEFINED.append(LayerKind(
    "channel_slice", "Channel slice", "merge",
    keys=(Key("start", "int", 0, lo=0, help="the first channel taken (counting from 0)"),
          Key("stop", "int", None, required=True, lo=1, help="the channel after the last one taken")),
    rule=_slice_rule, torch="x[:, start:stop]", brief=lambda cfg: f"[{cfg['start']}:{cfg['stop']}]",
    help="Takes the channels start…stop − 1 (or those features of a vector): ShuffleNetV2's split.",
    aliases="split slice narrow chunk channels",
))
