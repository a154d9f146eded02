"""What a layer kind is: the types every kind module and the catalogue share.

A kind knows its keys (with defaults and validation), the family it belongs to (palette group,
canvas colour), the PyTorch module it corresponds to, its *rule* (given its settings and the list
of its input shapes: the output shape, multiply-adds, warnings and errors) and its *arrays*: the
parameters and buffers it holds, by weights-file name and shape. The parameter count, the weights
file's expected arrays and the engine's allocation all come from that one declaration.

This module imports no kind: the kind modules (``kinds_*``) import it, and the registry
(``catalogue``) imports them, so there is no import cycle.

Shapes are tuples: a volume is ``(W, H, D)`` and a vector of n features is ``(n,)``.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..errors import UserError
from .keys import Key, KeyValueError
from .words import with_article

Shape = tuple

FAMILIES = (
    ("input", "Input"),
    ("convolution", "Convolution"),
    ("pooling", "Pooling"),
    ("activation", "Activation"),
    ("dense", "Fully connected"),
    ("merge", "Merge"),
    ("regularisation", "Regularisation"),
    ("normalisation", "Normalisation"),
    ("output", "Output"),
)


@dataclass
class Outcome:
    """What a rule says about one layer for its input shapes (the parameter count is not the
    rule's business: it comes from the kind's ``param_shapes``)."""

    shape: Optional[Shape]
    macs: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    formula: str = ""  # how the output was worked out, for the inspector


Rule = Callable[[dict, list], Outcome]
# (resolved settings, input shapes) -> weights-file name -> array shape (PyTorch's layout), or
# None when the input does not fit the kind (its rule says why) so the arrays are undefined.
Arrays = Callable[[dict, list], Optional[dict]]


def no_arrays(_cfg: dict, _shapes: list) -> dict:
    return {}


@dataclass(frozen=True)
class LayerKind:
    type: str
    label: str
    family: str
    keys: tuple
    rule: Rule
    torch: str  # the PyTorch module this kind corresponds to
    help: str = ""
    spatial: bool = False  # needs a W×H×D volume as input
    brief: Callable[[dict], str] = lambda cfg: ""  # key settings shown on a canvas block
    trainable: bool = True  # parameters (if any) are learnt
    aliases: str = ""  # other words a user may search the kind by ("fc" for dense)
    # For a kind without settings that is one module / one node: how the exporters write it
    # (the PyTorch constructor, e.g. "nn.ReLU()", and the ONNX operator, e.g. "Relu").
    torch_module: str = ""
    onnx: str = ""
    # (cfg, input shapes) -> {name: shape} of the layer's arrays, by weights-file name and in PyTorch's
    # layout; None when the input does not fit (the rule says why).
    param_shapes: Arrays = no_arrays  # learnt arrays: "weight", "bias"
    buffer_shapes: Arrays = no_arrays  # stored, not learnt: batchnorm's "running_mean", "running_var"
    # How many inputs the layer reads: an input layer none, most layers one, a merge 2 or more.
    min_inputs: int = 1
    max_inputs: Optional[int] = 1

    @property
    def has_params(self) -> bool:
        """The kind can hold weights (conv, dense, batchnorm)."""
        return self.param_shapes is not no_arrays

    @property
    def has_buffers(self) -> bool:
        """The kind stores arrays that are not learnt (batchnorm's statistics, scale_shift's constants)."""
        return self.buffer_shapes is not no_arrays

    @property
    def is_merge(self) -> bool:
        return self.max_inputs is None or self.max_inputs > 1


    def key(self, name: str) -> Key:
        for k in self.keys:
            if k.name == name:
                return k
        raise KeyError(name)

    def defaults(self) -> dict:
        return {k.name: k.default for k in self.keys if k.default is not None}

    def resolve(self, config: dict) -> dict:
        """Settings with defaults filled in. ``config`` must already be checked."""
        out = self.defaults()
        out.update(config)
        for k in self.keys:
            if k.default_from and out.get(k.name) is None:
                out[k.name] = out[k.default_from]
        return out

    def check(self, config: dict) -> dict:
        """Check every given key; raise ConfigError naming the key. Returns the canonical config."""
        known = {k.name for k in self.keys}
        clean = {}
        for name, value in config.items():
            if name not in known:
                hint = did_you_mean(name, known)
                raise ConfigError(name, f"unknown key {quoted(name)} for {with_article(self.type)} layer{hint}")
            try:
                clean[name] = self.key(name).check(value)
            except KeyValueError as e:
                raise ConfigError(name, str(e)) from None
        for k in self.keys:
            if k.required and k.name not in clean:
                raise ConfigError(k.name, f'{with_article(self.type)} layer needs "{k.name}"')
        return clean


class ConfigError(UserError):
    """An impossible layer setting; ``key`` names the setting at fault."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


def count_of(arrays: Optional[dict]) -> int:
    """Values in a name -> shape table of arrays."""
    total = 0
    for shape in (arrays or {}).values():
        total += size_of(shape)
    return total


def quoted(text, limit: int = 40) -> str:
    """A name from a file, quoted for a one-line message: escapes newlines, cuts long text."""
    text = str(text)
    return json.dumps(text if len(text) <= limit else text[:limit] + "…", ensure_ascii=False)


def path_key(key) -> str:
    """A key as a JSON-path step: ``.units``, or ``["odd key"]`` when it is not a plain name."""
    key = str(key)
    return f".{key}" if key.isidentifier() else f"[{quoted(key)}]"


def did_you_mean(word: str, candidates) -> str:
    close = difflib.get_close_matches(str(word), sorted(candidates), n=1, cutoff=0.6)
    return f'; did you mean "{close[0]}"?' if close else ""


def is_volume(shape: Shape) -> bool:
    return shape is not None and len(shape) == 3


def depth_of(shape: Shape) -> int:
    """Channels of a volume, features of a vector."""
    return shape[2] if is_volume(shape) else shape[0]


def size_of(shape: Shape) -> int:
    n = 1
    for d in shape:
        n *= d
    return n


def format_shape(shape: Optional[Shape]) -> str:
    """(55, 55, 96) -> '55×55×96'; (4096,) -> '4096'; None -> '?'."""
    if shape is None:
        return "?"
    return "×".join(str(d) for d in shape)


def array_shape(shape: Shape) -> tuple:
    """A model shape (W, H, D) or (n,) as the per-sample array shape of the engine, the weights
    file and PyTorch: (D, H, W) or (n,)."""
    return (shape[2], shape[1], shape[0]) if len(shape) == 3 else tuple(shape)


def any_any(_cfg: dict, shapes: list) -> Outcome:
    """Rule of a layer that keeps its input's shape and has no parameters."""
    return Outcome(shapes[0])
