"""The imported layers as a model-file document, checked by the designer's own loader and
inference: every layer's output must have the shape ONNX shape inference gives its tensor, and
the weights must be the ones the network expects."""
from __future__ import annotations

import re
from typing import NamedTuple

from ..errors import UserError
from ..model import array_shape, format_shape
from . import OnnxImportError


class Imported(NamedTuple):
    document: dict  # the model file's content (version 2 when it uses branches, else 1)
    network: object  # the same design loaded, a designer.model.Network
    arrays: dict  # weights-file key -> float32 array (empty when the model carries no weights)


def printable(text: str) -> str:
    """``text`` with every character the model format refuses in a name (a control character, a
    line separator, a lone surrogate: jsonio.text_problem) written as its escape, ``\\x1b``,
    ``\\n``, ``\\u2028``, ``\\ud800``: a model whose node or graph names hold them imports
    with those names escaped, rather than being refused for a label."""
    from ..model import text_problem
    if text_problem(text) is None:
        return text
    return "".join(ch.encode("unicode_escape", "backslashreplace").decode("ascii")
                   if text_problem(ch) else ch for ch in text)


def _display_name(node) -> str:
    """A layer's label from its node: PyTorch's "/features/features.0/Conv" becomes
    "features/features.0"; Caffe2's unnamed nodes give none."""
    if node is None or not node.name or re.fullmatch(r"[a-z]?\d+", node.name):
        return ""  # converters' numbering (Caffe2's n0, n1, ...) says nothing
    name = printable(node.name).strip().strip("/")
    if name.endswith("/" + node.op):
        name = name[: -len(node.op) - 1]
    if name in ("input_layer", "output_layer"):  # our export's names for "input" and "output"
        name = name[: -len("_layer")]
    if node.op == "Flatten" and name.endswith("_flatten"):  # our export's Flatten of a layer
        name = name[: -len("_flatten")]
    return name[:80]


def _ids(m, needed: set) -> dict:
    """A unique id for each layer that is read by a layer other than the next."""
    ids, taken = {}, set()
    for i in sorted(needed):
        node = m.labels[i]
        base = re.sub(r"\s+", "_", _display_name(node) or printable(node.outputs[0] if node else "input")) or f"layer{i}"
        name = base
        while name in taken:
            name = f"{base}#{i}"
        taken.add(name)
        ids[i] = name
    return ids


def _unnamed_defaults(layers: list) -> list:
    """The names our own exports give unnamed layers (conv1, relu2, ...), so that a design exported
    and imported again gets no names it did not have."""
    from ..export import attribute_names
    from ..model import Layer, Network
    names = attribute_names(Network([Layer(t, {}) for t, _ in layers]))
    return [f"{n}_layer" if n in ("input", "output") else n for n in names]


def build(graph, m, layers: list):
    from ..model import check_arrays, from_json, to_json
    needed = {s for i, sources in enumerate(m.sources) for s in sources if sources != [i - 1]}
    ids = _ids(m, needed)
    defaults = _unnamed_defaults(layers)
    out = []
    for i, ((type_, cfg), sources) in enumerate(zip(layers, m.sources)):
        entry = {"type": type_}
        if i in ids:
            entry["id"] = ids[i]
        if i and sources != [i - 1]:
            entry["inputs"] = [ids[s] for s in sources]
        entry.update(cfg)
        name = _display_name(m.labels[i])
        if name and name != defaults[i]:
            entry["name"] = name
        out.append(entry)
    try:
        network = from_json({"format": "nn-designer", "version": 2, "name": printable(graph.name), "layers": out})
    except UserError as e:  # the model's own sentence, with the file named
        raise OnnxImportError(f"{graph.source}: the imported design is not valid: {e}") from None
    report = network.report()
    if report.problems:
        raise OnnxImportError(f"{graph.source}: the imported design has an error: {report.problems[0]}")
    for info, want, node in zip(report.layers, m.onnx_shapes, m.labels):
        got = array_shape(info.output)
        if want is not None and tuple(got) != tuple(want):
            where = node.label() if node is not None else "the input"
            raise OnnxImportError(
                f"{graph.source}: {where} makes {list(want)} in ONNX but the layer it became makes "
                f"{format_shape(info.output)} ({list(got)}), so it cannot be imported faithfully")
    try:
        check_arrays(m.arrays, network, f"{graph.source}")
    except UserError as e:
        raise OnnxImportError(str(e)) from None
    return Imported(to_json(network), network, m.arrays)  # version 1 when it has no branches
