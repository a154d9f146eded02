"""The course's numbers: output volumes, parameter counts, warnings and errors."""
from __future__ import annotations

import pytest

from designer.model import KINDS, Change, ChangeKind, ConfigError, Layer, Network, infer, load_model


def net(*layers) -> Network:
    return Network([Layer.make(t, **cfg) for t, cfg in layers])


def test_alexnet_course_numbers():
    report = load_model("alexnet").report()
    by_name = {layer.name: info for layer, info in zip(load_model("alexnet").layers, report.layers)}
    assert by_name["conv1"].output == (55, 55, 96) and by_name["conv1"].param_count == 34_944
    assert by_name["pool1"].output == (27, 27, 96) and by_name["pool1"].param_count == 0
    assert by_name["conv2"].output == (27, 27, 256) and by_name["conv2"].param_count == 614_656
    assert by_name["fc6"].output == (4096,) and by_name["fc6"].param_count == 37_752_832
    assert report.total_params == 62_378_344
    assert len(report.layers) == 24
    assert report.problems == [] and report.warning_count == 0 and report.trainable


def test_lenet5_total_and_volumes():
    report = load_model("lenet5").report()
    assert report.total_params == 61_706
    assert [i.output for i in report.layers[:7]] == [
        (28, 28, 1), (28, 28, 6), (28, 28, 6), (14, 14, 6), (10, 10, 16), (10, 10, 16), (5, 5, 16)]
    assert [i.param_count for i in report.layers if i.param_count] == [156, 2416, 48_120, 10_164, 850]


def test_same_padding_course_example():
    # The course's 28×28×3 volume with 100 3×3 filters and "same" padding.
    report = net(("input", {"width": 28, "height": 28, "depth": 3}),
                 ("conv", {"filters": 100, "kernel": 3, "padding": "same"})).report()
    assert report.layers[1].output == (28, 28, 100)
    assert report.layers[1].param_count == 2_800


def _alexnet_on(size: int):
    network = load_model("alexnet")
    network.set_key(network[0].uid, "width", size)
    network.set_key(network[0].uid, "height", size)
    return network.report()


def test_alexnet_224_floors_with_a_warning_that_names_the_dropped_pixels():
    report = _alexnet_on(224)
    conv1 = report.layers[1]
    assert conv1.output == (54, 54, 96)
    assert conv1.errors == []
    assert len(conv1.warnings) == 1
    warning = conv1.warnings[0]
    assert "54.25" in warning and "floored to 54" in warning
    assert "1 row and 1 column" in warning
    assert "an input of 227" in warning  # the suggestion that makes it exact
    assert "stride 3" in warning  # 213 = 3·71: stride 3 is exact too
    assert report.trainable  # a warning does not stop training


def test_alexnet_on_8x8_is_an_error_on_conv1():
    report = _alexnet_on(8)
    conv1 = report.layers[1]
    assert conv1.output is None
    assert conv1.errors and "larger than the padded input 8×8" in conv1.errors[0]
    assert not report.trainable
    assert report.problems[0].startswith("layer 1 (conv): kernel 11×11")
    # Later layers have no shape and no error of their own: only the cause is reported.
    assert all(info.output is None and not info.errors for info in report.layers[2:])


def test_padding_suggestion_when_padding_can_make_it_exact():
    report = net(("input", {"width": 32, "height": 32}), ("conv", {"filters": 4, "kernel": 3, "stride": 3})).report()
    (warning,) = report.layers[1].warnings
    assert "padding 2" in warning  # (32 − 3 + 2·2)/3 + 1 = 12 exactly
    assert "2 rows and 2 columns" in warning
    assert report.layers[1].output == (10, 10, 4)


def test_rectangular_kernels_stride_and_padding():
    report = net(("input", {"width": 20, "height": 10, "depth": 2}),
                 ("conv", {"filters": 3, "kernel": [3, 5], "stride": [1, 2], "padding": [1, 0]})).report()
    # H: (10 − 3 + 2)/1 + 1 = 10; W: (20 − 5 + 0)/2 + 1 = 8 (floored from 8.5)
    assert report.layers[1].output == (8, 10, 3)
    assert report.layers[1].param_count == (3 * 5 * 2 + 1) * 3
    assert "1 column" in report.layers[1].warnings[0]


def test_output_of_zero_is_an_error():
    report = net(("input", {"width": 4, "height": 4}), ("pool", {"size": 2, "stride": 8, "padding": 1})).report()
    assert report.layers[1].output == (1, 1, 1)  # (4 − 2 + 2)/8 + 1 = 1: fine
    report = net(("input", {"width": 3, "height": 3}), ("conv", {"filters": 1, "kernel": 5})).report()
    assert report.layers[1].errors


def test_maxout_pieces_must_divide_depth():
    ok = net(("input", {"width": 8, "height": 8, "depth": 6}), ("maxout", {"pieces": 3})).report()
    assert ok.layers[1].output == (8, 8, 2)
    bad = net(("input", {"width": 8, "height": 8, "depth": 6}), ("maxout", {"pieces": 4})).report()
    assert "maxout pieces 4 do not divide the input depth 6" in bad.layers[1].errors[0]
    vec = net(("input", {"features": 10}), ("maxout", {"pieces": 5})).report()
    assert vec.layers[1].output == (2,)


def test_spatial_layer_after_flatten_or_dense_is_an_error():
    for middle in (("flatten", {}), ("dense", {"units": 10})):
        report = net(("input", {"width": 8, "height": 8}), middle, ("conv", {"filters": 2})).report()
        assert "needs a W×H×D volume" in report.layers[2].errors[0]
        report = net(("input", {"width": 8, "height": 8}), middle, ("pool", {})).report()
        assert report.layers[2].errors


def test_input_must_be_first_and_present():
    report = net(("conv", {"filters": 2}), ("relu", {})).report()
    assert "first layer must be an input" in report.layers[0].errors[0]
    assert not report.trainable
    report = net(("input", {"features": 3}), ("input", {"features": 3})).report()
    assert "must be the first layer" in report.layers[1].errors[0]


def test_dense_counts_and_bias_flag():
    report = net(("input", {"width": 6, "height": 6, "depth": 256}), ("dense", {"units": 4096})).report()
    assert report.layers[1].param_count == (6 * 6 * 256 + 1) * 4096
    report = net(("input", {"features": 3}), ("dense", {"units": 2, "bias": False})).report()
    assert report.layers[1].param_count == 6


def test_batchnorm_counts_scale_and_shift_only():
    report = net(("input", {"width": 4, "height": 4, "depth": 5}), ("batchnorm", {})).report()
    assert report.layers[1].param_count == 10
    # running mean/var are stored (param memory counts them) but not counted as parameters
    assert report.param_bytes == 20 * 4


def test_pointwise_layers_keep_the_shape():
    for type_ in ("relu", "leaky_relu", "elu", "sigmoid", "tanh", "sign", "dropout", "lrn", "softmax"):
        report = net(("input", {"width": 5, "height": 7, "depth": 3}), (type_, {})).report()
        assert report.layers[1].output == (5, 7, 3), type_
        assert report.layers[1].param_count == 0


def test_every_kind_is_defined_once_with_a_torch_module_and_help():
    from designer.model import kinds_merge, kinds_pointwise, kinds_spatial
    defined = [k.type for m in (kinds_spatial, kinds_pointwise, kinds_merge) for k in m.DEFINED]
    assert sorted(defined) == sorted(KINDS)  # each once, all registered
    assert {"input", "conv", "pool", "dense", "flatten", "relu", "leaky_relu", "elu", "sigmoid", "tanh",
            "sign", "maxout", "dropout", "lrn", "batchnorm", "softmax", "add", "concat",
            "global_pool"} <= set(KINDS)
    for kind in KINDS.values():
        assert kind.torch and kind.help and kind.label


def test_memory_estimates():
    report = load_model("lenet5").report()
    assert report.param_bytes == 61_706 * 4
    acts = [0] + [i.activations for i in report.layers[1:]]
    # A chain: every output is kept from its forward step to its backward step; at the
    # backward step of layer j, the outputs 0..j, the gradient of j and the one it makes for j − 1.
    peak = max(sum(acts[:j + 1]) + acts[j] + acts[j - 1] for j in range(1, len(acts)))
    assert report.activation_bytes(64) == 64 * peak * 4
    assert report.activation_bytes(64) < 2 * 64 * sum(acts) * 4  # less than every output twice
    assert report.total_bytes(64) > report.activation_bytes(64)


def test_empty_network_report():
    report = infer([])
    assert report.layers == [] and not report.trainable


@pytest.mark.parametrize("value,message", [
    (0, "must be at least 1"), (-3, "at least 1"), (2.5, "whole number"), ("7", "whole number"),
    (True, "whole number"), (10**9, "at most"), (None, None)])
def test_set_key_validation(value, message):
    network = load_model("lenet5")
    if message is None:  # None restores the default, but filters is required
        with pytest.raises(ConfigError, match="needs"):
            network.set_key(network[1].uid, "filters", value)
        return
    with pytest.raises(ConfigError, match=message):
        network.set_key(network[1].uid, "filters", value)
    assert network.report().total_params == 61_706  # nothing changed


def test_document_events_and_cached_report():
    network = load_model("lenet5")
    seen = []
    network.changed.connect(seen.append)
    first = network.report()
    assert network.report() is first  # cached until an edit
    network.set_key(network[1].uid, "filters", 8)
    assert seen == [Change(ChangeKind.CONFIG, (network[1].uid,))] and network.report() is not first
    assert network.report().layers[1].param_count == (25 + 1) * 8
    moved = network[2]
    network.move(moved.uid, 3)
    relu = Layer.make("relu")
    network.insert(0, relu)
    removed = network.remove(relu.uid)
    assert removed is relu
    assert seen[1:] == [Change(ChangeKind.MOVE, (moved.uid,)), Change(ChangeKind.INSERT, (relu.uid,)),
                        Change(ChangeKind.REMOVE, (relu.uid,))]
    network.set_layer_name(network[1].uid, "edges")
    network.set_name("mine")
    network.replace(network.layers[:2])
    assert seen[4:] == [Change(ChangeKind.NAME, (network[1].uid,)), Change(ChangeKind.TITLE),
                        Change(ChangeKind.RESET, (network[0].uid, network[1].uid))]
    assert [c.keeps_architecture for c in seen] == [False] * 4 + [True, True, False]
    network.set_ui(network[1].uid, {"x": 5, "y": 6})                   # where the canvas draws it: architecture kept
    assert seen[-1] == Change(ChangeKind.UI, (network[1].uid,)) and seen[-1].keeps_architecture


def test_weights_behind_an_error_are_unknown_not_zero():
    from designer.model import summary
    network = load_model("alexnet")
    network.set_key(network[0].uid, "width", 8)
    network.set_key(network[0].uid, "height", 8)
    report = network.report()
    fc6 = report.layers[16]
    assert not fc6.param_count_known and report.layers[17].param_count_known  # a relu has none anyway
    assert not report.params_complete
    rows = summary.rows(report, network.layers)
    assert rows[16]["params_text"] == "?" and rows[17]["params_text"] == "0"
    text = summary.to_text(network)
    assert "(without the layers after an error)" in text
    assert load_model("alexnet").report().params_complete


def test_set_keys_is_one_event_and_all_or_nothing():
    network = load_model("lenet5")
    seen = []
    network.changed.connect(seen.append)
    network.set_keys(network[0].uid, {"width": None, "height": None, "depth": None, "features": 784})
    assert [c.what for c in seen] == [ChangeKind.CONFIG] and network.report().layers[0].output == (784,)
    with pytest.raises(ConfigError, match="kernel must be at least 1"):
        network.set_keys(network[1].uid, {"filters": 8, "kernel": 0})
    assert network[1].config["filters"] == 6 and len(seen) == 1  # nothing was set


def test_a_pool_stride_defaults_to_its_window_through_the_catalogue():
    """The default lives in the key's data (default_from), which the inspector and every user of
    resolved settings read, instead of special cases for pools."""
    from designer.model import KINDS
    pool = KINDS["pool"]
    assert pool.key("stride").default_from == "size"
    assert pool.resolve({"size": 3})["stride"] == 3
    assert pool.resolve({"size": 3, "stride": 1})["stride"] == 1
    assert "stride" not in pool.defaults()  # a saved file keeps the stride unset


def test_the_model_modules_import_each_other_one_way():
    """The kinds import the shared types (``kind``), the registry (``catalogue``) imports the
    kinds: no module of designer.model reaches itself through its imports."""
    grimp = pytest.importorskip("grimp")
    graph = grimp.build_graph("designer")
    modules = sorted(m for m in graph.modules if m.startswith("designer.model."))
    assert "designer.model.kind" in modules and "designer.model.catalogue" in modules
    cycles = [(a, b) for a in modules for b in modules
              if a < b and graph.chain_exists(a, b) and graph.chain_exists(b, a)]
    assert cycles == []
