"""Property-based tests: whatever a model file holds, loading it either works (and every view
of it works) or raises ModelError with one sentence — never another exception. Covers version 2
(random ids, inputs and merges) and numbers of any size, up to thousands of digits."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.cli import main
from designer.learn.shape import explain
from designer.model import KINDS, ModelError, dumps, expected_arrays, loads, summary, to_json
from designer.model.templates import template_path

TEMPLATE_TEXTS = [template_path(n).read_text()
                  for n in ("perceptron", "mlp-example", "lenet5", "alexnet", "resnet20", "inception")]
NUMBER = "__number__"  # a placeholder replaced by the text of a number of any size

# Values of every JSON type, including the awkward ones.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=8)
    | st.sampled_from(["same", "max", "avg", "l2", "conv", "relu"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)
key_names = st.sampled_from(sorted({k.name for kind in KINDS.values() for k in kind.keys}
                                   | {"type", "name", "ui", "bogus", "id", "inputs"}))
# JSON numbers as text, of any size: Python cannot even print an int of more than 4,300 digits.
number_texts = st.builds(
    lambda sign, digits, frac, exp: f"{sign}{digits}{frac}{exp}",
    st.sampled_from(["", "-"]),
    st.one_of(st.integers(0, 10**6).map(str), st.integers(1, 6000).map(lambda n: "9" * n),
              st.integers(1, 6000).map(lambda n: "1" + "0" * n)),
    st.sampled_from(["", ".0", ".5"]),
    st.sampled_from(["", "e3", "e400", "E-2"]),
)
references = st.one_of(st.integers(-3, 40), st.text(max_size=3), st.sampled_from(["x", "b1", "stem", "layer1.0"]),
                       json_values)


def with_numbers(text: str, draw) -> str:
    """The JSON text with every placeholder replaced by a number of any size."""
    while f'"{NUMBER}"' in text:
        text = text.replace(f'"{NUMBER}"', draw(number_texts), 1)
    return text


def check(text: str) -> None:
    try:
        network = loads(text)
    except ModelError as e:
        msg = str(e)
        assert msg and "\n" not in msg and len(msg) < 2000
        return
    report = network.report()  # inference never raises on a loaded model
    summary.to_text(network, 8)
    json.dumps(summary.to_json(network))
    assert to_json(loads(dumps(network))) == to_json(network)  # what loads, saves and reloads
    for i in range(len(network)):
        explain(network, i)
    if not report.problems:
        expected_arrays(network)
    for info in report.layers:
        assert info.output is not None or info.errors or report.problems


@st.composite
def mutated_model(draw):
    doc = json.loads(draw(st.sampled_from(TEMPLATE_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["set", "delete", "type", "top", "drop_layers", "number",
                                       "inputs", "id", "merge", "v2"]))
        layers = doc.get("layers")
        if action == "top":
            doc[draw(st.sampled_from(["version", "format", "name", "layers", "extra"]))] = draw(json_values)
        elif action == "v2":
            doc["version"] = 2
        elif action == "number" and draw(st.booleans()):
            doc["version"] = NUMBER
        elif isinstance(layers, list) and layers:
            i = draw(st.integers(0, len(layers) - 1))
            layer = layers[i]
            if action == "drop_layers":
                del layers[i:]
            elif not isinstance(layer, dict):
                continue
            elif action == "set":
                layer[draw(key_names)] = draw(json_values)
            elif action == "number":
                layer[draw(key_names)] = draw(st.sampled_from([NUMBER, [NUMBER, 1], [NUMBER]]))
            elif action == "inputs":
                doc["version"] = 2
                layer["inputs"] = draw(st.lists(references, max_size=4))
            elif action == "id":
                doc["version"] = 2
                layer["id"] = draw(references)
            elif action == "merge":
                doc["version"] = 2
                merge = {"type": draw(st.sampled_from(["add", "concat", "global_pool"]))}
                if draw(st.booleans()):
                    merge["inputs"] = draw(st.lists(st.integers(-1, len(layers) + 1), max_size=4))
                layers.insert(i + 1, merge)
            elif action == "delete" and layer:
                layer.pop(draw(st.sampled_from(sorted(layer))))
            elif action == "type":
                layer["type"] = draw(st.sampled_from(sorted(KINDS) + ["convv", "Dense", ""]))
    return with_numbers(json.dumps(doc, allow_nan=True), draw)


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


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(k for kind in KINDS.values() for k in (kind.type,))), key_names, number_texts)
def test_a_number_of_any_size_in_any_key_gives_one_sentence(type_, key, number):
    """Huge integers are refused as out of range (or, beyond what Python reads, as too long),
    and an integer of thousands of digits never reaches a conversion to text."""
    layer = f'{{"type": "{type_}", "{key}": {number}}}'
    first = '{"type": "input", "width": 8, "height": 8}'
    text = f'{{"format": "nn-designer", "version": 2, "layers": [{first}, {layer}]}}'
    check(text)


def test_thousands_of_digits_give_one_sentence_naming_the_problem():
    digits = "9" * 5000
    text = f'{{"version": 1, "layers": [{{"type": "input", "features": 2}}, {{"type": "dense", "units": {digits}}}]}}'
    with pytest.raises(ModelError, match="^the JSON holds a number with thousands of digits"):
        loads(text)
    big = "9" * 4000  # Python reads it; the range check must not print it
    text = f'{{"version": 1, "layers": [{{"type": "input", "features": 2}}, {{"type": "dense", "units": {big}}}]}}'
    with pytest.raises(ModelError, match=r"^layers\[1\]\.units: must be at most 1,000,000, not a number of 4,000 digits$"):
        loads(text)
    text = f'{{"version": 1, "layers": [{{"type": "input", "features": 2}}, {{"type": "elu", "alpha": {big}}}]}}'
    with pytest.raises(ModelError, match=r"^layers\[1\]\.alpha: must be at most"):
        loads(text)
    with pytest.raises(ModelError, match="^version: the file is version a number of 4,000 digits"):
        loads(f'{{"version": {big}, "layers": []}}')
    text = f'{{"version": 2, "layers": [{{"type": "input", "features": 2}}, {{"type": "relu", "inputs": [{big}]}}]}}'
    with pytest.raises(ModelError, match=r"^layers\[1\]\.inputs\[0\]: there is no layer with a number of 4,000 digits"):
        loads(text)


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
