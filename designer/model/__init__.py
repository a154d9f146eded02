"""The network model: layer catalogue, document, inference, file formats, templates.

Pure Python (and NumPy for weights files); no Qt is imported here or below.
"""
# The modules the app needs at start anyway (loading a template) are imported eagerly.
from .catalogue import FAMILIES, KINDS, ConfigError, LayerKind, array_shape, depth_of, format_shape, is_volume, size_of
from .changes import Change, ChangeKind, Event
from .document import Layer, Network, check_values, clones, linked
from .edits import Edit
from .graph import is_chain, is_layer, label
from .inference import BYTES_PER_VALUE, LayerInfo, Report, infer
from .jsonio import (ModelError, dumps, from_json, layers_from_json, layers_json, load, loads, save, text_problem,
                     to_json)
from .keys import Key, KeyValueError, as_pair
from .kinds_merge import shortcut_fix
from .kinds_spatial import dilation_of, exact_fixes, out_size, pads_of, spanned, window, window_of
from .templates import TEMPLATES, load_model, load_template, shipped_weights, template_name, template_weights
from .words import NBSP, human_bytes, plural, unbroken

# Imported on first use: the weights-file helpers need NumPy, which the app (needing the model at
# start) should not pay for before its window shows; the summary and wiring are not needed then.
_WEIGHTS = ("WeightsError", "check_arrays", "expected_arrays", "load_weights", "read_npz", "save_weights")
_NPZ_HEADERS = ("available_memory", "check_npz")
_SUMMARY = ("human_count", "partial_note", "totals")
_WIRING = ("broken_reference", "copies")


def __getattr__(name):
    if name in _WEIGHTS:
        from . import weights as module
    elif name in _NPZ_HEADERS:
        from . import npz_headers as module
    elif name in _SUMMARY:
        from . import summary as module
    elif name in _WIRING:
        from . import wiring as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(module, name)


__all__ = [
    "FAMILIES", "KINDS", "ConfigError", "LayerKind", "array_shape", "depth_of", "format_shape",
    "is_volume", "size_of",
    "Change", "ChangeKind", "Event", "Layer", "Network", "check_values", "clones", "linked", "Edit",
    "is_chain", "is_layer", "label", "BYTES_PER_VALUE", "LayerInfo", "Report", "infer",
    "ModelError", "dumps", "from_json", "layers_from_json", "layers_json", "load", "loads", "save", "text_problem",
    "to_json",
    "Key", "KeyValueError", "as_pair", "shortcut_fix",
    "dilation_of", "exact_fixes", "out_size", "pads_of", "spanned", "window", "window_of",
    "TEMPLATES", "load_model", "load_template", "shipped_weights", "template_name", "template_weights",
    "NBSP", "human_bytes", "plural", "unbroken",
    *_WEIGHTS, *_NPZ_HEADERS, *_SUMMARY, *_WIRING,
    # Modules whose names read as a namespace where they are used (wiring.connect, summary.to_json).
    "block_designs", "summary", "wiring",
]
