"""The training settings, declared once: the ``train`` command's options, ``TrainConfig``'s checks
and the Train panel's widgets are all made from ``SETTINGS`` (no Qt here).

Each ``Setting`` has a ``name`` (the ``TrainConfig`` field), a ``type`` (int, float, str or bool),
a ``default`` (docs/cli.md's: one set for the command line and the window), a range (``low`` /
``high``, each inclusive unless ``low_open`` / ``high_open``; None is unbounded), ``choices`` (the
allowed values, or for a spec such as ``"step:gamma=0.5"`` the allowed names before the colon),
``help`` (one line: the option's help and the widget's tooltip) and ``label`` (the panel's).

    SETTING["val_split"].check(0.5)       # -> 0.5; 1.0 raises SettingError("the validation split must be …")
    SETTING["lr"].parse("0.05")           # -> 0.05; "-1" raises SettingError("must be greater than 0, not -1")
    SETTING["epochs"].range_text()        # -> "from 1 to 1,000,000"
    defaults()                            # -> {"epochs": 10, "batch_size": 64, ...}

A front end shows ``cli_settings()`` / ``panel_settings()``: every setting but ``shuffle`` (a
switch for tests and lessons) is on both, so the command line and the window offer the same
settings with the same defaults and ranges (tests/test_settings_schema.py checks it).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..errors import UserError
from .augment import Augment
from .init import INITS
from .losses import LOSSES
from .schedules import SCHEDULES, schedule_from_spec

DTYPES = ("float32", "float64")
# Integers are bounded so every front end can hold them (a Qt spin box holds 31 bits).
INT_LIMIT = 2 ** 31 - 1


class SettingError(UserError):
    """A training setting that cannot be used; one sentence."""


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: object
    help: str
    label: str
    what: str                        # the setting in a sentence: "the learning rate"
    low: Optional[float] = None
    high: Optional[float] = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()
    spec: bool = False               # a text spec "name:key=value,…" (choices are its names)
    optional: bool = False           # None is allowed (augment: none)
    validate: Optional[Callable] = None  # a further check of a spec; raises UserError
    metavar: str = "X"
    front_ends: tuple = ("cli", "panel")

    # ------------------------------------------------------------------ names
    @property
    def option(self) -> str:
        """The command line's option: ``--batch-size``."""
        return "--" + self.name.replace("_", "-")

    # ------------------------------------------------------------------ ranges
    def range_text(self) -> str:
        """The range in words, as the messages say it: "at least 1", "at least 0 and below 1"."""
        if self.choices and not self.spec:
            return "one of " + ", ".join(str(c) for c in self.choices)
        lo, hi = self.low, self.high
        show = (lambda v: f"{v:,}") if self.type is int else (lambda v: f"{v:g}")
        if lo is not None and hi is not None and not self.low_open and not self.high_open:
            return f"from {show(lo)} to {show(hi)}"
        parts = []
        if lo is not None:
            parts.append(f"greater than {show(lo)}" if self.low_open else
                         ("0 or more" if lo == 0 and hi is None else f"at least {show(lo)}"))
        if hi is not None:
            parts.append(f"below {show(hi)}" if self.high_open else f"at most {show(hi)}")
        return " and ".join(parts)

    def contains(self, value) -> bool:
        """Whether a number lies in the range (not whether its type is right)."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None and (value >= self.high if self.high_open else value > self.high):
            return False
        return True

    def problem(self, value) -> Optional[str]:
        """What is wrong with ``value`` ("must be at least 1, not 0"), or None; the value must
        already have the setting's type (``parse`` turns text into it)."""
        if value is None:
            return None if self.optional else f"must be given, not {value}"
        if self.type is bool:
            return None if isinstance(value, (bool, np.bool_)) else f"must be true or false, not {value!r}"
        if self.type is str:
            if not isinstance(value, str):
                return f"must be text, not {value!r}"
            if self.choices:
                name = value.partition(":")[0] if self.spec else value
                if name not in self.choices:
                    return f'must be one of {", ".join(self.choices)}, not "{name}"'
            return None
        if isinstance(value, (bool, np.bool_)):
            return f"must be a number, not {value!r}"
        if self.type is int and not isinstance(value, (int, np.integer)):
            return f"must be a whole number, not {value!r}"
        if not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
            return f"must be a finite number, not {value!r}"
        if not self.contains(value):
            shown = f"{value:,}" if self.type is int else f"{value:g}"
            return f"must be {self.range_text()}, not {shown}"
        return None

    def check(self, value):
        """``value`` as a plain Python value of the setting's type; SettingError (one sentence
        naming the setting) when it cannot be used."""
        problem = self.problem(value)
        if problem:
            raise SettingError(f"{self.what} {problem}")
        if self.validate is not None and value is not None:
            self.validate(value)
        if value is None:
            return None
        return self.type(value)

    def parse(self, text: str):
        """A value typed on the command line (or in a text field), checked; SettingError without
        the setting's name ("must be greater than 0, not -1": argparse names the option)."""
        text = text.strip()
        if self.type is int:
            try:
                value = int(text)
            except ValueError:
                raise SettingError(f"must be a whole number, not {text!r}") from None
        elif self.type is float:
            try:
                value = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
            except ValueError:
                raise SettingError(f"must be a number, not {text!r}") from None
        elif self.type is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise SettingError(f"must be true or false, not {text!r}")
            value = text.lower() in ("true", "1", "yes")
        else:
            value = None if (self.optional and text.lower() in ("", "none")) else text
        problem = self.problem(value)
        if problem:
            raise SettingError(problem)
        if self.validate is not None and value is not None:
            self.validate(value)
        return value


def _check_schedule(spec: str) -> None:
    schedule_from_spec(spec, 1.0)  # the options; the rate itself is the lr setting's


def _check_augment(spec: str) -> None:
    Augment.parse(spec)


SETTINGS: tuple = (
    Setting("epochs", int, 10, "passes over the training data", "epochs", "epochs",
            low=1, high=1_000_000, metavar="N"),
    Setting("batch_size", int, 64, "samples per step of gradient descent (at most the training samples: "
            "a larger batch is one full batch)", "batch", "the batch size", low=1, high=INT_LIMIT, metavar="N"),
    Setting("lr", float, 0.01, "learning rate η: the size of each step", "lr η", "the learning rate",
            low=0.0, low_open=True),
    Setting("momentum", float, 0.9, "momentum α: Δw(n) = −η(∂E/∂w + λw) + αΔw(n−1)", "momentum α",
            "the momentum", low=0.0, high=1.0, high_open=True),
    Setting("weight_decay", float, 0.0, "L2 weight decay λ (AlexNet used 5e-4)", "decay λ", "the weight decay",
            low=0.0),
    Setting("loss", str, "cross_entropy", "cross_entropy for classes (a final softmax is folded in); "
            "mse for target vectors or a single output", "loss", "the loss", choices=LOSSES, metavar="NAME"),
    Setting("val_split", float, 0.2, "fraction of the data held out to validate after each epoch",
            "validation", "the validation split", low=0.0, high=1.0, high_open=True),
    Setting("seed", int, 0, "seed of initialisation, split, shuffling, dropout and the built-in data sets: "
            "the same seed gives the same run", "seed", "the seed", low=0, high=INT_LIMIT, metavar="N"),
    Setting("schedule", str, "constant", "learning-rate schedule: constant, step[:step_size=N,gamma=X], "
            "plateau[:patience=N,factor=X,min_lr=X]", "schedule", "the schedule", choices=tuple(SCHEDULES),
            spec=True, validate=_check_schedule, metavar="SPEC"),
    Setting("init", str, "default", "weight initialisation: default (PyTorch's), he or xavier", "init",
            "the initialisation", choices=INITS, metavar="NAME"),
    Setting("augment", str, None, "image augmentation, e.g. flip,crop=2,shift=2 (none by default)", "augment",
            "the augmentation", optional=True, validate=_check_augment, metavar="SPEC"),
    Setting("dtype", str, "float32", "floating-point precision of the weights and the arithmetic", "precision",
            "the dtype", choices=DTYPES, metavar="NAME"),
    Setting("shuffle", bool, True, "a new order of the training data every epoch (False keeps the file's)",
            "shuffle", "shuffle", front_ends=()),
)
SETTING = {s.name: s for s in SETTINGS}


def defaults() -> dict:
    """Every setting's default, by name."""
    return {s.name: s.default for s in SETTINGS}


def cli_settings() -> tuple:
    """The settings the ``train`` command offers as options, in order."""
    return tuple(s for s in SETTINGS if "cli" in s.front_ends)


def panel_settings() -> tuple:
    """The settings the Train panel offers as widgets, in order."""
    return tuple(s for s in SETTINGS if "panel" in s.front_ends)


def check_settings(values: dict) -> dict:
    """Each value checked by its setting (SettingError names the first bad one), as plain Python
    values; names that are not settings are left out."""
    return {name: SETTING[name].check(value) for name, value in values.items() if name in SETTING}
