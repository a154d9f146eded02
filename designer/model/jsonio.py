"""Load and save the architecture JSON (docs/model-format.md), versions 1 and 2.

Version 2 adds branches (``id``, ``inputs``, the merges ``add``/``concat``, ``global_pool``, conv
``groups``, pool ``ceil``); a network that uses none of it is written as version 1.

Every problem raises ``ModelError`` whose message is one sentence starting with the JSON path
(``layers[3].type: unknown layer type "convv"; did you mean "conv"?``). Saving is atomic.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import UserError
from . import graph
from .catalogue import KINDS, ConfigError, did_you_mean, path_key, quoted
from .document import Layer, Network
from .keys import show_number

FORMAT = "nn-designer"
VERSION = 2  # the newest version this program reads
TOP_KEYS = ("format", "version", "name", "layers")
LAYER_META = ("type", "name", "ui", "id", "inputs")


class ModelError(UserError):
    """A model that cannot be used; ``str(e)`` is one plain sentence."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _kind_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")


def from_json(data: Any, allow_empty: bool = False, default_name: str = "untitled") -> Network:
    """A Network from parsed JSON, checked against model-format.md."""
    if not isinstance(data, dict):
        raise ModelError(f"a model file holds a JSON object, not {_kind_name(data)}")
    for key in data:
        if key not in TOP_KEYS:
            raise ModelError(f"unknown top-level key {quoted(key)}{did_you_mean(key, TOP_KEYS)}",
                             path_key(key).lstrip("."))
    if "format" in data and data["format"] != FORMAT:
        raise ModelError(f'this is not an NN Designer model (format is {json.dumps(data["format"])[:40]}, '
                         f'expected "{FORMAT}")', "format")
    if "version" not in data:
        raise ModelError(f"the file does not say its version (expected {VERSION})", "version")
    version = data["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelError(f"the version must be a whole number, not {_kind_name(version)}", "version")
    if version > VERSION:
        raise ModelError(f"the file is version {show_number(version)}, newer than this NN Designer reads "
                         f"(up to {VERSION}); update the app to open it", "version")
    if version < 1:
        raise ModelError(f"version {show_number(version)} does not exist; the first version is 1", "version")
    name = data.get("name", default_name)
    if not isinstance(name, str):
        raise ModelError(f"the name must be a string, not {_kind_name(name)}", "name")
    if "layers" not in data:
        raise ModelError("the model has no layers list", "layers")
    raw_layers = data["layers"]
    if not isinstance(raw_layers, list):
        raise ModelError(f"layers must be a list, not {_kind_name(raw_layers)}", "layers")
    if not raw_layers and not allow_empty:
        raise ModelError("the network has no layers; it needs at least an input layer", "layers")
    layers = [_layer(raw, i) for i, raw in enumerate(raw_layers)]
    _check_graph(layers, version)
    return Network(layers, name=name)


def _check_graph(layers: list, version: int) -> None:
    """The references between layers: each names an earlier layer, ids are unique, and a version
    1 file uses nothing of version 2 (an older program would refuse it)."""
    if version < 2 and graph.format_version(layers) > 1:
        i = next(i for i in range(len(layers)) if graph.format_version(layers[i:i + 1]) > 1)
        raise ModelError(f"this layer uses {_v2_feature(layers[i])}, which needs \"version\": 2 "
                         f"(the file says version {version})", f"layers[{i}]")
    for i, sentence in graph.duplicate_ids(layers):
        raise ModelError(sentence, f"layers[{i}].id")
    ids = graph.ids_of(layers)
    for i in range(len(layers)):
        _, problems = graph.resolve(layers, i, ids)
        for where, sentence in problems:
            raise ModelError(sentence, f"layers[{i}].{where}")


def _v2_feature(layer) -> str:
    if layer.id is not None:
        return '"id"'
    if layer.inputs is not None:
        return '"inputs"'
    if layer.type in graph.V2_TYPES:
        return f"the type {layer.type}"
    key = next(k for k in graph.V2_KEYS[layer.type] if k in layer.config)
    return f'the key "{key}"'


def _layer(raw: Any, i: int) -> Layer:
    path = f"layers[{i}]"
    if not isinstance(raw, dict):
        raise ModelError(f"a layer is an object with a type, not {_kind_name(raw)}", path)
    if "type" not in raw:
        raise ModelError('the layer has no "type"', path)
    type_ = raw["type"]
    if not isinstance(type_, str):
        raise ModelError(f"the type must be a string, not {_kind_name(type_)}", f"{path}.type")
    if type_ not in KINDS:
        raise ModelError(f"unknown layer type {quoted(type_)}{did_you_mean(type_, KINDS)}", f"{path}.type")
    name = raw.get("name")
    if name is not None and not isinstance(name, str):
        raise ModelError(f"the name must be a string, not {_kind_name(name)}", f"{path}.name")
    ui = raw.get("ui", {})
    if not isinstance(ui, dict):
        raise ModelError(f"ui must be an object, not {_kind_name(ui)}", f"{path}.ui")
    lid = raw.get("id")
    if lid is not None and (not isinstance(lid, str) or not lid):
        raise ModelError(f"an id is a non-empty string, not {_kind_name(lid) if lid != '' else 'an empty one'}",
                         f"{path}.id")
    inputs = raw.get("inputs")
    if inputs is not None:
        if not isinstance(inputs, list):
            raise ModelError(f"inputs is a list of ids or indices, not {_kind_name(inputs)}", f"{path}.inputs")
        if not inputs:
            raise ModelError("inputs is empty; name the layers this one reads, or leave inputs out "
                             "to read the layer before", f"{path}.inputs")
        for j, ref in enumerate(inputs):
            if isinstance(ref, bool) or not isinstance(ref, (int, str)):
                raise ModelError(f"an input is a layer's id (a string) or index (a number), not "
                                 f"{_kind_name(ref)}", f"{path}.inputs[{j}]")
    config = {k: v for k, v in raw.items() if k not in LAYER_META}
    try:
        config = KINDS[type_].check(config)
    except ConfigError as e:
        raise ModelError(str(e), f"{path}{path_key(e.key)}") from None
    return Layer(type_, config, name, ui, lid, list(inputs) if inputs is not None else None)


def layers_from_json(raw: Any) -> list:
    """Layers from a JSON list in the file's layer form, each checked, but not their references
    to each other (copied layers may name layers they were copied away from: the paste decides)."""
    if not isinstance(raw, list):
        raise ModelError(f"layers is a list, not {_kind_name(raw)}", "layers")
    return [_layer(item, i) for i, item in enumerate(raw)]


def loads(text: str, allow_empty: bool = False, default_name: str = "untitled") -> Network:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModelError(f"the JSON is broken at line {e.lineno}, column {e.colno} ({e.msg})") from None
    except RecursionError:
        raise ModelError("the JSON is nested too deeply to be a model") from None
    except ValueError:  # Python refuses to read an integer of more than 4,300 digits
        raise ModelError("the JSON holds a number with thousands of digits, far too large "
                         "for any setting") from None
    return from_json(data, allow_empty, default_name)


def load(path, allow_empty: bool = False) -> Network:
    """Read a model file; errors name the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ModelError(f"{path}: is a folder, not a model file") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot be read ({e.strerror or e})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelError(f"{path}: is not a text file, so not a model (it is not UTF-8)") from None
    try:
        return loads(text, allow_empty, default_name=path.stem or "untitled")
    except ModelError as e:
        raise ModelError(f"{path}: {e}") from None


def dumps(network: Network) -> str:
    return json.dumps(network.to_json(), indent=2, ensure_ascii=False) + "\n"


def save(network: Network, path) -> None:
    """Write atomically: a crash leaves either the old file or the new one, never half."""
    write_text_atomic(path, dumps(network))
