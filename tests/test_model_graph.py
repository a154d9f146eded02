"""Branches (file format version 2): the graph, its errors with their JSON paths, the new kinds,
the templates' published figures, and version 1 written whenever no version 2 feature is used."""
from __future__ import annotations

import json
import pickle

import pytest

from designer.model import KINDS, ConfigError, Layer, ModelError, Network, dumps, graph, load_model, loads, to_json
from designer.model.inference import Code, infer


def doc(*layers, version=2) -> str:
    return json.dumps({"format": "nn-designer", "version": version, "layers": list(layers)})


def report_of(*layers):
    return loads(doc(*layers)).report()


X = {"type": "input", "id": "x", "width": 8, "height": 8, "depth": 4}
X1 = {"type": "input", "width": 8, "height": 8, "depth": 4}  # the same, without a version 2 id


# ----------------------------------------------------------------------------- the graph
def test_sources_readers_and_chain():
    net = loads(doc(X, {"type": "conv", "filters": 4, "padding": 1, "id": "a"}, {"type": "relu"},
                    {"type": "add", "inputs": ["x", 2]}))
    assert graph.sources(net.layers) == [[], [0], [1], [0, 2]]
    assert graph.readers(net.layers) == [[1, 3], [2], [3], []]
    assert not graph.is_chain(net.layers)
    assert graph.is_chain(load_model("lenet5").layers)
    info = net.report().layers[3]
    assert info.sources == [0, 2] and info.inputs == [(8, 8, 4), (8, 8, 4)] and info.input == (8, 8, 4)
    assert info.output == (8, 8, 4) and not net.report().problems


def test_unresolvable_references_are_left_out_of_sources():
    stray = Layer("relu")  # a layer that is not in the list
    layers = [Layer("input", {"features": 3}), Layer("relu", sources=[graph.Missing("nope")]),
              Layer("relu", sources=[stray]), Layer("add")]
    layers[3].sources = [layers[0], layers[1]]
    assert graph.sources(layers) == [[], [], [], [0, 1]]


# ----------------------------------------------------------------------------- errors
def test_a_mismatched_shortcut_names_both_shapes_and_the_conv_that_fixes_it():
    report = load_model("resnet20").report()
    assert not report.problems
    net = load_model("resnet20")
    # Drop the first projection (conv + batchnorm) and let the add read the block's input.
    first = next(i for i, layer in enumerate(net.layers) if layer.name == "layer2.0.downsample.0")
    add = next(i for i in range(first, len(net)) if net[i].type == "add")
    by_id = {layer.id: layer for layer in net.layers if layer.id}
    net.layers[add].sources = [by_id["layer2.0.bn2"], by_id["layer1.2"]]
    del net.layers[first:first + 2]
    (problem,) = net.report().problems
    assert problem.startswith(f"layer {add - 2} (add): an add needs inputs of exactly the same shape")
    assert "16×16×32" in problem and "32×32×16" in problem
    assert "a 1×1 conv with 32 filters and stride 2 on the shortcut from" in problem
    assert "\n" not in problem


def test_a_mismatch_without_a_fix_names_both_shapes():
    report = report_of({"type": "input", "features": 6}, {"type": "dense", "units": 3, "id": "a"},
                       {"type": "add", "inputs": [0, "a"]})
    (problem,) = report.problems
    assert "#0 is 6 and #1 is 3" in problem and "1×1" not in problem


def test_a_hanging_branch_is_not_connected_to_the_output():
    report = report_of(X, {"type": "conv", "filters": 2, "id": "side"},
                       {"type": "relu", "inputs": ["x"]})
    assert report.layers[1].errors == ["not connected to the output: no later layer reads it"]
    assert report.problems == ["layer 1 (conv): not connected to the output: no later layer reads it"]
    assert not report.trainable


@pytest.mark.parametrize("layers,path,words", [
    ([X, {"type": "relu", "inputs": ["y"]}], "layers[1].inputs[0]", 'no layer has the id "y"'),
    ([X, {"type": "relu", "inputs": [2]}, {"type": "relu"}], "layers[1].inputs[0]", "layer 2 comes after this one (layer 1)"),
    ([X, {"type": "relu", "id": "r", "inputs": ["r"]}], "layers[1].inputs[0]", "cannot read itself"),
    ([X, {"type": "relu", "inputs": [1]}], "layers[1].inputs[0]", "cannot read itself"),
    ([X, {"type": "relu", "inputs": [7]}], "layers[1].inputs[0]", "there is no layer 7"),
    ([X, {"type": "relu", "id": "x"}], "layers[1].id", 'the id "x" is already layer 0'),
    ([X, {"type": "add", "inputs": ["x", 0]}], "layers[1].inputs[1]", "read twice"),
    ([X, {"type": "relu", "inputs": []}], "layers[1].inputs", "inputs is empty"),
    ([X, {"type": "relu", "inputs": "x"}], "layers[1].inputs", "inputs is a list"),
    ([X, {"type": "relu", "inputs": [True]}], "layers[1].inputs[0]", "id (a string) or index"),
    ([X, {"type": "relu", "id": 3}], "layers[1].id", "an id is a non-empty string"),
    ([X, {"type": "relu", "id": ""}], "layers[1].id", "not an empty one"),
])
def test_bad_references_are_refused_with_their_json_path(layers, path, words):
    with pytest.raises(ModelError) as info:
        loads(doc(*layers))
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and words in msg and "\n" not in msg


def test_inference_reports_the_same_reference_errors_on_a_document():
    """A document built in code (or edited) is not checked by the loader: inference says it."""
    layers = [Layer("input", {"features": 4}, id="x"), Layer("relu", id="x"),
              Layer("relu", sources=[graph.Missing("gone")]), Layer("add"), Layer("relu")]
    layers[1].sources, layers[4].sources = [layers[0]], [layers[3]]
    layers[3].sources = [layers[0], layers[4]]
    report = infer(layers)
    assert report.layers[1].errors == ['id: the id "x" is already layer 0\'s; ids are unique']
    assert report.layers[2].errors == ['inputs[0]: no layer has the id "gone"']
    assert report.layers[3].errors == ["inputs[1]: layer 4 comes after this one (layer 3); a layer reads only earlier layers"]
    assert [[e.code for e in info.errors] for info in report.layers[1:4]] == [
        [Code.DUPLICATE_ID], [Code.MISSING_INPUT], [Code.BAD_INPUT]]


def test_every_error_carries_its_code():
    """What acts on errors (wiring.py) decides by these codes, never by the sentences."""
    def codes(*layers):
        return [[e.code for e in info.errors] for info in report_of(*layers).layers]
    assert codes(X, {"type": "add"}) == [[], [Code.TOO_FEW_INPUTS]]
    assert codes(X, {"type": "relu", "id": "r"}, {"type": "relu", "inputs": ["x", "r"]})[2] == [Code.TOO_MANY_INPUTS]
    assert codes(X, {"type": "conv", "filters": 3}, {"type": "concat", "inputs": [0, 1]})[2] == [Code.MISMATCH]
    assert codes(X, {"type": "conv", "filters": 6, "groups": 3})[1] == [Code.SHAPE]
    assert codes(X, {"type": "conv", "filters": 2, "id": "side"}, {"type": "relu", "inputs": ["x"]})[1] == [
        Code.NOT_CONNECTED]
    assert codes(X, {"type": "input", "features": 2})[1] == [Code.INPUT_LAYER]
    assert codes({"type": "relu"}) == [[Code.INPUT_LAYER]]
    problem = report_of(X, {"type": "add"}).layers[1].errors[0]
    assert isinstance(problem, str) and pickle.loads(pickle.dumps(problem)).code is Code.TOO_FEW_INPUTS


HOSTILE_VALUES = [0, -1, 10**30, -(10**30), 2.5, float("nan"), float("inf"), "3", "", "same",
                  None, True, [0, 0], [3], [1, 2, 3]]


@pytest.mark.parametrize("type_", [t for t in KINDS if t != "input"])
def test_a_network_built_in_code_reports_an_impossible_setting_as_a_sentence(type_):
    """The editor and the file reader check settings; a Network built from Layers in code is
    checked by inference: every impossible value is one sentence naming the key, never a
    ZeroDivisionError, a TypeError or a loop over a stride of 10**30."""
    kind = KINDS[type_]
    for key in kind.keys:
        for value in HOSTILE_VALUES:
            config = {k.name: 4 for k in kind.keys if k.required and k.value_type == "int"}
            config[key.name] = value
            try:
                canonical = kind.check(config)
            except ConfigError:
                canonical = None
            for shape in ({"width": 8, "height": 8, "depth": 4}, {"features": 10}):
                layers = [Layer("input", shape), Layer(type_, dict(config))]
                if kind.is_merge:
                    layers.insert(1, Layer("relu"))
                info = Network(layers).report().layers[-1]
                settings = [e for e in info.errors if e.code is Code.SETTING]
                if canonical is None:
                    assert len(settings) == 1 and settings[0].startswith(f"{key.name}: "), (key.name, value)
                else:
                    assert settings == [], (key.name, value, settings)


def test_a_merge_needs_two_inputs_and_other_layers_one():
    report = report_of(X, {"type": "add"})
    assert report.problems == ["layer 1 (add): inputs: an add needs 2 or more inputs, but it reads only #0"]
    report = report_of(X, {"type": "relu", "id": "r"}, {"type": "relu", "inputs": ["x", "r"]})
    assert "a relu reads one layer, but its inputs are #0, #1" in report.problems[0]


def test_concat_joins_depths_or_vectors_and_refuses_the_rest():
    report = report_of(X, {"type": "conv", "filters": 3, "padding": 1}, {"type": "concat", "inputs": [0, 1]})
    assert report.layers[2].output == (8, 8, 7)
    report = report_of(X, {"type": "conv", "filters": 3}, {"type": "concat", "inputs": [0, 1]})
    assert "same width and height, but the inputs are #0 8×8×4, #1 6×6×3" in report.problems[0]
    report = report_of({"type": "input", "features": 5}, {"type": "dense", "units": 2},
                       {"type": "concat", "inputs": [0, 1]})
    assert report.layers[2].output == (7,)
    report = report_of(X, {"type": "flatten"}, {"type": "concat", "inputs": [0, 1]})
    assert "volumes, or vectors, not both" in report.problems[0]


def test_global_pool_gives_1x1xD():
    report = report_of(X, {"type": "global_pool", "mode": "max"})
    assert report.layers[1].output == (1, 1, 4) and report.layers[1].param_count == 0
    report = report_of({"type": "input", "features": 5}, {"type": "global_pool"})
    assert "needs a W×H×D volume" in report.problems[0]


def test_groups_must_divide_depth_and_filters():
    ok = report_of(X, {"type": "conv", "filters": 6, "groups": 2})
    assert ok.layers[1].param_count == (3 * 3 * 2 + 1) * 6 and ok.layers[1].output == (6, 6, 6)
    assert KINDS["conv"].param_shapes(loads(doc(X, {"type": "conv", "filters": 6, "groups": 2}))[1].resolved(),
                                      [(8, 8, 4)]) == {"weight": (6, 2, 3, 3), "bias": (6,)}
    depth = report_of(X, {"type": "conv", "filters": 6, "groups": 3})
    assert depth.problems == ["layer 1 (conv): groups 3 do not divide the input depth 4"]
    assert not depth.layers[1].param_count_known  # the weights' shape is undefined
    filters = report_of(X, {"type": "conv", "filters": 5, "groups": 2})
    assert filters.problems == ["layer 1 (conv): groups 2 do not divide the filter count 5"]
    both = report_of(X, {"type": "conv", "filters": 5, "groups": 3})
    assert "groups 3 divide neither the input depth 4 nor the filter count 5" in both.problems[0]


@pytest.mark.parametrize("n,k,s,p", [(6, 3, 2, 1), (7, 3, 2, 1), (5, 1, 3, 0), (5, 2, 2, 1),
                                     (13, 3, 2, 0), (112, 3, 2, 0), (14, 3, 2, 1), (9, 4, 3, 2)])
def test_pool_ceil_follows_pytorch(n, k, s, p):
    torch = pytest.importorskip("torch")
    want = torch.nn.MaxPool2d(k, s, p, ceil_mode=True)(torch.zeros(1, 1, n, n + 1)).shape
    report = report_of({"type": "input", "width": n + 1, "height": n, "depth": 1},
                       {"type": "pool", "size": k, "stride": s, "padding": p, "ceil": True})
    assert report.layers[1].output == (want[3], want[2], 1)
    assert not report.layers[1].warnings  # rounding up covers the remainder


# ----------------------------------------------------------------------------- the arrays
def test_param_and_buffer_shapes_are_the_one_declaration():
    net = load_model("resnet20")
    report = net.report()
    for info, layer in zip(report.layers, net.layers):
        arrays = layer.kind.param_shapes(layer.resolved(), info.inputs) if info.inputs else {}
        assert info.param_count == sum(_size(s) for s in arrays.values())
    bn = next(i for i, layer in enumerate(net.layers) if layer.type == "batchnorm")
    assert KINDS["batchnorm"].buffer_shapes({}, report.layers[bn].inputs) == {
        "running_mean": (16,), "running_var": (16,)}
    assert report.param_bytes == (report.total_params + report.buffer_count) * 4
    assert report.buffer_count == sum(2 * info.output[2] for info in report.layers if info.type == "batchnorm")


def _size(shape):
    n = 1
    for d in shape:
        n *= d
    return n


# ----------------------------------------------------------------------------- templates
def test_template_figures():
    r18 = load_model("resnet18").report()
    assert r18.total_params == 11_689_512 and not r18.problems
    assert sum(i.macs for i in r18.layers if i.type in ("conv", "dense")) == 1_814_073_344
    assert r18.input == (224, 224, 3) and r18.output == (1000,)
    r20 = load_model("resnet20").report()
    assert r20.total_params == 272_474 and r20.input == (32, 32, 3) and r20.output == (10,)
    r20 = load_model("resnet20").layers
    projections = [layer for i, layer in enumerate(r20) if not graph.follows(r20, i) and layer.type == "conv"]
    assert [layer.resolved()["kernel"] for layer in projections] == [1, 1]  # where the shape changes
    inc = load_model("inception").report()
    assert inc.total_params == 163_696 and inc.input == (28, 28, 192) and inc.output == (28, 28, 256)


# ----------------------------------------------------------------------------- versions
def test_version_1_is_written_when_no_version_2_feature_is_used():
    assert json.loads(dumps(load_model("lenet5")))["version"] == 1
    for extra in ({"id": "a"}, {"inputs": [0]}):
        net = loads(doc({"type": "input", "features": 3}, {"type": "relu", **extra}))
        assert json.loads(dumps(net))["version"] == 2
    for layer in ({"type": "conv", "filters": 2, "groups": 1}, {"type": "pool", "ceil": False},
                  {"type": "global_pool"}):
        net = loads(doc(X1, layer))
        assert json.loads(dumps(net))["version"] == 2, layer
    net = loads(doc(X1, {"type": "conv", "filters": 2}, {"type": "pool"}))
    assert json.loads(dumps(net))["version"] == 1  # a version 2 file without its features


def test_a_version_1_file_may_not_use_version_2_features():
    with pytest.raises(ModelError, match=r'^layers\[1\]: this layer uses the key "groups", which needs "version": 2'):
        loads(doc(X1, {"type": "conv", "filters": 2, "groups": 2}, version=1))
    with pytest.raises(ModelError, match=r"^layers\[2\]: this layer uses the type add"):
        loads(doc(X1, {"type": "relu"}, {"type": "add"}, version=1))
    with pytest.raises(ModelError, match=r'^layers\[0\]: this layer uses "id"'):
        loads(doc(X, version=1))


def test_version_2_round_trips_and_clone_keeps_the_graph():
    net = load_model("inception")
    again = loads(dumps(net))
    assert dumps(again) == dumps(net)
    assert graph.sources(again.layers) == graph.sources(net.layers)
    copy = net.layers[3].clone()
    assert copy.sources == [net.layers[0]] and copy.sources[0] is net.layers[0] and net.layers[0].id == "x"
    assert copy.sources is not net.layers[3].sources and copy.uid != net.layers[3].uid
    assert net.layers[2].clone().id == "b1"
    assert to_json(Network([Layer("input", {"features": 2}, id="x")]))["layers"][0] == {
        "type": "input", "id": "x", "features": 2}


# ----------------------------------------------------------------------------- memory
def _peak_by_simulation(report):
    """The liveness rule spelt out step by step on sets (a second, slower reading of it)."""
    n = len(report.layers)
    size = {i: (report.layers[i].activations if i else 0) for i in range(n)}
    reads = {i: [j for j in range(n) if i in report.layers[j].sources] for i in range(n)}
    values, grads, peak = set(), set(), 0
    for i in range(n):  # forward: every output is kept
        values.add(i)
        peak = max(peak, sum(size[v] for v in values))
    grads.add(n - 1)
    for j in range(n - 1, 0, -1):  # backward, last layer first
        grads |= {k for k in range(n) if reads[k] and max(reads[k]) == j}
        peak = max(peak, sum(size[v] for v in values) + sum(size[g] for g in grads))
        values.discard(j)
        grads.discard(j)
    return peak


@pytest.mark.parametrize("name", ["lenet5", "alexnet", "resnet20", "inception", "resnet18"])
def test_activation_memory_follows_liveness(name):
    report = load_model(name).report()
    assert report.activation_values() == _peak_by_simulation(report)
    total = sum(i.activations for i in report.layers[1:])
    assert total < report.activation_values() < 2 * total


def test_a_branch_keeps_its_gradient_alive_until_its_fork():
    """Worked by hand: dense 10 (#1), dense 10 (#2), add #1 + #2 (#3), dense 2 (#4).
    Forward keeps 10 + 10 + 10 + 2 = 32 values. Backward at #4: 32 + its gradient 2 + #3's 10 = 44;
    at #3: 30 + the gradients of #3, #2 and #1 (both born here: the add is their last reader) =
    60; at #2: 20 + #2's and #1's = 40 (#1's waits for its own step). Peak 60."""
    net = loads(doc({"type": "input", "features": 4}, {"type": "dense", "units": 10},
                    {"type": "dense", "units": 10}, {"type": "add", "inputs": [1, 2]},
                    {"type": "dense", "units": 2}))
    assert net.report().activation_values() == 60
    chain = loads(doc({"type": "input", "features": 4}, {"type": "dense", "units": 10},
                      {"type": "dense", "units": 10}, {"type": "relu"}, {"type": "dense", "units": 2}))
    assert chain.report().activation_values() == 50  # #1's gradient is born only at #2


def test_the_shipped_branched_templates_are_what_the_generator_writes():
    import importlib.util
    from pathlib import Path

    from designer.model.templates import template_path
    script = Path(__file__).resolve().parent.parent / "tools" / "make_templates.py"
    spec = importlib.util.spec_from_file_location("make_templates", script)
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    for name in ("resnet18", "resnet20", "inception"):
        assert template_path(name).read_text(encoding="utf-8") == make.dumps(getattr(make, name)()), name


NEW_IN_2 = [({"type": "conv", "filters": 2, "dilation": 1}, 'the key "dilation"'),
            ({"type": "pool", "mode": "max", "dilation": 2}, 'the key "dilation"'),
            ({"type": "pool", "mode": "avg", "count_include_pad": False}, 'the key "count_include_pad"'),
            ({"type": "pad", "right": 1}, "the type pad"),
            ({"type": "channel_shuffle", "groups": 1}, "the type channel_shuffle"),
            ({"type": "channel_slice", "stop": 1}, "the type channel_slice")]


@pytest.mark.parametrize("layer,what", NEW_IN_2, ids=str)
def test_the_modern_vocabulary_is_version_2(layer, what):
    """The modern keys and kinds make a file version 2; a version 1 file using one is refused."""
    assert json.loads(dumps(loads(doc(X1, layer))))["version"] == 2
    with pytest.raises(ModelError, match=rf"^layers\[1\]: this layer uses {what}, which needs \"version\": 2"):
        loads(doc(X1, layer, version=1))


def test_mul_is_version_2():
    net = loads(doc(X1, {"type": "relu", "id": "a"}, {"type": "mul", "inputs": [0, "a"]}))
    assert json.loads(dumps(net))["version"] == 2
    with pytest.raises(ModelError, match=r"this layer uses"):
        loads(doc(X1, {"type": "relu"}, {"type": "mul"}, version=1))
