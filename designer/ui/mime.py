"""Drag-and-drop and clipboard payloads.

* ``LAYER_TYPE_MIME``: what the palette drags, a JSON object ``{"type": ..., "config": {...}}``.
* Copied layers go to the clipboard as plain text: a JSON list in the model file's layer form
  (so they paste into an editor too). The clipboard must never hold a QMimeData made in Python:
  Qt deletes it at process exit, after Python has shut down, and the interpreter crashes.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QMimeData

from ..errors import UserError
from ..model import KINDS, Layer, layers_from_json, layers_json

LAYER_TYPE_MIME = "application/x-nn-designer-layer-kind"


def type_mime(type_: str, config: dict | None = None) -> QMimeData:
    data = QMimeData()
    data.setData(LAYER_TYPE_MIME, json.dumps({"type": type_, "config": config or {}}).encode())
    data.setText(type_)
    return data


def type_from_mime(data: QMimeData) -> tuple[str, dict] | None:
    """The (type, config) a palette drag carries, or None if it carries something else (or a
    layer type this build does not know)."""
    if not data.hasFormat(LAYER_TYPE_MIME):
        return None
    try:
        obj = json.loads(bytes(data.data(LAYER_TYPE_MIME)).decode())
        type_, config = str(obj["type"]), dict(obj.get("config") or {})
    except (ValueError, RecursionError, KeyError, TypeError, AttributeError):  # another app's data
        return None
    return (type_, config) if type_ in KINDS else None


def layers_text(layers: list, around=()) -> str:
    """Copied layers as text (jsonio.layers_json; ``around``: the network they come from)."""
    return json.dumps(layers_json(layers, around), indent=2, ensure_ascii=False)


def layers_from_mime(data: QMimeData | None, outside=()) -> list[Layer]:
    """Layers from the clipboard: JSON text of a layer list (or one layer, or a model); the ids
    they read from outside them name layers of ``outside`` (jsonio.layers_from_json). An empty
    clipboard may have no data at all (None)."""
    if data is not None and data.hasText():
        text = data.text()
    else:
        return []
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):  # not JSON (any text can be on the clipboard)
        return []
    if isinstance(raw, dict):
        raw = raw.get("layers", [raw])
    try:
        return layers_from_json(raw, outside)
    except UserError:  # JSON, but not layers
        return []


def local_files(data: QMimeData) -> list[str]:
    return [url.toLocalFile() for url in data.urls() if url.isLocalFile()] if data.hasUrls() else []
