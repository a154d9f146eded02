"""Every registry of every package covers every layer kind of the catalogue (``designer.model.KINDS``)
and, when it does not, the failure names the registry and what to add:

- the engine: ``designer.engine.layers.LAYER_CLASSES`` (a ``Layer`` subclass whose ``type`` is the kind);
- the PyTorch and ONNX exporters: they write sample networks of the kind (``pytorch_source``, ``onnx_model``);
- the ONNX importer: ``designer.onnx_import.mapping.OPERATORS`` holds every operator that the ONNX
  export writes for the kind (so the export imports back), unless ``mapping.NOT_IMPORTABLE`` says why
  the kind does not import back;
- the UI: ``designer.ui.kinds.UI_KINDS`` (glyph, starting settings) and ``FAMILY_COLOURS`` (its family).

(Search aliases, help, PyTorch names and arrays live on the kind itself.) The samples of a kind are
one network per input form it takes (an image, a vector) and per option of each of its choices
(max, average and L2 pools), so that every way an exporter writes the kind is seen."""
from __future__ import annotations

import numpy as np
import pytest

from designer.model import KINDS, Layer, Network, expected_arrays

SETTINGS = {"conv": {"filters": 2}, "dense": {"units": 3}, "channel_slice": {"stop": 2}}
INPUTS = ({"width": 6, "height": 6, "depth": 4}, {"features": 8})


def _network(type_: str, inputs: dict, settings: dict) -> Network:
    layers = [Layer.make("input", **inputs)]
    if type_ == "input":
        return Network(layers)
    if KINDS[type_].is_merge:  # a merge reads two layers
        layers.append(Layer("relu", id="a"))
        layers.append(Layer(type_, dict(settings), sources=[layers[0], layers[1]]))
    else:
        layers.append(Layer.make(type_, **SETTINGS.get(type_, {}), **settings))
    return Network(layers)


def samples(type_: str) -> list:
    """Valid small networks holding a layer of ``type_``: one per input form it takes and per option
    of each of its choice settings."""
    variants = [{}] + [{key.name: option} for key in KINDS[type_].keys if key.value_type == "choice"
                       for option in key.choices if option != key.default]
    found = []
    for inputs in INPUTS:
        for settings in variants:
            network = _network(type_, inputs, settings)
            if not network.report().problems:
                found.append(network)
    assert found, f"no sample network of {type_!r} is valid"
    return found


def _zeros(network) -> dict:
    return {k: np.zeros(s, np.float32) for k, s in expected_arrays(network).items()}


def _engine(type_):
    from designer.engine.layers import LAYER_CLASSES
    assert type_ in LAYER_CLASSES, (f"the engine's registry designer.engine.layers.LAYER_CLASSES has no "
                                    f"class for {type_!r}: define a Layer subclass with type = {type_!r}")


def _pytorch(type_):
    from designer.export.pytorch import pytorch_source
    for network in samples(type_):
        assert "class" in pytorch_source(network), f"the PyTorch exporter writes no module for {type_!r}"


def _onnx(type_):
    pytest.importorskip("onnx")
    from designer.export.onnx import onnx_model
    for network in samples(type_):
        onnx_model(network, _zeros(network))


def _importer(type_):
    pytest.importorskip("onnx")
    from designer.export.onnx import onnx_model
    from designer.onnx_import.mapping import NOT_IMPORTABLE, OPERATORS
    written = set()
    for network in samples(type_):
        written |= {node.op_type for node in onnx_model(network, _zeros(network)).graph.node}
    missing = sorted(written - set(OPERATORS))
    if type_ in NOT_IMPORTABLE:
        assert NOT_IMPORTABLE[type_].strip(), f"designer.onnx_import.mapping.NOT_IMPORTABLE gives no reason for {type_!r}"
        assert missing, (f"{type_!r} is declared not importable (designer.onnx_import.mapping.NOT_IMPORTABLE), "
                         f"but the importer registers every operator its export writes: remove it from there")
    else:
        assert not missing, (
            f"the ONNX importer's registry designer.onnx_import.mapping.OPERATORS lacks {', '.join(missing)}, "
            f"which the ONNX export writes for {type_!r}: register a handler (@maps) or the pattern folding "
            f"reads it in (read_in_patterns), or say why in NOT_IMPORTABLE")


def _ui(type_):
    from designer.ui.kinds import UI_KINDS, new_layer
    assert type_ in UI_KINDS, (f"the UI's registry designer.ui.kinds.UI_KINDS has no entry for {type_!r} "
                               f"(its glyph, and the settings a new one starts with)")
    new_layer(type_)  # the settings a kind needs (a conv's filters) are filled in


def _colours(type_):
    from designer.ui.kinds import FAMILY_COLOURS
    family = KINDS[type_].family
    assert family in FAMILY_COLOURS, (f"designer.ui.kinds.FAMILY_COLOURS has no colour for the family "
                                      f"{family!r} of {type_!r}")


REGISTRIES = {"engine": _engine, "pytorch export": _pytorch, "onnx export": _onnx, "onnx import": _importer,
              "ui": _ui, "ui colours": _colours}


@pytest.mark.parametrize("registry,type_", [(r, t) for r in REGISTRIES for t in KINDS])
def test_every_registry_covers_every_kind(registry, type_):
    REGISTRIES[registry](type_)


def test_no_registry_names_a_kind_the_catalogue_lacks():
    """A kind renamed or removed in the catalogue leaves no entry behind in any registry."""
    from designer.engine.layers import LAYER_CLASSES
    from designer.ui.kinds import UI_KINDS
    from designer.onnx_import.mapping import NOT_IMPORTABLE
    tables = {"designer.engine.layers.LAYER_CLASSES": LAYER_CLASSES, "designer.ui.kinds.UI_KINDS": UI_KINDS,
              "designer.onnx_import.mapping.NOT_IMPORTABLE": NOT_IMPORTABLE}
    for name, table in tables.items():
        assert set(table) <= set(KINDS), f"{name} names kinds the catalogue lacks: {sorted(set(table) - set(KINDS))}"


def test_the_importers_refusals_list_the_operators_of_its_registry():
    """The list of imported operators that a refusal prints is the registry's: every listed
    operator (ReduceMax too, which a hand-kept list had left out), none of those read only inside a
    pattern (Greater), written only by folding (Maxout) or refused (ONNX's Sign, 0 at 0)."""
    pytest.importorskip("onnx")
    from designer.onnx_import.mapping import OPERATORS, supported
    text = supported()
    listed = [entry.listed for entry in OPERATORS.values() if entry.listed]
    assert all(name in text for name in listed) and {"ReduceMax", "Reshape to (N, -1)"} <= set(listed)
    assert "Sign" not in listed and "Maxout" not in text and "Greater" not in text and "Where" not in text
    assert all(entry.pattern for entry in OPERATORS.values() if entry.handler is None)
