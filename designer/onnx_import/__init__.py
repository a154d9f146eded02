"""Import an ONNX model as a design (docs/model-format.md, version 2) and a weights file.

``reading`` parses and checks the file (damaged or hostile files give one sentence), ``folding``
evaluates the constant parts of the graph and folds back the patterns exporters split layers into
(LRN as Pow/Div/AveragePool, Pad before Conv or Pool, MatMul and Add, the perceptron's sign), and
``mapping`` turns the remaining operators into layers. Anything the designer cannot represent is
one sentence that names the node; nothing is written then.

The ``onnx`` package is the ``export`` extra; without it, importing says how to install it.
"""
from __future__ import annotations

from ..errors import UserError
from ..interrupts import deferred


__all__ = ["OnnxImportError", "import_onnx", "require_onnx"]


class OnnxImportError(UserError):
    """An ONNX model that cannot be imported; one sentence naming the file or the node."""


def require_onnx():
    try:
        with deferred():   # a signal inside onnx's initialisation could crash the process
            import onnx
    except ImportError:
        raise OnnxImportError("importing ONNX models needs the onnx package, which is not installed; "
                              "install the export extra: pip install 'nn-designer[export]'") from None
    return onnx


def import_onnx(path):
    """The model at ``path`` as an ``Imported(document, network, arrays)``: the design as a
    model-file dict, the same design loaded, and its weights (weights-file keys -> float32
    arrays; empty when the model carries none)."""
    from .mapping import map_graph
    from .reading import read_graph
    return map_graph(read_graph(path))
