"""Text: counts in words, sizes beyond gigabytes, the arithmetic of a window larger than
its input, the sentence for a conv after a vector, and explain on the terminal."""
from __future__ import annotations

import json

import numpy as np
from cli_support import run

from designer.engine.data import Dataset
from designer.learn.shape import explain
from designer.model import KINDS, loads
from designer.model.words import human_bytes, plural


def net(*layers):
    return loads(json.dumps({"format": "nn-designer", "version": 1, "layers": list(layers)}))


def test_counts_of_one_are_singular():
    assert plural(1, "unit") == "1 unit" and plural(2, "unit") == "2 units"
    assert plural(1, "class", "classes") == "1 class" and plural(1000, "class", "classes", grouped=True) == "1,000 classes"
    assert KINDS["dense"].brief({"units": 1, "bias": True}) == "1 unit"
    one = Dataset("one", np.zeros((3, 2), np.float32), np.zeros(3, np.int64), None, "t")
    assert one.describe() == "3 samples of vectors of 2 features, 1 class"


def test_sizes_beyond_gigabytes_have_their_unit():
    assert human_bytes(106544 * 2 ** 30) == "104.0 TB"
    assert human_bytes(2 ** 30 * 1.5) == "1.5 GB" and human_bytes(3 * 2 ** 60) == "3.0 EB"
    from designer.model.npz_headers import human_bytes as in_refusals
    assert in_refusals is human_bytes  # the npz refusals say sizes the same way


def test_a_kernel_larger_than_its_input_shows_the_real_arithmetic_then_the_error():
    network = net({"type": "input", "width": 28, "height": 28, "depth": 1},
                  {"type": "conv", "filters": 4, "kernel": 50, "padding": 2})
    info = network.report().layers[1]
    assert "⌊(28−50+2·2)/1⌋+1 = −17" in info.formula
    assert any("larger than the padded input" in e for e in info.errors)
    text = explain(network, 1).text
    assert "⌊(28 − 50 + 2·2)/1⌋ + 1 = ⌊−18⌋ + 1 = −17 < 1: the window does not fit" in text
    assert "larger than the padded input" in text


def test_a_conv_after_a_vector_input_is_not_blamed_on_a_flatten_or_dense_layer():
    network = net({"type": "input", "features": 784}, {"type": "conv", "filters": 4, "kernel": 3})
    error = network.report().layers[1].errors[0]
    assert "comes after a flatten or dense layer" not in error
    assert "its input is the vector 784" in error and "width, height and depth" in error


def test_explain_on_the_terminal_does_not_point_at_a_canvas(capsys, tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "width": 8, "height": 8, "depth": 1}, {"type": "conv", "filters": 2, "kernel": 20},
        {"type": "pool", "size": 2}]}))
    code, out, err = run(capsys, "explain", path, "2")
    assert code == 0 and "canvas" not in out and "red" not in out
    assert "layer #1 (conv) has an error (nn-designer summary shows it)" in out
