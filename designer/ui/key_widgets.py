"""Typed editors for layer settings, built from the catalogue's ``Key`` objects: spin boxes for
numbers, a check box for true/false, a combo box for a choice, a linked pair of spin boxes for a
kernel or stride, plus "same" for padding. Impossible values are refused where they are typed,
with the Key's own sentence shown under the widget; nothing reaches the model until it is valid.

Each editor emits ``committed(value)`` once per finished value (Enter, focus out, an arrow click,
a toggle): that is one undo step. ``None`` means "back to the default".
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, Signal
from PySide6.QtGui import QKeySequence, QValidator
from PySide6.QtWidgets import (QAbstractSpinBox, QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout,
                               QLabel, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from ..model import Key, KeyValueError, as_pair
from .theme import ERROR_COLOUR


def _range_text(key: Key) -> str:
    if key.value_type in ("int", "pair", "padding"):
        return f"{int(key.lo)} to {int(key.hi):,}"
    low = f"more than {key.lo:g}" if key.lo_open else f"{key.lo:g}"
    return f"{low} to {key.hi:g}"


def _is_undo_key(event) -> bool:
    return (event.matches(QKeySequence.StandardKey.Undo) or event.matches(QKeySequence.StandardKey.Redo)
            or event.keyCombination() == QKeySequence("Ctrl+Y")[0])


class _Checked:
    """Mixin for spin boxes: validate typed text with the Key, and report the sentence."""

    key: Key
    report: Any  # callable(str) showing (or, with "", clearing) the error

    def event(self, event) -> bool:
        if (event.type() == QEvent.Type.ShortcutOverride and _is_undo_key(event)
                and self.cleanText() == self.textFromValue(self.value()).strip()):
            event.ignore()  # nothing typed here to take back: Ctrl+Z is the window's Undo
            return True
        return super().event(event)

    def _parse(self, text: str):
        raise NotImplementedError

    def validate(self, text, pos):
        text = text.strip()
        try:
            value = self._parse(text)
        except ValueError:
            if text in ("", "-", "+", ".", "-."):
                return QValidator.State.Intermediate
            return QValidator.State.Invalid
        try:
            self.key.check(value)
        except KeyValueError as e:
            self.report(f"{self.key.name} {e}")
            return QValidator.State.Intermediate
        if text != self.textFromValue(self.value()).strip():
            self.report("")  # a new valid value is being typed
        return QValidator.State.Acceptable


class IntSpin(_Checked, QSpinBox):
    def __init__(self, key: Key, report, parent=None):
        super().__init__(parent)
        self.key, self.report = key, report
        self.setRange(int(key.lo), int(min(key.hi, 2**31 - 1)))
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def _parse(self, text: str):
        return int(text.replace(",", ""))


class FloatSpin(_Checked, QDoubleSpinBox):
    def __init__(self, key: Key, report, parent=None):
        super().__init__(parent)
        self.key, self.report = key, report
        self.setDecimals(12)
        self.setRange(float(key.lo), float(key.hi))
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def _parse(self, text: str):
        return float(text)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()


class KeyEditor(QWidget):
    """One setting: its widget(s) on a row, and an error line under them (hidden when fine)."""

    committed = Signal(object)

    def __init__(self, key: Key, parent=None):
        super().__init__(parent)
        self.key = key
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {ERROR_COLOUR}; font-size: small;")
        self.error.hide()
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addLayout(self.row)
        box.addWidget(self.error)
        numeric = key.value_type in ("int", "float", "pair", "padding")
        self.setToolTip(f"{key.help}{'; ' if key.help else ''}{_range_text(key)}" if numeric else key.help)

    def show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))

    def set_value(self, value: Any, shown: Any = None) -> None:
        """Show the layer's value (``value`` None: the default, shown as ``shown``)."""
        raise NotImplementedError

    def focus_widget(self) -> QWidget:
        return self


class IntEditor(KeyEditor):
    spin_class, number = IntSpin, int

    def __init__(self, key: Key, parent=None):
        super().__init__(key, parent)
        self.spin = self.spin_class(key, self.show_error)
        self.spin.setToolTip(self.toolTip())
        self.row.addWidget(self.spin, 1)
        self.spin.valueChanged.connect(self._changed)

    def _changed(self, value: int) -> None:
        self.show_error("")
        self.committed.emit(value)

    def set_value(self, value, shown=None) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.number(value if value is not None else shown if shown is not None else self.key.lo))
        self.spin.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.spin


class FloatEditor(IntEditor):
    spin_class, number = FloatSpin, float

    def _changed(self, value: float) -> None:
        try:
            self.key.check(value)
        except KeyValueError as e:  # e.g. eps = 0 reached with the arrows
            self.show_error(f"{self.key.name} {e}")
            return
        self.show_error("")
        self.committed.emit(value)


class BoolEditor(KeyEditor):
    def __init__(self, key: Key, parent=None):
        super().__init__(key, parent)
        self.box = QCheckBox()
        self.box.setToolTip(key.help)
        self.row.addWidget(self.box, 1)
        self.box.toggled.connect(self.committed.emit)

    def set_value(self, value, shown=None) -> None:
        self.box.blockSignals(True)
        self.box.setChecked(bool(value if value is not None else shown))
        self.box.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.box


class ChoiceEditor(KeyEditor):
    def __init__(self, key: Key, parent=None):
        super().__init__(key, parent)
        self.combo = QComboBox()
        self.combo.addItems([str(c) for c in key.choices])
        self.combo.setToolTip(key.help)
        self.row.addWidget(self.combo, 1)
        self.combo.activated.connect(lambda i: self.committed.emit(self.key.choices[i]))

    def set_value(self, value, shown=None) -> None:
        value = value if value is not None else shown
        self.combo.blockSignals(True)
        if value in self.key.choices:
            self.combo.setCurrentIndex(self.key.choices.index(value))
        self.combo.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.combo


class PairEditor(KeyEditor):
    """A square value (one spin box) or, unlinked, H × W; padding also offers "same"."""

    def __init__(self, key: Key, parent=None):
        super().__init__(key, parent)
        self.h = IntSpin(key, self.show_error)
        self.w = IntSpin(key, self.show_error)
        self.times = QLabel("×")
        self.link = QToolButton(checkable=True, checked=True, text="=")
        self.link.setToolTip("Square: one value for height and width. Unlink to set H × W apart.")
        for spin, what in ((self.h, "height (or both, when square)"), (self.w, "width")):
            spin.setToolTip(f"{key.help} — {what}; {_range_text(key)}")
            spin.valueChanged.connect(self._changed)
        self.same = None
        self.row.addWidget(self.h, 1)
        self.row.addWidget(self.times)
        self.row.addWidget(self.w, 1)
        self.row.addWidget(self.link)
        if key.value_type == "padding":
            self.same = QCheckBox("same")
            self.same.setToolTip('"same" padding: keep the input size (stride 1, odd kernel)')
            self.same.toggled.connect(self._changed)
            self.row.addWidget(self.same)
        self.link.toggled.connect(self._link_toggled)
        self._show_linked(True)

    def _show_linked(self, linked: bool) -> None:
        self.times.setVisible(not linked)
        self.w.setVisible(not linked)
        self.link.setText("=" if linked else "≠")

    def _link_toggled(self, linked: bool) -> None:
        self._show_linked(linked)
        if linked and self.w.value() != self.h.value():
            self._changed()

    def value(self):
        if self.same is not None and self.same.isChecked():
            return "same"
        if self.link.isChecked() or self.h.value() == self.w.value():
            return self.h.value()
        return [self.h.value(), self.w.value()]

    def _changed(self, *_):
        same = self.same is not None and self.same.isChecked()
        for widget in (self.h, self.w, self.link):
            widget.setEnabled(not same)
        if self.link.isChecked():
            self.w.blockSignals(True)
            self.w.setValue(self.h.value())
            self.w.blockSignals(False)
        self.show_error("")
        self.committed.emit(self.value())

    def set_value(self, value, shown=None) -> None:
        value = value if value is not None else shown
        widgets = (self.h, self.w, self.link) + ((self.same,) if self.same else ())
        for widget in widgets:
            widget.blockSignals(True)
        same = value == "same"
        if self.same is not None:
            self.same.setChecked(same)
        if not same and value is not None:
            h, w = as_pair(value)
            self.h.setValue(h)
            self.w.setValue(w)
            self.link.setChecked(h == w)
            self._show_linked(h == w)
        for widget in (self.h, self.w, self.link):
            widget.setEnabled(not same)
        for widget in widgets:
            widget.blockSignals(False)

    def focus_widget(self) -> QWidget:
        return self.h


class OptionalEditor(KeyEditor):
    """A key whose default is worked out from others (a pool's stride = its size): a "default"
    check box, and the inner editor when unchecked."""

    def __init__(self, inner: KeyEditor, default_text: str, parent=None):
        super().__init__(inner.key, parent)
        self.inner = inner
        self.default = QCheckBox(default_text)
        self.default.setToolTip(inner.key.help)
        self.row.addWidget(inner, 1)
        self.row.addWidget(self.default)
        inner.committed.connect(self.committed.emit)
        self.default.toggled.connect(self._toggled)

    def _toggled(self, checked: bool) -> None:
        self.inner.setEnabled(not checked)
        self.committed.emit(None if checked else _value_of(self.inner))

    def set_value(self, value, shown=None) -> None:
        self.default.blockSignals(True)
        self.default.setChecked(value is None)
        self.default.blockSignals(False)
        self.inner.setEnabled(value is not None)
        self.inner.set_value(value, shown)

    def focus_widget(self) -> QWidget:
        return self.inner.focus_widget()


def _value_of(editor: KeyEditor):
    if isinstance(editor, PairEditor):
        return editor.value()
    if isinstance(editor, (IntEditor, FloatEditor)):
        return editor.spin.value()
    if isinstance(editor, BoolEditor):
        return editor.box.isChecked()
    return editor.key.choices[editor.combo.currentIndex()]


EDITORS = {"int": IntEditor, "float": FloatEditor, "bool": BoolEditor, "choice": ChoiceEditor,
           "pair": PairEditor, "padding": PairEditor}


def make_editor(key: Key, optional_text: str = "") -> KeyEditor:
    """The editor for a key; ``optional_text`` wraps it with a "default" check box."""
    editor = EDITORS[key.value_type](key)
    return OptionalEditor(editor, optional_text) if optional_text else editor
