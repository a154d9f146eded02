"""One schema for the training settings (designer/engine/settings.py): the `train` command and the
Train panel offer the same settings with the same defaults and ranges, and TrainConfig checks
exactly the schema's ranges."""
from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given, settings as hsettings, strategies as st

from designer.cli import build_parser
from designer.commands.train import _config
from designer.engine.settings import SETTING, SETTINGS, SettingError, cli_settings, defaults, panel_settings
from designer.engine.training import TrainConfig
from designer.errors import UserError

QWidgets = pytest.importorskip("PySide6.QtWidgets")


def train_parser():
    return build_parser("train")


def parse(*argv):
    return train_parser().parse_args(["train", "lenet5", "--data", "shapes", *argv])


def test_train_config_has_one_field_per_setting_with_its_default():
    fields = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    assert fields == defaults()


def test_the_command_line_and_the_panel_offer_the_same_settings(qtbot):
    from designer.ui.training.train_panel import TrainPanel
    panel = TrainPanel()
    qtbot.addWidget(panel)
    options = {a.dest: a for a in train_parser()._subparsers._group_actions[0].choices["train"]._actions}
    cli = {s.name for s in cli_settings()}
    assert cli == {s.name for s in panel_settings()} == set(SETTING) - {"shuffle"}
    assert cli <= set(options)
    assert set(panel.widgets) | {"augment"} == cli
    # The same defaults: a run with no options and the panel as it opens.
    assert _config(parse()) == TrainConfig() == panel.config()
    for name in cli:
        assert options[name].help.startswith(SETTING[name].help)


def widget_range(widget):
    return widget.minimum(), widget.maximum()


@pytest.mark.parametrize("name", [s.name for s in SETTINGS if s.type in (int, float) and s.front_ends])
def test_the_same_ranges_on_the_command_line_in_the_panel_and_in_the_config(qtbot, name):
    from designer.ui.training.setting_widgets import FLOAT_DECIMALS
    from designer.ui.training.train_panel import TrainPanel
    panel = TrainPanel()
    qtbot.addWidget(panel)
    s, widget = SETTING[name], panel.widgets[name]
    option = s.option
    # How far inside an open end a spin box stops: its precision (a rate's spin box, which
    # spans decades, has its own: NumberSpin.SMALLEST)
    inside = getattr(widget, "SMALLEST", 10.0 ** -FLOAT_DECIMALS) if s.type is float else 1
    for end, is_open, sign in ((s.low, s.low_open, -1), (s.high, s.high_open, +1)):
        if end is None:
            continue
        edge = end - sign * inside if is_open else end      # the last value inside the range
        beyond = end if is_open else end + sign * inside     # the first value outside
        text = lambda v: str(int(v)) if s.type is int else repr(v)  # noqa: E731
        assert getattr(parse(option, text(edge)), name) == pytest.approx(edge)
        with pytest.raises(UserError, match=option):
            parse(option, text(beyond))
        TrainConfig(**{name: s.type(edge)}).check()
        with pytest.raises(UserError, match=s.what):
            TrainConfig(**{name: s.type(beyond)}).check()
        if hasattr(widget, "minimum"):  # a spin box reaches exactly the last value inside
            assert widget_range(widget)[0 if sign < 0 else 1] == pytest.approx(edge)
        else:                           # a text field: the schema checks what is typed
            widget.setText(text(beyond))
            with pytest.raises(SettingError, match=s.what):
                widget.value()
            widget.setText(text(edge))
            assert widget.value() == pytest.approx(edge)
    if hasattr(widget, "minimum") and s.type is int:
        assert widget_range(widget) == (s.low, s.high)


@pytest.mark.parametrize("name", [s.name for s in SETTINGS if s.choices and s.front_ends])
def test_the_same_choices(qtbot, name):
    from designer.ui.training.train_panel import TrainPanel
    panel = TrainPanel()
    qtbot.addWidget(panel)
    combo = panel.widgets[name]
    assert [combo.itemData(i) for i in range(combo.count())] == list(SETTING[name].choices)
    for choice in SETTING[name].choices:
        assert getattr(parse(SETTING[name].option, choice), name) == choice
    with pytest.raises(UserError, match=SETTING[name].option):
        parse(SETTING[name].option, "nonsense")


@hsettings(max_examples=200, deadline=None)
@given(name=st.sampled_from([s.name for s in SETTINGS if s.type in (int, float)]),
       value=st.one_of(st.integers(min_value=-10 ** 12, max_value=10 ** 12),
                       st.floats(allow_nan=True, allow_infinity=True)))
def test_the_config_accepts_exactly_the_schema_s_range(name, value):
    s = SETTING[name]
    fits = (not isinstance(value, float) or s.type is float) and (
        not isinstance(value, float) or math.isfinite(value)) and s.contains(value)
    config = TrainConfig(**{name: value})
    if fits:
        assert getattr(config.check(), name) == value
    else:
        with pytest.raises(SettingError, match=s.what):
            config.check()


def test_the_panel_shows_where_its_suggestion_comes_from():
    from designer.model import load_model
    from designer.ui.training.settings import suggest, suggestion_source
    lenet = load_model("lenet5")
    values = suggest(lenet)
    source = suggestion_source(lenet)
    changed = {k: v for k, v in values.items() if v != defaults()[k]}
    assert changed  # small networks get a faster recipe than the command line's defaults ...
    for key, value in changed.items():  # ... and the panel says which, and how to get them on the command line
        assert f"{SETTING[key].option} {value:g}" in source
    assert "nn-designer train" in source and "defaults" in source
    assert suggestion_source(load_model("alexnet")).startswith("AlexNet's recipe")
