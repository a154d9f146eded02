"""``nn-designer explain MODEL [LAYER ...]``: the Learn mode's "Explain shape" on the terminal —
each layer's output size ⌊(W − K + 2P)/S⌋ + 1, depth, same padding, parameters (K·K·D + 1)·F and
multiply-adds written out with its numbers, and for a floored division the rows or columns left
uncovered and the settings that make it exact. LAYER is an index or a layer's name; without one,
every conv, pool, global pool, dense, add, concat, mul and pad layer is explained; a depthwise conv's
numbers are set beside the full conv's, with the ratio."""
from __future__ import annotations

from ..errors import UserError


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("layers", nargs="*", metavar="LAYER", help="a layer's index or name (default: conv, pool, pad, dense and merge layers)")


def _index(network, text: str) -> int:
    if text.isdecimal() and text.isascii():
        index = int(text)
        if index >= len(network):
            raise UserError(f"there is no layer {index}: the network has layers 0 to {len(network) - 1}")
        return index
    for i, layer in enumerate(network.layers):
        if layer.name == text:
            return i
    names = ", ".join(repr(layer.name) for layer in network.layers if layer.name)
    choices = f"an index from 0 to {len(network) - 1}" + (f", or one of the names {names}" if names else "")
    raise UserError(f"no layer is called {text!r}; give {choices}")


def render(explanation) -> str:
    """An Explanation as aligned text: label, maths, then the note after a dash."""
    width = max((len(row.label) for row in explanation.rows), default=0)
    lines = [explanation.title]
    for row in explanation.rows:
        maths = row.maths.split("\n") if row.maths else [""]
        for n, part in enumerate(maths):
            if n == len(maths) - 1 and row.note:
                part = f"{part} — {row.note}" if part else row.note
            lines.append(f"  {row.label if n == 0 else '':<{width}}  {part}".rstrip())
    return "\n".join(lines)


def run(args) -> int:
    from ..learn import explain, spatial_indices
    from ..model import load_model

    network = load_model(args.model)
    if args.layers:
        indices = [_index(network, text) for text in args.layers]
    else:
        others = ("dense", "global_pool", "add", "concat", "mul", "pad")
        dense = [i for i, layer in enumerate(network.layers) if layer.type in others]
        indices = sorted(set(spatial_indices(network)) | set(dense))
        if not indices:
            raise UserError(f"{args.model} has no conv, pool, dense or merge layer; name a layer to explain")
    print("\n\n".join(render(explain(network, i, where="terminal")) for i in indices))
    return 0
