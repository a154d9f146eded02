"""``nn-designer explain``: the Explain-shape lesson's worked numbers on the terminal."""
from __future__ import annotations

import json

from cli_support import one_line_error, run


def test_alexnet_conv1_by_index_and_fc6_by_name(capsys):
    code, out, _ = run(capsys, "explain", "alexnet", "1", "fc6")
    assert code == 0
    assert out.startswith("#1 conv · conv1: 227×227×3 → 55×55×96\n")
    assert "W₂ = ⌊(227 − 11 + 2·0)/4⌋ + 1 = ⌊54⌋ + 1 = 55" in out
    assert "(K·K·D₁ + 1)·F = (11·11·3 + 1)·96 = 34,944" in out
    assert "#16 dense · fc6: 6×6×256 → 4096" in out and "(9,216 + 1)·4,096 = 37,752,832" in out


def test_without_layers_every_conv_pool_and_dense_layer(capsys):
    code, out, _ = run(capsys, "explain", "lenet5")
    assert code == 0
    titles = [line.split(":")[0] for line in out.splitlines() if line.startswith("#")]
    assert titles == ["#1 conv", "#3 pool", "#4 conv", "#6 pool", "#7 dense", "#9 dense", "#11 dense"]
    assert "(K·K·D₁ + 1)·F = (5·5·6 + 1)·16 = 2,416" in out


def test_a_floored_division_lists_its_fixes(capsys, tmp_path):
    design = {"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "width": 224, "height": 224, "depth": 3},
        {"type": "conv", "filters": 96, "kernel": 11, "stride": 4}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(design))
    code, out, _ = run(capsys, "explain", path, "1")
    assert code == 0 and "⌊53.25⌋ + 1 = 54" in out
    assert "the last 1 column and 1 row are never covered" in out
    assert "an input of 227: (227 − 11 + 2·0)/4 + 1 = 55" in out


def test_bad_layers_are_one_sentence(capsys, tmp_path):
    assert "there is no layer 40: the network has layers 0 to 12" in one_line_error(capsys, "explain", "lenet5", "40")
    assert "no layer is called 'nope'; give an index from 0 to 12" in one_line_error(capsys, "explain", "lenet5", "nope")
    assert "one of the names 'conv1'" in one_line_error(capsys, "explain", "alexnet", "conv9")
    path = tmp_path / "plain.json"
    path.write_text(json.dumps({"format": "nn-designer", "version": 1, "layers": [
        {"type": "input", "features": 3}, {"type": "relu"}]}))
    assert "has no conv, pool or dense layer; name a layer" in one_line_error(capsys, "explain", path)
