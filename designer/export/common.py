"""What both exporters share: their error, the checked report, the tensor layout, the way each
keeps one entry per layer kind. A module of its own so that ``pytorch`` and ``onnx`` do not
import the package that imports them."""
from __future__ import annotations

from ..errors import UserError


class ExportError(UserError):
    """A network or setting that cannot be exported; one sentence."""


def checked_report(network):
    """The network's inference report; raises ExportError when the network has errors."""
    report = network.report()
    if report.problems:
        raise ExportError(f"the network cannot be exported while it has errors: {report.problems[0]}")
    if report.input is None:
        raise ExportError("the network cannot be exported: its first layer is not an input layer")
    return report


def registrar(table: dict):
    """A decorator that enters a function in ``table`` for each kind it names:
    ``@register("conv")`` over the function that exports a conv (one entry per kind)."""
    def register(*types):
        def enter(make):
            for type_ in types:
                table[type_] = make
            return make
        return enter
    return register


def reads_volume(info) -> bool:
    """Whether the layer's (first) input is a W×H×D volume, not a vector."""
    return info.input is not None and len(info.input) == 3
