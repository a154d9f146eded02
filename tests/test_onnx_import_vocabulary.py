"""Each mapping of the modern CNNs' operators computes what onnxruntime computes, on inputs that
reach its edge cases (zeros, ties, negatives, hard-swish's kinks at ±3), and becomes the layer it
should; what the designer cannot compute is one sentence naming the node."""
from __future__ import annotations

import numpy as np
import pytest
from onnx_graphs_support import F, I64, N, W, assert_imports_equal, refusal, save

VOLUME, VECTOR, SQUARE = (1, 4, 6, 6), (1, 6), (1, 4, 4, 4)


def _types(imported):
    return [layer.type for layer in imported.network.layers][1:]


# name -> (nodes, initializers, input shape, opset, the layer types it becomes)
CASES = {
    "Clip 0..6 is relu6": ([N("Clip", ["x", "lo", "hi"], ["y"])], [F("lo", 0.0), F("hi", 6.0)], VOLUME, 13, ["relu6"]),
    "Clip -1..2 is hardtanh": ([N("Clip", ["x", "lo", "hi"], ["y"])], [F("lo", -1.0), F("hi", 2.0)], VOLUME, 13,
                               ["hardtanh"]),
    "Clip from 0 only is relu": ([N("Clip", ["x", "lo"], ["y"])], [F("lo", 0.0)], VECTOR, 13, ["relu"]),
    "Clip with attributes (opset 6)": ([N("Clip", ["x"], ["y"], min=-0.5, max=1.5)], [], VOLUME, 6, ["hardtanh"]),
    "HardSigmoid as PyTorch's": ([N("HardSigmoid", ["x"], ["y"], alpha=1 / 6, beta=0.5)], [], VOLUME, 13,
                                 ["hardsigmoid"]),
    "HardSwish": ([N("HardSwish", ["x"], ["y"])], [], VOLUME, 14, ["hardswish"]),
    "x·HardSigmoid(x) before opset 14": (
        [N("HardSigmoid", ["x"], ["g"], alpha=1 / 6, beta=0.5), N("Mul", ["x", "g"], ["y"])], [], VOLUME, 13,
        ["hardswish"]),
    "x·Sigmoid(x)": ([N("Sigmoid", ["x"], ["s"]), N("Mul", ["s", "x"], ["y"])], [], VOLUME, 13, ["silu"]),
    "Gelu (opset 20)": ([N("Gelu", ["x"], ["y"])], [], VOLUME, 20, ["gelu"]),
    "Gelu tanh (opset 20)": ([N("Gelu", ["x"], ["y"], approximate="tanh")], [], VOLUME, 20, ["gelu"]),
    "GELU as PyTorch writes it": (
        [N("Div", ["x", "r2"], ["d"]), N("Erf", ["d"], ["e"]), N("Add", ["e", "one"], ["a"]),
         N("Mul", ["x", "a"], ["m"]), N("Mul", ["m", "half"], ["y"])],
        [F("r2", np.sqrt(2.0)), F("one", 1.0), F("half", 0.5)], VOLUME, 17, ["gelu"]),
    "GELU as (x/2)·(1 + erf(x·(1/√2)))": (
        [N("Mul", ["x", "k"], ["d"]), N("Erf", ["d"], ["e"]), N("Add", ["one", "e"], ["a"]),
         N("Mul", ["half", "x"], ["h"]), N("Mul", ["h", "a"], ["y"])],
        [F("k", 1 / np.sqrt(2.0)), F("one", 1.0), F("half", 0.5)], VECTOR, 17, ["gelu"]),
    "GELU's tanh formula": (
        [N("Pow", ["x", "three"], ["c"]), N("Mul", ["c", "kappa"], ["kc"]), N("Add", ["x", "kc"], ["i"]),
         N("Mul", ["i", "beta"], ["s"]), N("Tanh", ["s"], ["t"]), N("Add", ["t", "one"], ["a"]),
         N("Mul", ["x", "a"], ["m"]), N("Mul", ["m", "half"], ["y"])],
        [F("three", 3.0), F("kappa", 0.044715), F("beta", np.sqrt(2 / np.pi)), F("one", 1.0), F("half", 0.5)],
        VOLUME, 17, ["gelu"]),
    "LogSoftmax of a vector": ([N("LogSoftmax", ["x"], ["y"], axis=1)], [], VECTOR, 13, ["log_softmax"]),
    "LogSoftmax over channels": ([N("LogSoftmax", ["x"], ["y"], axis=1)], [], VOLUME, 13, ["log_softmax"]),
    "Mul of two branches": ([N("Relu", ["x"], ["r"]), N("Tanh", ["x"], ["t"]), N("Mul", ["r", "t"], ["y"])], [],
                            VOLUME, 13, ["relu", "tanh", "mul"]),
    "squeeze-and-excitation's gate": (
        [N("GlobalAveragePool", ["x"], ["p"]), N("Sigmoid", ["p"], ["s"]), N("Mul", ["x", "s"], ["y"])], [],
        SQUARE, 13, ["global_pool", "sigmoid", "mul"]),
    "Mul by a (C, 1, 1) constant": ([N("Mul", ["x", "g"], ["y"])], [F("g", [[[2.0]], [[-1.0]], [[0.0]], [[0.5]]])],
                                    SQUARE, 13, ["layer_scale"]),
    "Mul by one value": ([N("Mul", ["x", "g"], ["y"])], [F("g", -1.5)], SQUARE, 13, ["layer_scale"]),
    "Add of a (1, C, 1, 1) constant": ([N("Add", ["x", "b"], ["y"])], [F("b", np.arange(4.0).reshape(1, 4, 1, 1))],
                                       SQUARE, 13, ["scale_shift"]),
    "Mul then Add of per-channel constants": (
        [N("Mul", ["x", "g"], ["m"]), N("Add", ["b", "m"], ["y"])],
        [F("g", np.array([2, -1, 0, .5]).reshape(4, 1, 1)), F("b", np.array([1, 0, -1, 2]).reshape(4, 1, 1))],
        SQUARE, 13, ["scale_shift"]),
    "Mul of a vector by (F,)": ([N("Mul", ["x", "g"], ["y"])], [F("g", np.arange(6.0) - 2)], VECTOR, 13,
                                ["layer_scale"]),
    "uneven zero Pad": ([N("Pad", ["x", "p"], ["y"])], [I64("p", [0, 0, 1, 0, 0, 0, 2, 3])], VOLUME, 13, ["pad"]),
    "Pad of a value": ([N("Pad", ["x", "p", "v"], ["y"])], [I64("p", [0, 0, 1, 1, 0, 0, 1, 1]), F("v", -2.5)],
                       VOLUME, 13, ["pad"]),
    "zero Pad before a max pool on negative data": (
        [N("Pad", ["x", "p"], ["q"]), N("MaxPool", ["q"], ["y"], kernel_shape=[3, 3], strides=[2, 2])],
        [I64("p", [0, 0, 1, 1, 0, 0, 1, 1])], VOLUME, 13, ["pad", "pool"]),
    "Slice of channels": ([N("Slice", ["x", "s", "e", "a"], ["y"])], [I64("s", [1]), I64("e", [3]), I64("a", [1])],
                          VOLUME, 13, ["channel_slice"]),
    "Slice from -2 to the end": ([N("Slice", ["x", "s", "e", "a"], ["y"])],
                                 [I64("s", [-2]), I64("e", [2 ** 62]), I64("a", [1])], VOLUME, 13, ["channel_slice"]),
    "Slice of a vector's features": ([N("Slice", ["x", "s", "e"], ["y"])], [I64("s", [0, 2]), I64("e", [1, 5])],
                                     VECTOR, 13, ["channel_slice"]),
    "Split in two, then Concat swapped": (
        [N("Split", ["x"], ["a", "b"], axis=1, num_outputs=2), N("Concat", ["b", "a"], ["y"], axis=1)], [],
        VOLUME, 18, ["channel_slice", "channel_slice", "concat"]),
    "Split by sizes": ([N("Split", ["x", "sz"], ["a", "b"], axis=1), N("Concat", ["b", "a"], ["y"], axis=1)],
                       [I64("sz", [1, 3])], VOLUME, 13, ["channel_slice", "channel_slice", "concat"]),
    "Split of which one part is read": (
        [N("Split", ["x", "sz"], ["a", "b", "c"], axis=1), N("Relu", ["b"], ["y"])], [I64("sz", [1, 2, 1])],
        VOLUME, 13, ["channel_slice", "relu"]),
    "channel shuffle, 2 groups": (
        [N("Reshape", ["x", "g"], ["r"]), N("Transpose", ["r"], ["t"], perm=[0, 2, 1, 3, 4]),
         N("Reshape", ["t", "back"], ["y"])], [I64("g", [1, 2, 3, 6, 6]), I64("back", [1, 6, 6, 6])],
        (1, 6, 6, 6), 13, ["channel_shuffle"]),
    "channel shuffle, 3 groups": (
        [N("Reshape", ["x", "g"], ["r"]), N("Transpose", ["r"], ["t"], perm=[0, 2, 1, 3, 4]),
         N("Reshape", ["t", "back"], ["y"])], [I64("g", [0, 3, 2, 6, 6]), I64("back", [0, -1, 6, 6])],
        (1, 6, 6, 6), 13, ["channel_shuffle"]),
    "LayerNormalization of a vector": ([N("LayerNormalization", ["x", "s", "b"], ["y"], epsilon=1e-3)],
                                       [F("s", np.linspace(.5, 2, 6)), F("b", np.linspace(-1, 1, 6))], VECTOR, 17,
                                       ["layer_norm"]),
    "LayerNorm written out (before opset 17)": (
        [N("ReduceMean", ["x"], ["mu"], axes=[-1]), N("Sub", ["x", "mu"], ["d"]), N("Pow", ["d", "two"], ["sq"]),
         N("ReduceMean", ["sq"], ["var"], axes=[-1]), N("Add", ["var", "eps"], ["ve"]), N("Sqrt", ["ve"], ["sd"]),
         N("Div", ["d", "sd"], ["n"]), N("Mul", ["n", "s"], ["m"]), N("Add", ["m", "b"], ["y"])],
        [F("two", 2.0), F("eps", 1e-5), F("s", np.linspace(.5, 2, 6)), F("b", np.linspace(-1, 1, 6))], VECTOR, 13,
        ["layer_norm"]),
    "ConvNeXt's LayerNorm2d": (
        [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]), N("LayerNormalization", ["t", "s", "b"], ["n"]),
         N("Transpose", ["n"], ["y"], perm=[0, 3, 1, 2])],
        [F("s", [1, 2, .5, 1.5]), F("b", [0, .1, -.1, .2])], VOLUME, 17, ["layer_norm"]),
    "ConvNeXt's block, channels last": (
        [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]), N("LayerNormalization", ["t", "s", "b"], ["n"]),
         N("MatMul", ["n", "w1"], ["m1"]), N("Add", ["b1", "m1"], ["a1"]), N("Relu", ["a1"], ["r"]),
         N("MatMul", ["r", "w2"], ["m2"]), N("Add", ["m2", "b2"], ["a2"]), N("Mul", ["a2", "gamma"], ["g"]),
         N("Transpose", ["g"], ["y"], perm=[0, 3, 1, 2])],
        [F("s", [1, 2, .5, 1.5]), F("b", [0, .1, -.1, .2]), W("w1", 4, 8), W("b1", 8), W("w2", 8, 4), W("b2", 4),
         F("gamma", [.5, -1, 2, 1e-3])], VOLUME, 17, ["layer_norm", "conv", "relu", "conv", "layer_scale"]),
    "dilated Conv": ([N("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], dilations=[2, 1], pads=[2, 1, 2, 1])],
                     [W("w", 3, 4, 3, 3)], VOLUME, 13, ["conv"]),
    "depthwise Conv": ([N("Conv", ["x", "w", "bb"], ["y"], kernel_shape=[3, 3], group=4, pads=[1, 1, 1, 1])],
                       [W("w", 4, 1, 3, 3), W("bb", 4)], VOLUME, 13, ["conv"]),
    "AveragePool leaving its padding out": (
        [N("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], count_include_pad=0)], [], VOLUME, 13,
        ["pool"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_mapping_computes_what_onnxruntime_computes(tmp_path, case):
    nodes, inits, shape, opset, types = CASES[case]
    path = save(tmp_path, nodes, inits, in_shape=shape, opset=opset)
    imported = assert_imports_equal(path, shape)
    assert _types(imported) == types


REFUSED = {
    "Clip from above only": ([N("Clip", ["x", "", "hi"], ["y"], name="clip/top")], [F("hi", 3.0)], VOLUME, 13,
                             "clips to [-inf, 3]"),
    "Keras's HardSigmoid": ([N("HardSigmoid", ["x"], ["y"], name="keras/hard_sigmoid")], [], VOLUME, 13, "0.2"),
    "x·Sigmoid(y) of another tensor, y a constant": (
        [N("Sigmoid", ["x"], ["s"]), N("Mul", ["s", "c"], ["y"], name="odd/gate")], [F("c", np.arange(6.0))], VOLUME,
        13, "along W"),
    "a Mul broadcasting along W": (
        [N("Conv", ["x", "w"], ["c"], kernel_shape=[1, 1]), N("MaxPool", ["c"], ["m"], kernel_shape=[4, 1]),
         N("Mul", ["x", "m"], ["y"], name="w/gate")], [W("w", 1, 4, 1, 1)], SQUARE, 13,
        "broadcasts [1, 1, 4] to [4, 4, 4]"),
    "a Mul of a tensor by itself": ([N("Relu", ["x"], ["r"]), N("Mul", ["r", "r"], ["y"], name="square")], [],
                                    VOLUME, 13, "more than once"),
    "an Add of a (C,) constant (along W)": ([N("Add", ["x", "b"], ["y"], name="bias/along_w")], [F("b", [1, 2, 3, 4])],
                                            SQUARE, 13, "along W"),
    "a near-GELU (x/1.5)": (
        [N("Div", ["x", "r"], ["d"]), N("Erf", ["d"], ["e"], name="erf/odd"), N("Add", ["e", "one"], ["a"]),
         N("Mul", ["x", "a"], ["m"]), N("Mul", ["m", "half"], ["y"])],
        [F("r", 1.5), F("one", 1.0), F("half", 0.5)], VOLUME, 17, "divides outside the patterns"),
    "reflect Pad": ([N("Pad", ["x", "p"], ["y"], name="pad/reflect", mode="reflect")],
                    [I64("p", [0, 0, 1, 1, 0, 0, 1, 1])], VOLUME, 13, "reflect mode"),
    "Pad of the channels": ([N("Pad", ["x", "p"], ["y"], name="pad/channels")],
                            [I64("p", [0, 1, 0, 0, 0, 0, 0, 0])], VOLUME, 13, "height and width"),
    "Slice of the height": ([N("Slice", ["x", "s", "e", "a"], ["y"], name="slice/h")],
                            [I64("s", [1]), I64("e", [3]), I64("a", [2])], VOLUME, 13, "axes [2]"),
    "Slice with a step": ([N("Slice", ["x", "s", "e", "a", "st"], ["y"], name="slice/step")],
                          [I64("s", [0]), I64("e", [4]), I64("a", [1]), I64("st", [2])], VOLUME, 13, "step 1"),
    "Split of the width": ([N("Split", ["x"], ["a", "b"], name="split/w", axis=3), N("Add", ["a", "b"], ["y"])], [],
                           VOLUME, 13, "axis 3"),
    "LayerNormalization over C·H·W": (
        [N("LayerNormalization", ["x", "s"], ["y"], name="ln/all", axis=1)], [F("s", np.ones((4, 6, 6)))], VOLUME, 17,
        "normalises"),
    "a shuffle-like Transpose of other axes": (
        [N("Reshape", ["x", "g"], ["r"]), N("Transpose", ["r"], ["t"], name="not/shuffle", perm=[0, 1, 2, 4, 3]),
         N("Reshape", ["t", "back"], ["y"])], [I64("g", [1, 2, 3, 6, 6]), I64("back", [1, 6, 6, 6])], (1, 6, 6, 6),
        13, '"not/shuffle"'),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_what_no_layer_computes_is_refused_naming_the_node(tmp_path, case):
    nodes, inits, shape, opset, words = REFUSED[case]
    message = refusal(save(tmp_path, nodes, inits, in_shape=shape, opset=opset))
    named = [n.name for n in nodes if f'"{n.name}"' in message]
    assert named and words in message, message


def test_a_channels_last_region_closed_by_another_transpose_is_not_folded(tmp_path):
    """Only Transpose(0, 3, 1, 2) puts the channels back first; a region ending in another
    permutation (here one that also swaps H and W) is left as it is, and refused."""
    nodes = [N("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]), N("Relu", ["t"], ["r"]),
             N("Transpose", ["r"], ["y"], name="other/Transpose", perm=[0, 3, 2, 1])]
    message = refusal(save(tmp_path, nodes, [], in_shape=(1, 4, 4, 4)))  # H = W: shapes alone agree
    assert "(Transpose)" in message
