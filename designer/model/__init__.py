"""The network model: layer catalogue, document, inference, file formats, templates.

Pure Python (and NumPy for weights files); no Qt is imported here or below.
"""
from .catalogue import FAMILIES, KINDS, ConfigError, LayerKind, format_shape
from .changes import Change, ChangeKind, Event
from .document import Layer, Network
from .inference import LayerInfo, Report, infer
from .jsonio import ModelError, dumps, from_json, load, loads, save, to_json
from .templates import TEMPLATES, load_model, load_template, shipped_weights, template_name, template_weights

_WEIGHTS = ("WeightsError", "check_arrays", "expected_arrays", "load_weights", "save_weights")


def __getattr__(name):
    """The weights-file helpers need NumPy: import them on first use, so that the app (which
    needs the model at start) does not pay for NumPy before its window shows."""
    if name in _WEIGHTS:
        from . import weights
        return getattr(weights, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAMILIES", "KINDS", "ConfigError", "LayerKind", "format_shape",
    "Change", "ChangeKind", "Event", "Layer", "Network", "LayerInfo", "Report", "infer",
    "ModelError", "dumps", "from_json", "load", "loads", "save", "to_json",
    "TEMPLATES", "load_model", "load_template", "shipped_weights", "template_name", "template_weights",
    "WeightsError", "check_arrays", "expected_arrays", "load_weights", "save_weights",
]
