"""Refusals say what is really wrong: the node's whole name, an opset-11 Softmax's meaning of its
axis, a Pad's mode. A Pad of another value, or of zeros before a max pool on data that can be
negative, is a pad layer that computes it exactly (once refused as an operator the designer
cannot represent)."""
from __future__ import annotations

import pytest
from onnx import helper
from onnx_graphs_support import F, I64, N, assert_imports_equal, refusal, refused_or_equal, save

LONG = "/features/features.0/features.0.2/HardSwish_with_a_name_longer_than_forty_characters/Transpose"


def test_a_refusal_names_the_node_whole(tmp_path):
    path = save(tmp_path, [N("Transpose", ["x"], ["y"], name=LONG, perm=[0, 1, 3, 2])], [])
    message = refusal(path)
    assert f'"{LONG}"' in message and "…" not in message


def test_a_refusal_names_an_unnamed_nodes_tensor_whole(tmp_path):
    tensor = "t" * 90
    path = save(tmp_path, [helper.make_node("Transpose", ["x"], [tensor], perm=[0, 1, 3, 2]), N("Relu", [tensor], ["y"])], [])
    assert f'"{tensor}"' in refusal(path)


@pytest.mark.parametrize("opset", [11, 12])
def test_an_opset_11_softmax_over_a_volume_says_it_is_over_c_h_w(tmp_path, opset):
    path = save(tmp_path, [N("Softmax", ["x"], ["y"], name="head/Softmax", axis=1)], [], opset=opset)
    message = refusal(path)
    assert '"head/Softmax"' in message and f"opset-{opset}" in message and "C·H·W" in message


def test_an_opset_11_softmax_that_is_the_designers_imports(tmp_path):
    for shape, attrs in (((1, 6), {"axis": 1}), ((1, 6), {}), ((1, 5, 1, 1), {"axis": 1})):
        path = save(tmp_path, [N("Softmax", ["x"], ["y"], **attrs)], [], in_shape=shape, opset=11)
        imported = assert_imports_equal(path, shape)
        assert imported.network.layers[-1].type == "softmax"


def test_an_opset_11_softmax_over_the_batch_is_refused(tmp_path):
    path = save(tmp_path, [N("Softmax", ["x"], ["y"], name="s", axis=0)], [], in_shape=(1, 6), opset=11)
    assert "N·features" in refusal(path)


def _pad_conv(mode="constant", value=None):
    inputs = ["x", "pads"] + (["v"] if value is not None else [])
    nodes = [N("Pad", inputs, ["p"], name="stem/Pad", mode=mode),
             N("Conv", ["p", "w"], ["y"], kernel_shape=[3, 3])]
    inits = [I64("pads", [0, 0, 1, 1, 0, 0, 1, 1]), F("w", [[[[0.1] * 3] * 3] * 4] * 2)]
    return nodes, inits + ([F("v", value)] if value is not None else [])


@pytest.mark.parametrize("mode", ["reflect", "edge"])
def test_a_pad_that_is_not_zeros_names_its_mode(tmp_path, mode):
    path = save(tmp_path, *_pad_conv(mode))
    message = refusal(path)
    assert '"stem/Pad"' in message and f"{mode} mode" in message


@pytest.mark.parametrize("value", [1.5, -3.0])
def test_a_pad_with_another_value_is_a_pad_layer_of_it(tmp_path, value):
    imported = assert_imports_equal(save(tmp_path, *_pad_conv(value=value)), (1, 4, 9, 9))
    assert [layer.type for layer in imported.network.layers] == ["input", "pad", "conv"]
    assert imported.network.layers[1].resolved()["value"] == value


def test_a_zero_pad_before_a_max_pool_on_data_that_can_be_negative_says_so(tmp_path):
    nodes = [N("Pad", ["x", "pads"], ["p"], name="pool/Pad"), N("MaxPool", ["p"], ["y"], kernel_shape=[3, 3])]
    path = save(tmp_path, nodes, [I64("pads", [0, 0, 1, 1, 0, 0, 1, 1])])
    # a pad layer, then the pool, computes it exactly; without one, the refusal says why
    refused_or_equal(path, (1, 4, 9, 9), '"pool/Pad"', "negative")


def test_a_zero_pad_before_a_conv_still_folds(tmp_path):
    imported = assert_imports_equal(save(tmp_path, *_pad_conv(value=0.0)), (1, 4, 9, 9))
    assert [layer.type for layer in imported.network.layers] == ["input", "conv"]


def test_a_reshape_whose_zero_copies_an_axis_the_input_lacks_is_one_sentence(tmp_path):
    """A 0 in a Reshape's target copies that axis of the input; past the input's axes there is
    none (found by mutating our own exports: it raised IndexError)."""
    nodes = [N("Relu", ["x"], ["r"]), N("Reshape", ["r", "target"], ["y"], name="odd/Reshape")]
    path = save(tmp_path, nodes, [I64("target", [0, 0, 0, 0, 0])], outputs=[("y", ["N", 324])], opset=17)
    assert '"odd/Reshape"' in refusal(path)
