"""Export a network to other tools: a runnable PyTorch module (``pytorch.py``), an ONNX model
(``onnx.py``, needs the optional ``onnx`` package), or a folder that trains it with torchrun
(``torchrun.py``: the module and ``torchrun_train.py``). Each writer reads the network's report
(the resolved graph) and keeps one entry per layer kind (``pytorch.MODULES``, ``onnx.NODES``)."""
from __future__ import annotations

from .common import ExportError, checked_report

__all__ = ["ExportError", "FILES", "FORMATS", "attribute_names", "checked_report", "export_network"]


def __getattr__(name):
    """The writers are imported on first use (onnx and the torchrun script are large)."""
    if name == "attribute_names":
        from .pytorch import attribute_names
        return attribute_names
    if name == "FILES":
        from .torchrun import FILES
        return FILES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


FORMATS = ("pytorch", "onnx", "torchrun")


def export_network(network, to: str, out, weights_path=None, arrays=None, source: str = "") -> str:
    """Write ``network`` to ``out`` as ``to`` ("pytorch", "onnx", or "torchrun": ``out`` is then
    a folder, see torchrun.py); returns a sentence saying what was written.

    Weights come from ``weights_path`` (a weights file), else ``arrays`` (weights in memory, e.g.
    trained in the app: a PyTorch export then saves them beside ``out`` as ``<stem>.npz`` and
    loads them from there), else none: PyTorch's initialisation in the ``.py``, a fresh one
    (seed 0) in the ONNX model. Files are written atomically.
    """
    from pathlib import Path

    from ..model import load_weights, save_weights
    out = Path(out)
    if weights_path is not None and arrays is None:
        arrays = load_weights(weights_path, network)
    if to == "pytorch":
        from .pytorch import write_pytorch
        saved = ""
        if weights_path is None and arrays is not None:
            weights_path = out.with_suffix(".npz")
            if weights_path == out:
                raise ExportError(f"{out} ends in .npz, the name its weights file would take; "
                                  "give the module a name ending in .py")
            if weights_path.exists() and not _loads_from(out, weights_path):
                raise ExportError(f"{weights_path} already exists and the module's weights would replace "
                                  "it; give the module another name")
            save_weights(weights_path, arrays)
            saved = f" and {weights_path.name}"
        write_pytorch(network, out, weights_path, source=source)
        what = f" loading {Path(weights_path).name}" if weights_path else " (PyTorch's initialisation)"
        return f"wrote {out}{saved}: a PyTorch module{what}"
    if to == "torchrun":
        from .torchrun import write_torchrun
        return write_torchrun(network, out, arrays, source=source)
    if to == "onnx":
        from .onnx import write_onnx
        fresh = arrays is None
        if fresh:
            from ..engine import EngineNet
            arrays = EngineNet(network, seed=0).state_dict()
        write_onnx(network, arrays, out)
        what = " with freshly initialised weights" if fresh else (
            f" with the weights of {Path(weights_path).name}" if weights_path else " with the current weights")
        return f"wrote {out}: an ONNX model{what}"
    raise ExportError(f"cannot export to {to!r}; the formats are {', '.join(FORMATS)}")


def _loads_from(module, weights) -> bool:
    """Whether ``module`` is an exported file that already loads ``weights`` (a re-export may
    then replace both)."""
    from .pytorch import weights_line
    try:
        return weights_line(weights) in module.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
