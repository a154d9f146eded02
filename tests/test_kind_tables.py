"""Every per-kind table outside the catalogue covers every layer kind: the engine's layer
classes, the PyTorch and ONNX exporters, the canvas glyphs, the editor's starting settings and the
family colours. (Search aliases, help, PyTorch names and arrays live on the kind itself.)

Adding a kind to the catalogue makes this test list each place that still lacks it. ``PENDING``
holds the (table, kind) pairs that another branch is landing (issue 13's engine and exporters);
they are expected failures until then: the lead empties the list when they land."""
from __future__ import annotations

import numpy as np
import pytest

from designer.model import KINDS, Layer, Network, expected_arrays

PENDING: set = set()  # issue 13's engine and exporters have landed
SETTINGS = {"conv": {"filters": 2}, "dense": {"units": 3}}


def sample(type_: str) -> Network:
    """A small valid network holding one layer of ``type_`` (a merge reads two layers)."""
    layers = [Layer.make("input", width=6, height=6, depth=4)]
    if type_ == "input":
        return Network(layers)
    if KINDS[type_].is_merge:
        layers.append(Layer("relu", id="a"))
        layers.append(Layer(type_, sources=[layers[0], layers[1]]))
    else:
        layers.append(Layer.make(type_, **SETTINGS.get(type_, {})))
    network = Network(layers)
    assert not network.report().problems, network.report().problems
    return network


def _engine(type_):
    from designer.engine.layers import LAYER_CLASSES
    assert type_ in LAYER_CLASSES


def _pytorch(type_):
    from designer.export.pytorch import pytorch_source
    assert "class" in pytorch_source(sample(type_))


def _onnx(type_):
    pytest.importorskip("onnx")
    from designer.export.onnx import onnx_model
    network = sample(type_)
    arrays = {k: np.zeros(s, np.float32) for k, s in expected_arrays(network).items()}
    onnx_model(network, arrays)


def _glyphs(type_):
    from designer.ui.artwork import CURVES, GLYPHS
    assert type_ in GLYPHS or type_ in CURVES


def _starters(type_):
    from designer.ui.editor import new_layer
    new_layer(type_)  # the settings a kind needs (a conv's filters) are filled in


def _colours(type_):
    from designer.ui.theme import FAMILY_COLOURS
    assert KINDS[type_].family in FAMILY_COLOURS


TABLES = {"engine": _engine, "pytorch": _pytorch, "onnx": _onnx, "glyphs": _glyphs,
          "starters": _starters, "colours": _colours}


@pytest.mark.parametrize("table,type_", [
    pytest.param(table, type_, marks=pytest.mark.xfail(reason="landing on another branch"))
    if (table, type_) in PENDING else (table, type_)
    for table in TABLES for type_ in KINDS])
def test_every_table_covers_every_kind(table, type_):
    TABLES[table](type_)


def test_pending_names_only_real_tables_and_kinds():
    assert all(table in TABLES and type_ in KINDS for table, type_ in PENDING)
