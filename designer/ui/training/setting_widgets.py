"""Widgets made from the training settings schema (designer/engine/settings.py), so the Train
panel offers what the ``train`` command offers, with the same defaults, ranges and help.

``make_widget(setting)`` gives, by the setting's type and range:

- a whole number: a ``QSpinBox`` over the setting's range;
- a number bounded on both sides (momentum, validation split): a ``QDoubleSpinBox`` whose ends are
  the setting's, an open end one step of its precision inside (0.999 for "below 1");
- any other number (learning rate, weight decay): a ``NumberSpin`` (shown as %g, typed as 0.01,
  5e-4 or 0,05, stepped 1-2-5 per decade), checked by the setting when read;
- a choice: a ``QComboBox`` whose items' data are the setting's choices.

Every widget has ``setting``, ``value()`` (raises SettingError for text that cannot be used) and
``set_value(v)``; its tooltip is the setting's help.
"""
from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QSpinBox

from ...engine import Setting

FLOAT_DECIMALS = 3   # precision of a float spin box; an open end lies 10⁻³ inside
FLOAT_STEP = 0.05
# The text a choice shows, where it differs from the value ("cross-entropy" reads better).
SHOWN = {"cross_entropy": "cross-entropy"}


def _bind(widget, setting: Setting) -> None:
    """What every setting widget has: its setting, and the setting's help as its tooltip."""
    widget.setting = setting
    widget.setToolTip(setting.help[:1].upper() + setting.help[1:])


class SettingSpin(QSpinBox):
    def __init__(self, setting: Setting):
        super().__init__()
        _bind(self, setting)
        self.setRange(int(setting.low), int(setting.high))

    def set_value(self, value) -> None:
        self.setValue(int(value))


class SettingDoubleSpin(QDoubleSpinBox):
    def __init__(self, setting: Setting):
        super().__init__()
        _bind(self, setting)
        self.setDecimals(FLOAT_DECIMALS)
        inside = 10.0 ** -FLOAT_DECIMALS
        self.setRange(setting.low + (inside if setting.low_open else 0.0),
                      setting.high - (inside if setting.high_open else 0.0))
        self.setSingleStep(FLOAT_STEP)

    def value(self) -> float:  # the shown value, without the binary fraction's noise
        return round(super().value(), FLOAT_DECIMALS)

    def set_value(self, value) -> None:
        self.setValue(float(value))


class NumberSpin(QDoubleSpinBox):
    """A spin box for a rate that spans decades (learning rate, weight decay): shown as %g (0.01,
    5e-04), typed in plain or scientific notation (0,05 too), and stepped along 1, 2, 5, 10, …
    (a step of 0.05 means nothing at 5e-4). Like the other settings it is a spin box: a plain text
    field took any text and applied it only at Start."""

    LADDER = (1.0, 2.0, 5.0)
    SMALLEST = 1e-8

    def __init__(self, setting: Setting):
        super().__init__()
        _bind(self, setting)
        self.setDecimals(12)   # the value is kept whole; the text is %g
        low = setting.low if setting.low is not None else -1e9
        if setting.low_open:
            low = max(low, 0.0) + self.SMALLEST
        self.setRange(low, setting.high if setting.high is not None else 1e6)
        self.setKeyboardTracking(False)   # applied when the typing is done (Enter, focus out)
        self.set_value(setting.default)

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt's name)
        return f"{value:g}"

    def valueFromText(self, text: str) -> float:  # noqa: N802
        try:
            return float(text.strip().replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator
        t = text.strip().replace(",", ".")
        try:
            value = float(t)
        except ValueError:
            # "5e-", "1." or "" on the way to a number; letters never
            partial = t == "" or all(c in "0123456789.eE+-" for c in t)
            return (QValidator.State.Intermediate if partial else QValidator.State.Invalid), text, pos
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos

    def stepBy(self, steps: int) -> None:  # noqa: N802
        value = self.value()
        for _ in range(abs(steps)):
            value = self._next(value, 1 if steps > 0 else -1)
        self.setValue(value)

    def _next(self, value: float, direction: int) -> float:
        """The next value of the 1-2-5 ladder above (or below) ``value``."""
        import math
        if value <= 0:
            return self.SMALLEST * 10 if direction > 0 else value
        decade = 10.0 ** math.floor(math.log10(value) + 1e-9)
        rungs = [decade * r for r in self.LADDER] + [decade * 10]
        if direction > 0:
            return next(r for r in rungs if r > value * (1 + 1e-9))
        lower = [decade / 10 * 5] + rungs
        return max(r for r in lower if r < value * (1 - 1e-9))

    def value(self) -> float:
        return self.setting.check(float(f"{super().value():.12g}"))

    def set_value(self, value: float) -> None:
        self.setValue(float(value))


class SettingCombo(QComboBox):
    def __init__(self, setting: Setting):
        super().__init__()
        _bind(self, setting)
        for choice in setting.choices:
            self.addItem(SHOWN.get(choice, choice), choice)

    def value(self):
        return self.currentData()

    def set_value(self, value) -> None:
        # A spec ("step:gamma=0.5") shows its name.
        self.setCurrentIndex(max(0, self.findData(str(value).partition(":")[0])))


def make_widget(setting: Setting):
    """The widget for one setting (see the module text)."""
    if setting.choices:
        return SettingCombo(setting)
    if setting.type is int:
        return SettingSpin(setting)
    if setting.type is float and setting.low is not None and setting.high is not None:
        return SettingDoubleSpin(setting)
    if setting.type is float:
        return NumberSpin(setting)
    raise ValueError(f"no widget for the setting {setting.name} ({setting.type.__name__})")
