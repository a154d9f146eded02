"""The network model: layer catalogue, document, inference, file formats, templates.

Pure Python (and NumPy for weights files); no Qt is imported here or below.
"""
from .catalogue import FAMILIES, KINDS, ConfigError, LayerKind, format_shape, kind_of
from .document import Event, Layer, Network
from .inference import LayerInfo, Report, infer
from .jsonio import ModelError, dumps, from_json, load, loads, save
from .templates import TEMPLATES, load_model, load_template, template_weights
from .weights import WeightsError, check_arrays, expected_arrays, load_weights, save_weights

__all__ = [
    "FAMILIES", "KINDS", "ConfigError", "LayerKind", "format_shape", "kind_of",
    "Event", "Layer", "Network", "LayerInfo", "Report", "infer",
    "ModelError", "dumps", "from_json", "load", "loads", "save",
    "TEMPLATES", "load_model", "load_template", "template_weights",
    "WeightsError", "check_arrays", "expected_arrays", "load_weights", "save_weights",
]
