"""The files that once imported with wrong numbers and no word: a (C,) constant after a 4-D
batchnorm (ONNX broadcasts it along W, not per channel), ONNX's Sign (0 at 0, ours -1), a
batchnorm exported in training mode (and, the same class, a Dropout in training mode). Each is refused in one sentence naming the node, or imports
and equals onnxruntime on inputs where the difference would show."""
from __future__ import annotations

import numpy as np
import pytest
from onnx import numpy_helper
from onnx_graphs_support import F, N, assert_imports_equal, refusal, refused_or_equal, save

from designer.onnx_import import import_onnx

BN = [F("s", [1, 2, 0.5, 1.5]), F("b", [0, .1, -.1, .2]), F("m", [.1, .2, .3, 0]), F("v", [1, .5, 2, 1.5])]
# H = W = C = 4, so a (C,) or (C, 1) constant broadcasts validly along W or H as well as per channel
SQUARE = (1, 4, 4, 4)


def _bn(out="n"):
    return N("BatchNormalization", ["x", "s", "b", "m", "v"], [out], name="bn")


# the constant's shape -> whether ONNX applies it per channel of an (N, C, H, W) tensor
SHAPES = {"(C,)": ((4,), False), "(1, C)": ((1, 4), False), "(1, 1, 1, C)": ((1, 1, 1, 4), False),
          "(C, 1)": ((4, 1), False), "(C, 1, 1)": ((4, 1, 1), True), "(1, C, 1, 1)": ((1, 4, 1, 1), True)}


@pytest.mark.parametrize("op", ["Mul", "Add"])
@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_constant_after_a_4d_batchnorm_is_per_channel_only_when_onnx_broadcasts_it_so(tmp_path, op, shape):
    dims, per_channel = SHAPES[shape]
    value = F("k", np.array([2, -1, 0.5, 3], np.float32).reshape(dims))
    nodes = [_bn(), N("Mul", ["n", "one"], ["t"], name="scale") if op == "Add" else N("Mul", ["n", "k"], ["y"], name="scale")]
    inits = BN + [value]
    if op == "Add":
        nodes.append(N("Add", ["t", "k"], ["y"], name="shift"))
        inits.append(F("one", np.array([1, 2, 3, 4], np.float32).reshape(4, 1, 1)))
    path = save(tmp_path, nodes, inits, in_shape=SQUARE)
    if per_channel:
        imported = assert_imports_equal(path, SQUARE)
        # Caffe's Scale (Mul and Add) folds into the batchnorm; a Mul alone is a layer scale
        assert [layer.type for layer in imported.network.layers][1:] == \
            (["batchnorm"] if op == "Add" else ["batchnorm", "layer_scale"])
        return
    # refused naming the node, or (a layer that computes ONNX's broadcast along W) equal
    refused_or_equal(path, SQUARE, '"scale"' if op == "Mul" else '"shift"')


def test_a_features_constant_after_a_2d_batchnorm_is_per_feature(tmp_path):
    nodes = [_bn(), N("Mul", ["n", "k"], ["t"]), N("Add", ["t", "h"], ["y"])]
    path = save(tmp_path, nodes, BN + [F("k", [2, -1, 0.5, 3]), F("h", [0.3, 0, -0.2, 1])], in_shape=(1, 4))
    imported = assert_imports_equal(path, (1, 4))
    assert [layer.type for layer in imported.network.layers] == ["input", "batchnorm"]


def test_onnx_sign_which_gives_zero_at_zero_is_refused_naming_the_node(tmp_path):
    path = save(tmp_path, [N("Relu", ["x"], ["r"]), N("Sign", ["r"], ["y"], name="features/Sign_17")], [])
    message = refusal(path)
    assert '"features/Sign_17"' in message and "0" in message


def test_where_greater_is_the_designers_sign_exactly_even_at_zero(tmp_path):
    nodes = [N("Greater", ["x", "zero"], ["g"]), N("Where", ["g", "plus", "minus"], ["y"], name="step")]
    path = save(tmp_path, nodes, [F("zero", 0.0), F("plus", 1.0), F("minus", -1.0)], in_shape=(1, 6))
    imported = assert_imports_equal(path, (1, 6))
    assert [layer.type for layer in imported.network.layers] == ["input", "sign"]


def test_a_node_named_like_foldings_own_sign_is_not_taken_for_it(tmp_path):
    """Folding's node for Where(x > 0, 1, -1) is no standard op type, so a file's own Sign never
    reaches the designer's sign by the handler they once shared."""
    from designer.onnx_import.folding import SIGN_OP
    from designer.onnx_import.mapping import OPERATORS
    assert SIGN_OP != "Sign" and OPERATORS[SIGN_OP].listed == "" and OPERATORS["Sign"].listed == ""


TRAINING = {
    "training_mode=1 (opset 15)": (dict(training_mode=1), 1, 15),
    "training_mode=1 with its statistics (opset 15)": (dict(training_mode=1), 3, 15),
    "extra outputs (opset 13)": ({}, 5, 13),
    "extra outputs (opset 9)": ({}, 5, 9),
    "is_test=0 (opset 6)": (dict(is_test=0), 1, 6),
}


@pytest.mark.parametrize("case", list(TRAINING))
def test_a_batchnorm_in_training_mode_is_refused(tmp_path, case):
    attrs, outputs, opset = TRAINING[case]
    names = ["y", "rm", "rv", "sm", "sv"][:outputs]
    nodes = [N("BatchNormalization", ["x", "s", "b", "m", "v"], names, name="features/features.1/BatchNorm", **attrs)]
    path = save(tmp_path, nodes, BN, opset=opset, outputs=[("y", [1, 4, 9, 9])])
    message = refusal(path)
    assert '"features/features.1/BatchNorm"' in message and "training mode" in message


def test_a_batchnorm_in_eval_mode_still_imports(tmp_path):
    for opset, attrs in ((15, dict(training_mode=0)), (7, {}), (9, {})):
        path = save(tmp_path, [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], **attrs)], BN, opset=opset)
        assert_imports_equal(path, (1, 4, 9, 9))


@pytest.mark.parametrize("opset,attrs,inputs", [(6, {}, ["x"]), (6, {"is_test": 0}, ["x"]),
                                                (13, {}, ["x", "ratio", "yes"])])
def test_a_dropout_in_training_mode_is_refused(tmp_path, opset, attrs, inputs):
    """Dropout in training mode zeroes values at random; imported as the designer's dropout (the
    identity outside training) its numbers would be other ones."""
    nodes = [N("Dropout", inputs, ["y"], name="classifier/Dropout", **attrs)]
    inits = [F("ratio", 0.5), numpy_helper.from_array(np.array(True), "yes")]
    message = refusal(save(tmp_path, nodes, inits if opset >= 12 else [], opset=opset,
                           outputs=[("y", [1, 4, 9, 9])]))
    assert '"classifier/Dropout"' in message and "training mode" in message


def test_a_dropout_in_eval_mode_still_imports(tmp_path):
    for opset, attrs, inputs in ((6, {"is_test": 1}, ["x"]), (13, {}, ["x", "ratio", "no"]), (9, {}, ["x"])):
        nodes = [N("Dropout", inputs, ["y"], **attrs)]
        inits = [F("ratio", 0.5), numpy_helper.from_array(np.array(False), "no")] if opset >= 12 else []
        path = save(tmp_path, nodes, inits, opset=opset, outputs=[("y", [1, 4, 9, 9])])
        assert [layer.type for layer in import_onnx(path).network.layers] == ["input", "dropout"]
