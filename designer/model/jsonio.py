"""Load and save the architecture JSON (docs/model-format.md), versions 1 and 2.

Version 2 adds branches (``id``, ``inputs``, the merges ``add``/``concat``, ``global_pool``, conv
``groups``, pool ``ceil``); a network that uses none of it is written as version 1.

This is the one place where edges are ids, list indices or "the layer before" (no ``inputs``):
reading resolves every reference to the layer object it names (``Layer.sources``); writing
spells each edge again. A network saved as it was read is written back byte for byte (each
layer keeps how its file wrote its inputs, ``Layer.read_as``, used while every layer still reads
what its file said); any other is written the one way: a layer that reads just the layer before
it without ``inputs``, every other edge by the id of the layer it reads (graph.fresh_ids names
one that has none), and a ``graph.Missing`` by the id it was read by.

Every problem raises ``ModelError`` whose message is one sentence starting with the JSON path
(``layers[3].type: unknown layer type "convv"; did you mean "conv"?``). Saving is atomic.
"""
from __future__ import annotations

import copy
import decimal
import json
import math
import unicodedata
from pathlib import Path
from typing import Any, NamedTuple, Optional

from ..atomic import regular_input, write_text_atomic
from ..errors import UserError
from . import graph
from .catalogue import KINDS, ConfigError, did_you_mean, path_key, quoted
from .document import Layer, Network
from .graph import Missing, is_layer
from .keys import show_number

FORMAT = "nn-designer"
VERSION = 2  # the newest version this program reads
TOP_KEYS = ("format", "version", "name", "layers")
LAYER_META = ("type", "name", "ui", "id", "inputs")
# What only version 2 of the file format has: a file without any of it is written as version 1,
# so that older versions of the program still open it.
V2_TYPES = ("add", "concat", "global_pool", "mul", "pad", "channel_shuffle", "channel_slice")
V2_TYPES += ("relu6", "hardtanh", "hardsigmoid", "hardswish", "silu", "gelu",  # the modern CNNs' kinds
             "log_softmax", "layer_norm", "layer_scale", "scale_shift")
V2_KEYS = {"conv": ("groups", "dilation"), "pool": ("ceil", "dilation", "count_include_pad")}
# The largest model this program reads (docs/model-format.md): every command answers within
# seconds up to here; a 46 MB file of 2.9 million layers took minutes in each.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_LAYERS = 10_000


class _ReadAs(NamedTuple):
    """How a file wrote a layer's inputs (None: the layer before)."""
    inputs: Optional[list]


class ModelError(UserError):
    """A model that cannot be used; ``str(e)`` is one plain sentence."""

    def __init__(self, message: str, path: str = ""):
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _kind_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), "a number")


def text_problem(text: str) -> Optional[str]:
    """Why ``text`` cannot be a name or any text of a model (None when it can): a control
    character (escape, bell, CR/LF, NUL: they made render write an SVG that is not XML and summary
    send escapes to the terminal), a line separator, or a lone surrogate, which is not Unicode at
    all (``"\\ud800"`` in the JSON; it made summary and every export fail). Said with the
    character's code, never the character itself."""
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs":
            return f"holds U+{ord(ch):04X}, half of a surrogate pair, which is not a character (not valid Unicode)"
        if category == "Cc":
            return f"holds the control character U+{ord(ch):04X}; text in a model is printable"
        if category in ("Zl", "Zp"):
            return f"holds the line separator U+{ord(ch):04X}; a name is one line"
    return None


def _check_text(value: Any, path: str = "") -> None:
    """Refuse (ModelError at its JSON path) any string of the file, key or value, that
    text_problem refuses. Iterative: a deeply nested file is refused elsewhere, not here."""
    stack = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise ModelError(problem, where.lstrip(".") or "the file")
        elif isinstance(item, dict):
            for key, inner in item.items():
                problem = text_problem(key)
                if problem:
                    raise ModelError(f"a key {problem}", where.lstrip(".") or "the file")
                stack.append((inner, f"{where}{path_key(key)}"))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))


def from_json(data: Any, allow_empty: bool = False, default_name: str = "untitled") -> Network:
    """A Network from parsed JSON, checked against model-format.md."""
    if not isinstance(data, dict):
        raise ModelError(f"a model file holds a JSON object, not {_kind_name(data)}")
    for key in data:
        if key not in TOP_KEYS:
            raise ModelError(f"unknown top-level key {quoted(key)}{did_you_mean(key, TOP_KEYS)}",
                             path_key(key).lstrip("."))
    _check_text(data)
    if "format" in data and data["format"] != FORMAT:
        raise ModelError(f'this is not an NN Designer model (format is {json.dumps(data["format"])[:40]}, '
                         f'expected "{FORMAT}")', "format")
    if "version" not in data:
        raise ModelError(f"the file does not say its version (expected {VERSION})", "version")
    version = data["version"]
    if isinstance(version, float) and math.isfinite(version) and version.is_integer():
        version = int(version)  # 1.0 is 1, as a whole-number setting takes 4.0 for 4
    if isinstance(version, bool) or not isinstance(version, int):
        shown = repr(version) if isinstance(version, float) else _kind_name(version)
        raise ModelError(f"the version must be a whole number, not {shown}", "version")
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
    if len(raw_layers) > MAX_LAYERS:
        raise ModelError(f"the network has {len(raw_layers):,} layers, more than the {MAX_LAYERS:,} "
                         "this program reads", "layers")
    read = [_layer(raw, i) for i, raw in enumerate(raw_layers)]
    layers = [layer for layer, _ in read]
    refs = [inputs for _, inputs in read]
    _check_graph(layers, refs, version)
    ids = _ids_of(layers)
    for i, layer in enumerate(layers):
        layer.sources = [layers[t] for t in _resolve(layers, refs, i, ids)[0]]
        layer.read_as = _ReadAs(refs[i])
    return Network(layers, name=name)


def _ids_of(layers) -> dict:
    """id -> list index, first occurrence of each id."""
    out: dict = {}
    for i, layer in enumerate(layers):
        if layer.id is not None and layer.id not in out:
            out[layer.id] = i
    return out


def _resolve(layers: list, refs: list, index: int, ids: dict) -> tuple:
    """(sources, problems) of the layer at ``index`` whose file says ``refs[index]``: the list
    indices it reads (unresolvable references left out), and for each bad reference (subpath,
    sentence), e.g. ``("inputs[1]", 'no layer has the id "x"')``."""
    layer, wanted = layers[index], refs[index]
    if wanted is None:
        if layer.type == "input" or index == 0:
            return [], []
        return [index - 1], []
    sources, problems = [], []
    for j, ref in enumerate(wanted):
        where = f"inputs[{j}]"
        if isinstance(ref, str):
            if ref not in ids:
                problems.append((where, f"no layer has the id {quoted(ref)}"))
                continue
            target, named = ids[ref], f"the id {quoted(ref)}"
        else:
            if not 0 <= ref < len(layers):
                shown = show_number(ref)
                shown = shown if shown[0].isdigit() or shown[0] == "-" else f"with {shown}"  # a number of 22 digits
                problems.append((where, f"there is no layer {shown}; the layers are 0 to {len(layers) - 1}"))
                continue
            target, named = ref, f"layer {ref}"
        if target == index:
            problems.append((where, f"a layer cannot read itself ({named})"))
        elif target > index:
            which = named if named == f"layer {target}" else f"{named} (layer {target})"
            problems.append((where, f"{which} comes after this one (layer {index}); a layer reads "
                                    f"only earlier layers"))
        elif target in sources:
            problems.append((where, f"{named} (layer {target}) is read twice"))
        else:
            sources.append(target)
    return sources, problems


def _check_graph(layers: list, refs: list, version: int) -> None:
    """The references between layers: each names an earlier layer, ids are unique, and a version
    1 file uses nothing of version 2 (an older program would refuse it)."""
    if version < 2:
        for i, (layer, inputs) in enumerate(zip(layers, refs)):
            feature = _v2_feature(layer, layer.id, inputs)
            if feature:
                raise ModelError(f"this layer uses {feature}, which needs \"version\": 2 "
                                 f"(the file says version {version})", f"layers[{i}]")
    for i, sentence in graph.duplicate_ids(layers):
        raise ModelError(sentence, f"layers[{i}].id")
    ids = _ids_of(layers)
    for i in range(len(layers)):
        _, problems = _resolve(layers, refs, i, ids)
        for where, sentence in problems:
            raise ModelError(sentence, f"layers[{i}].{where}")


def _v2_feature(layer, lid: Optional[str], inputs: Optional[list]) -> str:
    """What of version 2 a layer written with the id ``lid`` and ``inputs`` uses, or ""."""
    if lid is not None:
        return '"id"'
    if inputs is not None:
        return '"inputs"'
    if layer.type in V2_TYPES:
        return f"the type {layer.type}"
    key = next((k for k in V2_KEYS.get(layer.type, ()) if k in layer.config), None)
    return f'the key "{key}"' if key else ""


def _layer(raw: Any, i: int) -> tuple:
    """(the layer, its inputs as the file writes them) from a layer object, checked."""
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
    return Layer(type_, config, name, ui, lid), (list(inputs) if inputs is not None else None)


def layers_from_json(raw: Any, outside=()) -> list:
    """Layers from a JSON list in the file's layer form (the clipboard), each checked. Their
    references among themselves become edges; an id they read from outside them is the layer of
    ``outside`` that has it, else a Missing (copied layers may name layers they were copied away
    from: the paste decides, wiring.add_layers). Without ``inputs`` the first reads nothing."""
    if not isinstance(raw, list):
        raise ModelError(f"layers is a list, not {_kind_name(raw)}", "layers")
    _check_text(raw, "layers")  # pasted text is held to a file's rule, or the window saves what it cannot open
    read = [_layer(item, i) for i, item in enumerate(raw)]
    layers = [layer for layer, _ in read]
    inside, known = _ids_of(layers), {}
    for layer in outside:
        if layer.id is not None:
            known.setdefault(layer.id, layer)
    for k, (layer, inputs) in enumerate(read):
        if inputs is None:
            layer.sources = [] if k == 0 or layer.type == "input" else [layers[k - 1]]
            continue
        got = []
        for ref in inputs:
            j = inside.get(ref) if isinstance(ref, str) else ref
            if j is not None and 0 <= j < k:
                got.append(layers[j])
            elif isinstance(ref, str) and ref in known:
                got.append(known[ref])
            else:
                got.append(Missing(str(ref)))
        layer.sources = got
    return layers


def layers_json(layers: list, around=()) -> list:
    """``layers`` in the file's layer form (the clipboard): a layer that reads just the one
    before it among them has no ``inputs``, every other edge is an id, also to layers outside
    them; a layer that needs an id and has none gets one that no layer of ``around`` has."""
    taken = {layer.id for layer in list(around) + list(layers) if layer.id is not None}
    taken |= {s.name for layer in layers for s in layer.sources if not is_layer(s)}
    names: dict = {}

    def name(source) -> str:
        if not is_layer(source):
            return source.name
        if source.id is not None:
            return source.id
        if source.uid not in names:
            names[source.uid] = graph.fresh_id(source, taken)
        return names[source.uid]

    inputs = [None if graph.follows(layers, k) else [name(s) for s in layer.sources]
              for k, layer in enumerate(layers)]
    return [_layer_json(layer, layer.id if layer.id is not None else names.get(layer.uid), refs)
            for layer, refs in zip(layers, inputs)]


def _layer_json(layer, lid: Optional[str], inputs: Optional[list]) -> dict:
    out = {"type": layer.type}
    if lid is not None:
        out["id"] = lid
    if inputs is not None:
        out["inputs"] = list(inputs)
    out.update(copy.deepcopy(layer.config))
    if layer.name is not None:
        out["name"] = layer.name
    if layer.ui:
        out["ui"] = copy.deepcopy(layer.ui)
    return out


def _as_read(layers: list) -> Optional[list]:
    """Each layer's inputs as its file wrote them, while every layer was read from a file and
    still reads what it said there; else None."""
    refs = [layer.read_as.inputs if isinstance(layer.read_as, _ReadAs) else False for layer in layers]
    if False in refs:
        return None
    ids = _ids_of(layers)
    for i, layer in enumerate(layers):
        srcs, problems = _resolve(layers, refs, i, ids)
        if problems or [layers[t].uid for t in srcs] != [s.uid if is_layer(s) else None for s in layer.sources]:
            return None
    return refs


def to_json(network: Network) -> dict:
    """The model file's content."""
    layers = network.layers
    refs = _as_read(layers)
    if refs is not None:
        written = [(layer.id, inputs) for layer, inputs in zip(layers, refs)]
    else:
        fresh = graph.fresh_ids(layers)  # none after an edit, which names what it connects
        written = []
        for i, layer in enumerate(layers):
            inputs = None
            if not graph.follows(layers, i):
                inputs = [s.name if not is_layer(s) else s.id if s.id is not None else fresh[s.uid]
                          for s in layer.sources]
            written.append((layer.id if layer.id is not None else fresh.get(layer.uid), inputs))
    version = 2 if any(_v2_feature(layer, *w) for layer, w in zip(layers, written)) else 1
    return {"format": FORMAT, "version": version, "name": network.name,
            "layers": [_layer_json(layer, *w) for layer, w in zip(layers, written)]}


def _exact_float(literal: str) -> float:
    """A JSON number with a fraction or an exponent. One that float rounds to a whole number
    although it is not one (1.999… with 5,000 nines became 2 filters) is kept just off that
    number, so that a whole-number setting refuses it; 4.0 and 1e3 stay whole (docs/model-format.md)."""
    value = float(literal)
    if value.is_integer() and math.isfinite(value) and len(literal) > 17:
        exact = decimal.Decimal(literal)
        if exact != exact.to_integral_value():
            return math.nextafter(value, 0.0 if value > 0 else 1.0) if value else math.ulp(0.0)
    return value


def loads(text: str, allow_empty: bool = False, default_name: str = "untitled") -> Network:
    try:
        data = json.loads(text, parse_float=_exact_float)
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
    regular_input(path, ModelError, "a model file", limit=MAX_FILE_BYTES)
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
        stem = path.stem if path.stem and not text_problem(path.stem) else "untitled"
        return loads(text, allow_empty, default_name=stem)
    except ModelError as e:
        raise ModelError(f"{path}: {e}") from None


def dumps(network: Network) -> str:
    return json.dumps(to_json(network), indent=2, ensure_ascii=False) + "\n"


def save(network: Network, path) -> None:
    """Write atomically: a crash leaves either the old file or the new one, never half."""
    write_text_atomic(path, dumps(network))
