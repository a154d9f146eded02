"""The layer catalogue: the registry of every layer kind, in palette order.

Each kind is defined exactly once, in one of the kind modules (``kinds_spatial``,
``kinds_pointwise``, ``kinds_merge``), from the shared types of ``kind``. This module only
collects them into ``KINDS``; it re-exports the shared types so callers need one import.
"""
from __future__ import annotations

from . import kinds_merge, kinds_pointwise, kinds_spatial
from .kind import (  # noqa: F401  (re-exported: the catalogue is where callers look)
    FAMILIES, ConfigError, LayerKind, Outcome, Rule, Shape, any_any, array_shape, count_of,
    depth_of, did_you_mean, format_shape, is_volume, path_key, quoted, size_of,
)

# Palette order: the volume-changing kinds, then the pointwise ones, then the merges.
_ORDER = (kinds_spatial.DEFINED, kinds_pointwise.DEFINED, kinds_merge.DEFINED)

KINDS: dict[str, LayerKind] = {}
for _defined in _ORDER:
    for _kind in _defined:
        assert _kind.type not in KINDS, _kind.type
        assert _kind.family in dict(FAMILIES), _kind.family
        KINDS[_kind.type] = _kind
