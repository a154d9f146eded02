"""Learning-rate schedules, stepped once per epoch.

* ``constant``: η stays as given.
* ``step``: η·γ^⌊epoch / step_size⌋ (``step_size`` epochs, ``gamma``; defaults 10 and 0.1).
* ``plateau``: AlexNet's recipe, "divide the learning rate by 10 when the validation accuracy stops
  improving": after ``patience`` epochs (default 3) without a better validation accuracy, η is
  multiplied by ``factor`` (0.1), never below ``min_lr`` (1e-6).

A schedule is built with ``make_schedule(name, lr, **options)`` or from a text spec such as
``"step:step_size=5,gamma=0.5"`` with ``schedule_from_spec(spec, lr)``. ``schedule.lr`` is the rate
for the coming epoch; ``schedule.epoch_end(epoch, val_acc)`` (epoch counted from 1) moves it on and
returns the new rate. ``state_dict()`` / ``load_state_dict()`` make resumed runs exact.
"""
from __future__ import annotations

import math
from typing import Optional

from ..errors import UserError


class ScheduleError(UserError):
    """A schedule name or option that cannot be used."""


class Schedule:
    name = ""

    def __init__(self, lr: float):
        self.base_lr = float(lr)
        self.lr = float(lr)

    def epoch_end(self, epoch: int, val_acc: Optional[float]) -> float:
        return self.lr

    def state_dict(self) -> dict:
        return {"lr": self.lr}

    def load_state_dict(self, state: dict) -> None:
        self.lr = float(state["lr"])


class Constant(Schedule):
    name = "constant"


class Step(Schedule):
    """η·γ^⌊epoch / step_size⌋ after each finished epoch."""

    name = "step"

    def __init__(self, lr: float, step_size: int = 10, gamma: float = 0.1):
        super().__init__(lr)
        self.step_size = _whole("step_size", step_size, 1)
        self.gamma = _number("gamma", gamma, 0.0, 1.0, low_open=True)

    def epoch_end(self, epoch: int, val_acc: Optional[float]) -> float:
        self.lr = self.base_lr * self.gamma ** (epoch // self.step_size)
        return self.lr


class Plateau(Schedule):
    """Divide by 10 (``factor``) after ``patience`` epochs with no better validation accuracy.

    An improvement must beat the best accuracy so far by ``threshold`` (absolute, default 1e-4).
    With no validation set the training accuracy stands in for it; with no accuracy at all
    (target vectors), the negative loss does, so a falling loss counts as improving.
    """

    name = "plateau"

    def __init__(self, lr: float, patience: int = 3, factor: float = 0.1, min_lr: float = 1e-6,
                 threshold: float = 1e-4):
        super().__init__(lr)
        self.patience = _whole("patience", patience, 0)
        self.factor = _number("factor", factor, 0.0, 1.0, low_open=True)
        self.min_lr = _number("min_lr", min_lr, 0.0, math.inf)
        self.threshold = _number("threshold", threshold, 0.0, math.inf)
        self.best = -math.inf
        self.bad_epochs = 0

    def epoch_end(self, epoch: int, val_acc: Optional[float]) -> float:
        if val_acc is None or not math.isfinite(val_acc):
            return self.lr
        if val_acc > self.best + self.threshold:
            self.best = float(val_acc)
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
            if self.bad_epochs > self.patience:
                self.lr = max(self.lr * self.factor, self.min_lr)
                self.bad_epochs = 0
        return self.lr

    def state_dict(self) -> dict:
        return {"lr": self.lr, "best": self.best if math.isfinite(self.best) else None,
                "bad_epochs": self.bad_epochs}

    def load_state_dict(self, state: dict) -> None:
        self.lr = float(state["lr"])
        self.best = -math.inf if state.get("best") is None else float(state["best"])
        self.bad_epochs = int(state.get("bad_epochs", 0))


SCHEDULES = {"constant": Constant, "step": Step, "plateau": Plateau}

_OPTIONS = {
    "constant": {},
    "step": {"step_size": int, "gamma": float},
    "plateau": {"patience": int, "factor": float, "min_lr": float, "threshold": float},
}


def _check_known(name: str, keys=()) -> None:
    """Raise ScheduleError for an unknown schedule name or option."""
    if name not in SCHEDULES:
        raise ScheduleError(f'unknown learning-rate schedule "{name}"; the schedules are '
                            + ", ".join(SCHEDULES))
    for key in keys:
        if key not in _OPTIONS[name]:
            allowed = ", ".join(_OPTIONS[name]) or "no options"
            raise ScheduleError(f'the {name} schedule has no option "{key}" (it takes {allowed})')


def make_schedule(name: str, lr: float, **options) -> Schedule:
    """A schedule by name; unknown names or options raise ScheduleError (one sentence)."""
    _check_known(name, options)
    return SCHEDULES[name](lr, **options)


def parse_schedule(spec: str) -> tuple:
    """``"plateau:patience=2,min_lr=1e-5"`` -> ``("plateau", {"patience": 2, "min_lr": 1e-5})``."""
    name, _, rest = str(spec).strip().partition(":")
    name = name.strip()
    _check_known(name)
    options = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq:
            raise ScheduleError(f'schedule option "{item}" must be written key=value')
        _check_known(name, (key,))
        number_type = _OPTIONS[name][key]
        try:
            options[key] = number_type(value.strip())
        except ValueError:
            raise ScheduleError(f'schedule option {key} must be a{"" if number_type is float else " whole"} '
                                f'number, not "{value.strip()}"') from None
    return name, options


def schedule_from_spec(spec: str, lr: float) -> Schedule:
    name, options = parse_schedule(spec)
    return make_schedule(name, lr, **options)


def _whole(name: str, value, lo: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < lo:
        raise ScheduleError(f"schedule option {name} must be a whole number of at least {lo}, not {value}")
    return int(value)


def _number(name: str, value, lo: float, hi: float, low_open: bool = False) -> float:
    value = float(value)
    if not math.isfinite(value) or value > hi or value < lo or (low_open and value == lo):
        bound = f"above {lo:g}" if low_open else f"at least {lo:g}"
        top = "" if hi == math.inf else f" and at most {hi:g}"
        raise ScheduleError(f"schedule option {name} must be {bound}{top}, not {value:g}")
    return value
