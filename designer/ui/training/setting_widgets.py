"""Widgets made from the training settings schema (designer/engine/settings.py), so the Train
panel offers what the ``train`` command offers, with the same defaults, ranges and help.

``make_widget(setting)`` gives, by the setting's type and range:

- a whole number: a ``QSpinBox`` over the setting's range;
- a number bounded on both sides (momentum, validation split): a ``QDoubleSpinBox`` whose ends are
  the setting's, an open end one step of its precision inside (0.999 for "below 1");
- any other number (learning rate, weight decay): a ``NumberEdit`` (a text field that takes
  0.01, 5e-4 or 0,05), checked by ``setting.parse`` when read;
- a choice: a ``QComboBox`` whose items' data are the setting's choices.

Every widget has ``setting``, ``value()`` (raises SettingError for text that cannot be used) and
``set_value(v)``; its tooltip is the setting's help.
"""
from __future__ import annotations

from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLineEdit, QSpinBox

from ...engine.settings import Setting, SettingError

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


class NumberEdit(QLineEdit):
    """A float field shown as %g (0.01, 5e-04) that accepts scientific notation."""

    def __init__(self, setting: Setting):
        super().__init__()
        _bind(self, setting)
        validator = QDoubleValidator(self)
        validator.setNotation(QDoubleValidator.Notation.ScientificNotation)
        if setting.low is not None:
            validator.setBottom(setting.low)
        self.setValidator(validator)
        self.set_value(setting.default)

    def set_value(self, value: float) -> None:
        self.setText(f"{value:g}")

    def value(self) -> float:
        try:
            value = float(self.text().strip().replace(",", "."))
        except ValueError:
            raise SettingError(f'{self.setting.what} "{self.text()}" is not a number') from None
        return self.setting.check(value)


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
        return NumberEdit(setting)
    raise ValueError(f"no widget for the setting {setting.name} ({setting.type.__name__})")
