"""The architecture JSON: lossless round trip, errors with JSON paths, atomic saves."""
from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest

from designer.model import (ModelError, TEMPLATES, WeightsError, dumps, load, load_model, load_weights,
                            loads, save, save_weights, template_weights)
from designer.model.templates import template_path


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_templates_round_trip_losslessly(name, tmp_path):
    original = json.loads(template_path(name).read_text())
    network = load_model(name)
    path = tmp_path / "m.json"
    save(network, path)
    assert json.loads(path.read_text()) == original
    assert dumps(load(path)) == dumps(network)


def test_name_ui_and_unknown_ui_keys_are_kept():
    doc = {"format": "nn-designer", "version": 1, "name": "mine", "layers": [
        {"type": "input", "width": 8, "height": 8, "name": "pixels", "ui": {"x": 10.5, "y": 3, "future": [1, 2]}},
        {"type": "conv", "filters": 2, "kernel": [3, 1], "padding": "same", "ui": {"collapsed": True}},
    ]}
    network = loads(json.dumps(doc))
    assert network.name == "mine"
    assert network.layers[0].name == "pixels"
    assert json.loads(dumps(network)) == doc


def test_defaults_are_not_written_back():
    network = loads('{"version": 1, "layers": [{"type": "input", "features": 4}, {"type": "dense", "units": 3}]}')
    assert json.loads(dumps(network))["layers"][1] == {"type": "dense", "units": 3}


def _err(text: str) -> str:
    with pytest.raises(ModelError) as info:
        loads(text)
    return str(info.value)


def doc(*layers, **top) -> str:
    d = {"format": "nn-designer", "version": 1, "layers": list(layers) or [{"type": "input", "features": 2}]}
    d.update(top)
    return json.dumps(d)


def test_misspelt_type_gets_a_path_and_did_you_mean():
    msg = _err(doc({"type": "input", "features": 2}, {"type": "relu"}, {"type": "relu"},
                   {"type": "convv", "filters": 3}))
    assert msg == 'layers[3].type: unknown layer type "convv"; did you mean "conv"?'


@pytest.mark.parametrize("text,expected", [
    (doc(extra=1), 'extra: unknown top-level key "extra"'),
    (doc(layer=[]), 'did you mean "layers"'),
    (doc(**{"odd\nkey": 1}), '["odd\\nkey"]: unknown top-level key "odd\\nkey"'),
    (doc({"type": "input", "features": 2}, {"type": "relu", "x y": 1}), 'layers[1]["x y"]: unknown key "x y"'),
    (json.dumps({"layers": [{"type": "input"}]}), "version: the file does not say its version"),
    (doc(version=3), "version: the file is version 3, newer than this NN Designer reads"),
    (doc(version="1"), "version: the version must be a whole number"),
    (doc(format="keras"), "format: this is not an NN Designer model"),
    (doc(name=5), "name: the name must be a string"),
    (json.dumps({"version": 1}), "layers: the model has no layers list"),
    (doc(layers=[]), "layers: the network has no layers"),
    (doc(layers={}), "layers: layers must be a list"),
    (doc({"type": "input", "features": 2}, {"units": 3}), 'layers[1]: the layer has no "type"'),
    (doc({"type": "input", "features": 2}, "dense"), "layers[1]: a layer is an object"),
    (doc({"type": "input", "features": 2}, {"type": 7}), "layers[1].type: the type must be a string"),
    (doc({"type": "input", "features": 2}, {"type": "dense"}), 'layers[1].units: a dense layer needs "units"'),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": "ten"}), "layers[1].units: must be a whole number"),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": 0}), "layers[1].units: must be at least 1"),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": 10**30}), "layers[1].units: must be at most"),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": 3, "unitz": 2}), 'layers[1].unitz: unknown key "unitz" for a dense layer; did you mean "units"?'),
    (doc({"type": "input", "features": 2}, {"type": "dropout", "rate": 1.5}), "layers[1].rate: must be at most"),
    (doc({"type": "input", "features": 2}, {"type": "pool", "mode": "min"}), 'layers[1].mode: must be one of "max", "avg", "l2"'),
    (doc({"type": "input", "width": 4, "height": 4}, {"type": "conv", "filters": 1, "padding": "valid"}), 'layers[1].padding: must be a number or a pair [h, w] or "same"'),
    (doc({"type": "input", "width": 4, "height": 4}, {"type": "conv", "filters": 1, "kernel": [1, 2, 3]}), "layers[1].kernel: must be a number or a pair"),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": 2, "bias": 1}), "layers[1].bias: must be true or false"),
    (doc({"type": "input", "features": 2}, {"type": "dense", "units": 2, "ui": []}), "layers[1].ui: ui must be an object"),
    ('{"version": 1, "layers": [{"type": "input", "features": 2}, {"type": "elu", "alpha": NaN}]}', "layers[1].alpha: must be a finite number, not nan"),
    ('{"version": 1, "layers": [{"type": "input", "features": 2}, {"type": "elu", "alpha": 1e999}]}', "layers[1].alpha: must be a finite number"),
    ('{"version": 1, "layers": [{"type": "input", "features": 2}', "the JSON is broken at line 1"),
    ("[1, 2]", "a model file holds a JSON object, not a list"),
    ("[" * 100000, "nested too deeply"),
])
def test_damaged_models_give_one_sentence_with_the_path(text, expected):
    msg = _err(text)
    assert expected in msg
    assert "\n" not in msg and "Traceback" not in msg


def test_load_names_the_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"version": 1, "layers": [')
    with pytest.raises(ModelError, match=r"broken\.json: the JSON is broken at line 1"):
        load(path)
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ModelError, match="not a text file"):
        load(path)
    with pytest.raises(ModelError, match="no such file"):
        load(tmp_path / "missing.json")
    with pytest.raises(ModelError, match="is a folder"):
        load(tmp_path)
    with pytest.raises(ModelError, match='no such file or template; did you mean "lenet5"'):
        load_model("lenet")


def test_a_file_without_a_name_takes_its_file_name(tmp_path):
    path = tmp_path / "tiny-net.json"
    path.write_text(doc())
    assert load(path).name == "tiny-net"


def test_save_is_atomic_and_never_damages_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    save(load_model("lenet5"), path)
    before = path.read_bytes()

    def crash(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError):
        save(load_model("alexnet"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary left behind


def test_mlp_example_ships_its_starting_weights():
    network = load_model("mlp-example")
    arrays = load_weights(template_weights("mlp-example"), network)
    np.testing.assert_array_equal(arrays["1.weight"], [[0.2, -0.1, 0.4], [0.7, -1.2, 1.2]])
    np.testing.assert_array_equal(arrays["3.weight"], [[1.1, 0.1], [3.1, 1.17]])
    assert arrays["1.weight"].dtype == np.float64


def test_weights_file_errors_name_the_key(tmp_path):
    network = load_model("perceptron")
    good = {"1.weight": np.zeros((1, 2), np.float32), "1.bias": np.zeros(1, np.float32)}
    path = tmp_path / "w.npz"
    save_weights(path, good)
    assert set(load_weights(path, network)) == {"1.weight", "1.bias"}
    for arrays, expected in [
        ({"1.weight": good["1.weight"]}, 'key "1.bias" is missing'),
        ({**good, "2.weight": good["1.bias"]}, 'key "2.weight" is not a weight of this network'),
        ({**good, "1.weight": np.zeros((2, 1), np.float32)}, 'key "1.weight" has shape [2, 1], but the network needs [1, 2]'),
        ({**good, "1.bias": np.array([np.nan], np.float32)}, 'key "1.bias" holds NaN'),
    ]:
        save_weights(path, arrays)
        with pytest.raises(WeightsError, match=re.escape(expected)):
            load_weights(path, network)
    path.write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(WeightsError, match=r"w\.npz: is not a readable \.npz"):
        load_weights(path, network)


def test_lenet5_weights_layout_matches_pytorch():
    from designer.model import expected_arrays
    shapes = expected_arrays(load_model("lenet5"))
    assert shapes["1.weight"] == (6, 1, 5, 5) and shapes["4.weight"] == (16, 6, 5, 5)
    assert shapes["7.weight"] == (120, 400) and shapes["11.bias"] == (10,)
