"""The settings a new layer starts with when its kind needs some (a conv needs a filter count).
Its own module so that the editor and its graph-edit mixin both read it without importing each
other."""
from __future__ import annotations

from typing import Optional

from ..model import Layer

STARTERS = {
    "input": {"width": 28, "height": 28, "depth": 1},
    "conv": {"filters": 16},
    "dense": {"units": 64},
}


def new_layer(type_: str, config: Optional[dict] = None) -> Layer:
    settings = dict(STARTERS.get(type_, {}))
    settings.update(config or {})
    return Layer.make(type_, **settings)
