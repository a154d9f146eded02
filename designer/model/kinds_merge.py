"""Layer kinds that join branches: add (residual shortcuts) and concat (inception blocks).

A merge's rule takes, besides the settings and the input shapes, the labels of its inputs
(``#5``) so that a mismatch can name the layers, not only their shapes.
"""
from __future__ import annotations

from typing import Optional

from .kind import LayerKind, Outcome, format_shape, is_volume

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
