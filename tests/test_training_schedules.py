"""Learning-rate schedules: constant, step, and AlexNet's divide-by-10 on a plateau."""
from __future__ import annotations

import pytest

from designer.engine.schedules import ScheduleError, make_schedule, parse_schedule, schedule_from_spec


def lrs(schedule, accs):
    return [schedule.epoch_end(epoch, acc) for epoch, acc in enumerate(accs, start=1)]


def test_constant_keeps_the_rate():
    s = make_schedule("constant", 0.05)
    assert s.lr == 0.05
    assert lrs(s, [0.1, 0.2, 0.2, 0.1]) == [0.05] * 4


def test_step_multiplies_by_gamma_every_step_size_epochs():
    s = make_schedule("step", 0.1, step_size=2, gamma=0.5)
    assert lrs(s, [None] * 6) == pytest.approx([0.1, 0.05, 0.05, 0.025, 0.025, 0.0125])
    assert make_schedule("step", 1.0).epoch_end(10, None) == pytest.approx(0.1)


def test_plateau_divides_by_ten_when_validation_accuracy_stops_improving():
    s = make_schedule("plateau", 0.01, patience=1)
    # better, better, worse (1 bad epoch: wait), equal (2 bad: ÷10), better, worse, worse (÷10)
    got = lrs(s, [0.50, 0.60, 0.55, 0.60, 0.70, 0.69, 0.68])
    assert got == pytest.approx([0.01, 0.01, 0.01, 0.001, 0.001, 0.001, 0.0001])


def test_plateau_respects_min_lr_and_ignores_missing_accuracy():
    s = make_schedule("plateau", 1e-5, patience=0, min_lr=5e-6)
    assert lrs(s, [0.5, 0.5, None, 0.4]) == pytest.approx([1e-5, 5e-6, 5e-6, 5e-6])


def test_plateau_state_round_trips():
    a = make_schedule("plateau", 0.1, patience=2)
    lrs(a, [0.5, 0.4])
    b = make_schedule("plateau", 0.1, patience=2)
    b.load_state_dict(a.state_dict())
    assert lrs(a, [0.4, 0.3, 0.2]) == lrs(b, [0.4, 0.3, 0.2])


def test_specs():
    assert parse_schedule("constant") == ("constant", {})
    assert parse_schedule("step:step_size=5,gamma=0.5") == ("step", {"step_size": 5, "gamma": 0.5})
    assert parse_schedule(" plateau : patience=2, min_lr=1e-5 ") == ("plateau", {"patience": 2, "min_lr": 1e-5})
    assert schedule_from_spec("step:gamma=0.2", 1.0).epoch_end(10, None) == pytest.approx(0.2)


@pytest.mark.parametrize("spec, words", [
    ("cosine", "unknown learning-rate schedule"),
    ("step:size=3", 'no option "size"'),
    ("step:step_size", "key=value"),
    ("step:step_size=x", "whole number"),
    ("step:step_size=0", "at least 1"),
    ("step:gamma=0", "above 0"),
    ("plateau:factor=2", "at most 1"),
    ("constant:patience=1", "no options"),
])
def test_bad_specs_are_one_sentence(spec, words):
    with pytest.raises(ScheduleError, match=words) as info:
        schedule_from_spec(spec, 0.1)
    assert "\n" not in str(info.value)
