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
    assert "has no conv, pool, dense or merge layer; name a layer" in one_line_error(capsys, "explain", path)


def test_merges_global_pool_grouped_conv_and_ceil_pool(capsys, tmp_path):
    design = {"format": "nn-designer", "version": 2, "layers": [
        {"type": "input", "id": "x", "width": 13, "height": 13, "depth": 8},
        {"type": "conv", "filters": 12, "kernel": 3, "padding": 1, "groups": 4, "id": "a"},
        {"type": "conv", "inputs": ["x"], "filters": 4, "kernel": 1, "id": "b"},
        {"type": "concat", "inputs": ["a", "b"]},
        {"type": "pool", "size": 3, "stride": 2, "ceil": True},
        {"type": "conv", "filters": 16, "kernel": 1, "id": "c"},
        {"type": "add", "inputs": ["c", 4]},
        {"type": "global_pool", "mode": "avg"}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(design))
    code, out, _ = run(capsys, "explain", path)
    assert code == 0
    titles = [line.split(":")[0] for line in out.splitlines() if line.startswith("#")]
    assert titles == ["#1 conv", "#2 conv", "#3 concat", "#4 pool", "#5 conv", "#6 add", "#7 global_pool"]
    # grouped conv: each filter sees D₁/G channels
    assert "D₁/G = 8/4 = 2, F/G = 12/4 = 3" in out
    assert "(K·K·D₁/G + 1)·F = (3·3·2 + 1)·12 = 228" in out
    # concat: depths added; its inputs by layer
    assert "#3 concat: 13×13×12 + 13×13×4 → 13×13×16" in out and "D₂ = 12 + 4 = 16" in out
    # ceil mode: ⌈(13 − 3)/2⌉ + 1 = 6, no remainder dropped
    assert "W₂ = ⌈(13 − 3 + 2·0)/2⌉ + 1 = ⌈5⌉ + 1 = 6" in out and "never covered" not in out
    assert "#6 add: 6×6×16 + 6×6×16 → 6×6×16" in out and "summed value by value" in out
    assert "W₂ = H₂ = 1, D₂ = D₁ = 16" in out and "each 6×6 feature map becomes one value, its mean" in out


def test_a_ceil_pool_whose_last_window_is_dropped(capsys, tmp_path):
    design = {"format": "nn-designer", "version": 2, "layers": [
        {"type": "input", "width": 5, "height": 5, "depth": 1},
        {"type": "pool", "size": 2, "stride": 2, "padding": 1, "ceil": True}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(design))
    code, out, _ = run(capsys, "explain", path, "1")
    # ⌈(5 − 2 + 2)/2⌉ + 1 = 4, but the 4th window would start at 6 ≥ 5 + 1: PyTorch gives 3
    assert code == 0 and "⌈2.5⌉ + 1 = 4 − 1 = 3" in out and "it would start at 6 ≥ 5 + 1" in out


def test_a_mismatched_add_is_explained_with_the_fix(capsys, tmp_path):
    design = {"format": "nn-designer", "version": 2, "layers": [
        {"type": "input", "id": "x", "width": 8, "height": 8, "depth": 4},
        {"type": "conv", "filters": 8, "kernel": 3, "stride": 2, "padding": 1},
        {"type": "add", "inputs": [1, "x"]}]}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(design))
    code, out, _ = run(capsys, "explain", path, "2")
    assert code == 0
    assert "#2 add: 4×4×8 + 8×8×4 → ?" in out
    assert "an add needs inputs of exactly the same shape, but #1 is 4×4×8 and #0 is 8×8×4" in out
    assert "a 1×1 conv with 8 filters and stride 2 on the shortcut from #0 would make it 4×4×8" in out
    assert "#1: 4×4×8" in out and "#0: 8×8×4" in out


SEPARABLE = {"format": "nn-designer", "version": 2, "layers": [
    {"type": "input", "width": 8, "height": 8, "depth": 16},
    {"type": "conv", "filters": 16, "kernel": 3, "padding": 1, "groups": 16, "bias": False},
    {"type": "batchnorm"}, {"type": "relu"},
    {"type": "conv", "filters": 32, "kernel": 1, "bias": False},
    {"type": "pad", "right": 1, "bottom": 1},
    {"type": "conv", "filters": 32, "kernel": 3, "stride": 2, "groups": 32, "dilation": 2, "id": "dw"},
    {"type": "global_pool", "mode": "avg"},
    {"type": "mul", "inputs": ["dw", 7]},
    {"type": "channel_slice", "start": 8, "stop": 24},
    {"type": "channel_shuffle", "groups": 4},
    {"type": "pool", "mode": "avg", "size": 3, "padding": 1, "stride": 1, "count_include_pad": False}]}


def test_a_depthwise_conv_is_set_beside_the_full_conv_with_the_ratio(capsys, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(SEPARABLE))
    code, out, _ = run(capsys, "explain", path, "1", "6")
    assert code == 0
    # 3×3 depthwise 16 channels (144) + its pointwise 16 → 32 (512), against one 3×3 conv 16 → 32
    assert "9·16 = 144 parameters, 9·16·8·8 = 9,216 multiply-adds" in out
    assert "its pointwise 1×1 conv #4 (16 → 32)" in out
    assert "(9·16)·32 = 4,608 parameters, 9·16·32·8·8 = 294,912 multiply-adds" in out
    assert "41,984 / 294,912 = 0.142 (1/F + 1/K² = 1/32 + 1/9 = 0.142); parameters 656 / 4,608 = 0.142" in out
    # a depthwise conv with no pointwise conv after it (and dilated: its span K′)
    second = out.split("#6 conv")[1]
    assert "K′ = D·(K − 1) + 1 = 2·(3 − 1) + 1 = 5" in second
    assert "= 1/D₁ = 1/32" in second and "Separable" not in second


def test_the_new_layers_are_explained(capsys, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(SEPARABLE))
    code, out, _ = run(capsys, "explain", path)
    assert code == 0
    titles = [line.split(":")[0] for line in out.splitlines() if line.startswith("#")]
    assert "#5 pad" in titles and "#8 mul" in titles  # explained without being named
    assert "W₂ = 8 + 0 + 1 = 9 and H₂ = 8 + 0 + 1 = 9" in out
    assert "each 1×1×32 input gives one value per channel, which scales that channel at all 3×3 positions" in out
    assert "Padding left out" in out
    code, out, _ = run(capsys, "explain", path, "9", "10")
    assert "Channel slice takes channels 8 to 23: 3×3×32 → 3×3×16" in out
    assert "output channel j·4 + i is input channel i·4 + j" in out
