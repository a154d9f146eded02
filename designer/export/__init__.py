"""Export a network to other tools: a runnable PyTorch module (``pytorch.py``) or an ONNX model
(``onnx.py``, needs the optional ``onnx`` package)."""
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


def channels_first(shape) -> tuple:
    """A model shape (W, H, D) or (n,) as the engine's per-sample array shape (D, H, W) or (n,)."""
    return (shape[2], shape[1], shape[0]) if len(shape) == 3 else tuple(shape)
