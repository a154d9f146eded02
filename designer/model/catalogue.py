"""The layer catalogue: every layer kind is defined exactly once, here and in the two modules
that register kinds (``kinds_spatial``, ``kinds_pointwise``).

A kind knows its keys (with defaults and validation), the family it belongs to (palette group,
canvas colour), the PyTorch module it corresponds to, and its *rule*: given its settings and the
input shape, the output shape, parameter count, multiply-adds, warnings and errors.

Shapes are tuples: a volume is ``(W, H, D)`` and a vector of n features is ``(n,)``.
"""
from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Callable, Optional

from ..errors import UserError
from .keys import Key, KeyValueError

Shape = tuple

FAMILIES = (
    ("input", "Input"),
    ("convolution", "Convolution"),
    ("pooling", "Pooling"),
    ("activation", "Activation"),
    ("dense", "Fully connected"),
    ("regularisation", "Regularisation"),
    ("normalisation", "Normalisation"),
    ("output", "Output"),
)


@dataclass
class Outcome:
    """What a rule says about one layer for one input shape."""

    shape: Optional[Shape]
    params: int = 0
    macs: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    formula: str = ""  # how the output was worked out, for the inspector


Rule = Callable[[dict, Shape], Outcome]


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
    has_params: bool = False  # the kind can hold weights (conv, dense, batchnorm)

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
                raise ConfigError(name, f"unknown key {quoted(name)} for a {self.type} layer{hint}")
            try:
                clean[name] = self.key(name).check(value)
            except KeyValueError as e:
                raise ConfigError(name, str(e)) from None
        for k in self.keys:
            if k.required and k.name not in clean:
                raise ConfigError(k.name, f'a {self.type} layer needs "{k.name}"')
        return clean


class ConfigError(UserError):
    """An impossible layer setting; ``key`` names the setting at fault."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


KINDS: dict[str, LayerKind] = {}


def register(kind: LayerKind) -> LayerKind:
    assert kind.type not in KINDS, kind.type
    assert kind.family in dict(FAMILIES), kind.family
    KINDS[kind.type] = kind
    return kind


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


def channels_first(shape: Shape) -> tuple:
    """A model shape (W, H, D) or (n,) as the per-sample array shape of the engine, the weights
    file and PyTorch: (D, H, W) or (n,)."""
    return (shape[2], shape[1], shape[0]) if len(shape) == 3 else tuple(shape)


def any_any(_cfg: dict, shape: Shape) -> Outcome:
    """Rule of a layer that keeps its input's shape and has no parameters."""
    return Outcome(shape)


# Register the kinds (import for side effect, in palette order).
from . import kinds_spatial, kinds_pointwise  # noqa: E402,F401
