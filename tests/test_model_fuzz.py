"""Property-based tests: whatever a model file holds, loading it either works (and every view
of it works) or raises ModelError with one sentence — never another exception."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.cli import main
from designer.model import KINDS, ModelError, loads, summary
from designer.model.templates import template_path

TEMPLATE_TEXTS = [template_path(n).read_text() for n in ("perceptron", "mlp-example", "lenet5", "alexnet")]

# Values of every JSON type, including the awkward ones.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
    | st.sampled_from(["same", "max", "avg", "l2", "conv", "relu"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
key_names = st.sampled_from(sorted({k.name for kind in KINDS.values() for k in kind.keys}
                                   | {"type", "name", "ui", "bogus"}))


def check(text: str) -> None:
    try:
        network = loads(text)
    except ModelError as e:
        msg = str(e)
        assert msg and "\n" not in msg
        return
    report = network.report()  # inference never raises on a loaded model
    summary.to_text(network, 8)
    json.dumps(summary.to_json(network))
    for info in report.layers:
        assert info.output is not None or info.errors or report.problems


@st.composite
def mutated_model(draw):
    doc = json.loads(draw(st.sampled_from(TEMPLATE_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["set", "delete", "type", "top", "drop_layers"]))
        layers = doc.get("layers")
        if action == "top":
            doc[draw(st.sampled_from(["version", "format", "name", "layers", "extra"]))] = draw(json_values)
        elif isinstance(layers, list) and layers:
            i = draw(st.integers(0, len(layers) - 1))
            layer = layers[i]
            if action == "drop_layers":
                del layers[i:]
            elif not isinstance(layer, dict):
                continue
            elif action == "set":
                layer[draw(key_names)] = draw(json_values)
            elif action == "delete" and layer:
                layer.pop(draw(st.sampled_from(sorted(layer))))
            elif action == "type":
                layer["type"] = draw(st.sampled_from(sorted(KINDS) + ["convv", "Dense", ""]))
    return json.dumps(doc, allow_nan=True)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_model())
def test_mutated_models_load_or_fail_with_one_sentence(text):
    check(text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(TEMPLATE_TEXTS), st.floats(0, 1))
def test_truncated_files_fail_with_one_sentence(text, fraction):
    check(text[: int(len(text) * fraction)])


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_any_json_value_fails_cleanly(value):
    check(json.dumps(value, allow_nan=True))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutated_model())
def test_cli_summary_exits_0_or_2_with_one_line(tmp_path_factory, capsys, text):
    path = tmp_path_factory.mktemp("m") / "model.json"
    path.write_text(text)
    status = main(["summary", str(path)])
    out, err = capsys.readouterr()
    assert status in (0, 2)
    if status == 2:
        assert err.count("\n") == 1 and "model.json" in err and "Traceback" not in err
    else:
        assert err == "" and "Total parameters" in out
