"""The backprop stepper lesson: one sample through a small dense network of sigmoids — the forward
values, the δs and the weight-update tables in the course's layout — revealed one stage at a time
on a drawing of the network, with the layer the stage is about selected on the canvas.

The arithmetic is ``designer.learn.backprop``; the drawing ``backprop_drawing``, the tables
``backprop_tables``.
"""
from __future__ import annotations

import re
from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QScrollArea, QSplitter, QVBoxLayout,
                               QWidget)

from ...errors import UserError
from ...learn import BackpropStepper, LearnError, fmt, fmt_given, stages
from ...learn import (
    COURSE_LR, COURSE_MOMENTUM, COURSE_T, COURSE_X, course_stack, network_stack, same_structure, why_not,
)
from ...learn import explain_step
from ..theme import ERROR_COLOUR
from .backprop_drawing import BackpropDrawing
from .backprop_tables import BackpropTables

COURSE, WINDOW = 0, 1
MIN_DRAWING = 300   # the drawing scales; the tables' numbers do not (a 1280-px window)
CHOICES = ("course example (mlp-example)", "this window's network")


def parse_numbers(text: str, count: int, what: str, per: str) -> list:
    """The numbers of ``text`` (separated by commas, semicolons or spaces; − or - for minus);
    raises LearnError with a sentence when they are not ``count`` numbers."""
    parts = [p for p in re.split(r"[,;\s]+", text.replace("−", "-").strip()) if p]
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise LearnError(f"{what} must be numbers separated by commas, like 10, 30, 20.") from None
    if len(values) != count:
        raise LearnError(f"{what} needs {count} values, one per {per}, not {len(values)}.")
    return values


def spin_box(decimals: int, lo: float, hi: float, step: float, value: float) -> QDoubleSpinBox:
    spin = QDoubleSpinBox()
    spin.setDecimals(decimals)
    spin.setRange(lo, hi)
    spin.setSingleStep(step)
    spin.setValue(value)
    return spin


class BackpropView(QWidget):
    def __init__(self, window=None, parent=None):
        super().__init__(parent)
        self.window = window
        self.stepper = BackpropStepper(course_stack())
        self.x, self.t = list(COURSE_X), list(COURSE_T)
        self.stage_list = stages(len(self.stack.weights))
        self.stage = 0
        self.note = ""
        self.step = None
        self._listening = False

        box = QVBoxLayout(self)
        box.setContentsMargins(6, 4, 6, 4)
        box.setSpacing(4)
        # Two rows of settings and one of buttons: in one row they asked for 955 px, more than a
        # 1280-px window leaves the lesson beside the lesson list and the inspector.
        sample, rates = self._sample_row()
        box.addLayout(sample)
        box.addLayout(rates)
        box.addLayout(self._button_row())
        self.splitter = splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.setSpacing(2)
        self.drawing = BackpropDrawing()
        left_box.addWidget(self.drawing, 1)
        self.explanation = QLabel()
        self.explanation.setObjectName("backprop_explanation")
        self.explanation.setWordWrap(True)
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        self.explanation.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.explanation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setWidget(self.explanation)
        scroll.setFixedHeight(92)
        left_box.addWidget(scroll)
        splitter.addWidget(left)
        self.tables = BackpropTables()
        splitter.addWidget(self.tables)
        splitter.setStretchFactor(0, 5)
        splitter.setStretchFactor(1, 4)
        splitter.setSizes([560, 470])
        box.addWidget(splitter, 1)

        self._update_choice()
        self._recompute()
        if window is not None:
            network = window.network
            self.destroyed.connect(partial(BackpropView._forget, network, self._network_changed))

    @property
    def stack(self):
        """The network being stepped, with the weights of the current step."""
        return self.stepper.stack

    # ------------------------------------------------------------------ widgets
    def _sample_row(self) -> tuple:
        """The network and the sample (x, t); the rates (η, α) and the error E below them."""
        row = QHBoxLayout()
        row.setSpacing(6)
        row.addWidget(QLabel("Network:"))
        self.choice = QComboBox()
        self.choice.addItems(list(CHOICES))
        self.choice.currentIndexChanged.connect(self._choice_changed)
        row.addWidget(self.choice)
        row.addSpacing(10)
        self.x_edit = QLineEdit(", ".join(fmt_given(v) for v in self.x))
        self.x_edit.setToolTip("The sample's inputs, separated by commas")
        self.x_edit.setFixedWidth(150)
        self.t_edit = QLineEdit(", ".join(fmt_given(v) for v in self.t))
        self.t_edit.setToolTip("The targets of the outputs, separated by commas")
        self.t_edit.setFixedWidth(110)
        for label, edit in (("x =", self.x_edit), ("t =", self.t_edit)):
            row.addWidget(QLabel(label))
            row.addWidget(edit)
            edit.editingFinished.connect(self._sample_edited)
            row.addSpacing(6)
        row.addStretch(1)
        first, row = row, QHBoxLayout()
        row.setSpacing(6)
        self.lr_spin = spin_box(4, 0.0001, 10.0, 0.05, COURSE_LR)
        self.lr_spin.setToolTip("η, the learning rate")
        self.momentum_spin = spin_box(2, 0.0, 0.99, 0.1, COURSE_MOMENTUM)
        self.momentum_spin.setToolTip("α, the momentum: Δw(n) = ηδx + αΔw(n−1)")
        for label, spin in (("η =", self.lr_spin), ("α =", self.momentum_spin)):
            row.addWidget(QLabel(label))
            row.addWidget(spin)
            spin.valueChanged.connect(self._recompute)
        row.addStretch(1)
        self.loss_label = QLabel()
        self.loss_label.setObjectName("backprop_loss")
        row.addWidget(self.loss_label)
        return first, row

    def _button_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.buttons = {}
        for name, tip, slot in (
                ("Reset", "Back to the first weights (step 1), nothing computed", self.reset),
                ("Forward", "The forward pass: net and o of every neuron", self.forward),
                ("Back", "The backward pass: the δs, then the weight-update tables", self.back),
                ("Next", "One stage further", self.next_stage),
                ("Step", "Take the step: the new weights become the current ones", self.take_step)):
            button = QPushButton(name)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[name] = button
        row.addSpacing(12)
        self.stage_label = QLabel()
        self.stage_label.setObjectName("backprop_stage")
        self.stage_label.setWordWrap(True)
        row.addWidget(self.stage_label, 1)
        return row

    # ------------------------------------------------------------------ the network
    def _update_choice(self) -> None:
        reason = why_not(self.window.network) if self.window is not None else \
            "There is no window network here."
        item = self.choice.model().item(WINDOW)
        item.setEnabled(not reason)
        item.setToolTip(reason or "The network on the canvas, with the weights trained in Train mode "
                                   "(or freshly initialised, seed 0, before any training)")
        self.choice.setToolTip("The network to step through" + (f". {reason}" if reason else ""))
        if reason and self.choice.currentIndex() == WINDOW:
            self.choice.setCurrentIndex(COURSE)

    def _choice_changed(self, index: int) -> None:
        if index == WINDOW:
            try:
                self._use_window_network()
            except UserError:  # it stopped qualifying (or its weights do not fit): the course's again
                self.choice.setCurrentIndex(COURSE)
        else:
            self._use(course_stack())

    def _use(self, stack) -> None:
        self.stepper = BackpropStepper(stack)
        self.stage_list = stages(len(stack.weights))
        self.stage = 0
        sizes = stack.sizes
        if len(self.x) != sizes[0] or len(self.t) != sizes[-1]:
            course = list(COURSE_X) if sizes[0] == 3 else [1.0] * sizes[0]
            self.x = course
            self.t = list(COURSE_T) if sizes[-1] == 2 else [1.0] + [0.0] * (sizes[-1] - 1)
            self.x_edit.setText(", ".join(fmt_given(v) for v in self.x))
            self.t_edit.setText(", ".join(fmt_given(v) for v in self.t))
        self.note = f"Stepping through {stack.title}."
        self._recompute()

    def _network_changed(self, *_args) -> None:
        self._update_choice()
        if self.choice.currentIndex() == WINDOW and not same_structure(self.window.network, self.stack):
            self._use_window_network()

    def _use_window_network(self) -> None:
        self._weights_version = self.window.weights.version
        self._use(network_stack(self.window.network, self._trained_weights()))

    def _weights_changed(self) -> bool:
        """Whether the window holds other weights than the window network's stack began with."""
        return self.window.weights.version != getattr(self, "_weights_version", None)

    def _trained_weights(self):
        """The weights the window holds for its network, trained or loaded in Train mode, while no
        run is changing them; None otherwise (the stepper then initialises its own, seed 0)."""
        holder = self.window.weights
        return None if holder.busy else holder.current(shipped=False)

    @staticmethod
    def _forget(network, callback, *_args) -> None:
        try:
            network.changed.disconnect(callback)
        except ValueError:
            pass

    def entered(self) -> None:
        if self.window is not None and not self._listening:
            self.window.network.changed.connect(self._network_changed)
            self._listening = True
            self._network_changed()
        if self.choice.currentIndex() == WINDOW and self._weights_changed():
            self._use_window_network()  # trained (or loaded) since the stepper last looked
        self._select_on_canvas()

    def left(self) -> None:
        if self._listening:
            self._forget(self.window.network, self._network_changed)
            self._listening = False

    # ------------------------------------------------------------------ the sample
    def _sample_edited(self) -> None:
        sizes = self.stack.sizes
        try:
            x = parse_numbers(self.x_edit.text(), sizes[0], "x", "input")
            t = parse_numbers(self.t_edit.text(), sizes[-1], "t", "output")
        except LearnError as exc:
            self.note = f"<span style='color:{ERROR_COLOUR}'>{exc}</span>"
            self._show()
            return
        self.x, self.t = x, t
        self.note = ""
        self._recompute()

    def _recompute(self, *_args) -> None:
        self.step = self.stepper.compute(self.x, self.t, self.lr_spin.value(),
                                         self.momentum_spin.value())
        self._show()

    # ------------------------------------------------------------------ stages
    def set_stage(self, index: int) -> None:
        self.stage = max(0, min(index, len(self.stage_list) - 1))
        self.note = ""
        self._show()
        self.tables.scroll_to_stage(self.stage_list[self.stage])
        self._select_on_canvas()

    def reset(self) -> None:
        self.stepper.reset()
        self.note = "Back to the first weights."
        self.stage = 0
        self._recompute()
        self._select_on_canvas()

    def forward(self) -> None:
        self.set_stage(max(i for i, s in enumerate(self.stage_list) if s.phase == "forward"))

    def back(self) -> None:
        self.set_stage(len(self.stage_list) - 1)

    def next_stage(self) -> None:
        self.set_stage(self.stage + 1)

    def take_step(self) -> None:
        step = self.step
        self.stepper.apply(step)
        taken = self.stepper.count - 1
        self.stage = 0
        self._recompute()
        after = self.step
        self.note = (f"Step {taken} taken: the edges carry the new weights. E was {fmt(step.loss)}, "
                     f"with them it is {fmt(after.loss)}.")
        self._show()
        self._select_on_canvas()

    def _show(self) -> None:
        stage = self.stage_list[self.stage]
        step = self.step
        self.drawing.show_state(self.stack, step, self.stage_list, self.stage)
        self.tables.show_state(self.stack, step, self.stage_list, self.stage)
        lines = explain_step(step, self.stack, stage)
        if self.note:
            lines = [self.note] + lines
        self.explanation.setText("<br>".join(lines))
        self.stage_label.setText(f"<b>Step {self.stepper.count}</b> · stage {self.stage + 1} of "
                                 f"{len(self.stage_list)}: {stage.title}")
        forward_done = any(s.phase == "forward" and s.layer == len(self.stack.weights) - 1
                           for s in self.stage_list[:self.stage + 1])
        self.loss_label.setText(f"E = ½Σ(t − o)² = <b>{fmt(step.loss)}</b>" if forward_done
                                else "E = ½Σ(t − o)² = ?")
        self.buttons["Next"].setEnabled(self.stage < len(self.stage_list) - 1)
        self._fit_tables()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_tables()   # the room changed: the tables first, down to MIN_DRAWING for the drawing

    def _fit_tables(self) -> None:
        """Widen the tables' side (down to a drawing of ``MIN_DRAWING`` pixels) when a table has
        grown wider than it (the momentum columns, a bigger network)."""
        sizes = self.splitter.sizes()
        total, need = sum(sizes), self.tables.needed_width()
        if total > 0 and sizes[1] < need:
            right = min(need, total - MIN_DRAWING)
            self.splitter.setSizes([total - right, right])

    def _select_on_canvas(self) -> None:
        """Select the layer the stage is about on the canvas (the dense layer, with its sigmoid
        while net and o or δ are computed), when the canvas shows the network being stepped."""
        window = self.window
        if window is None or not self.isVisible():
            return
        stage = self.stage_list[self.stage]
        network = window.network
        if stage.layer < 0 or not same_structure(network, self.stack):
            return
        index = self.stack.layer_index[stage.layer]
        uids = [network[index].uid]
        if stage.phase in ("forward", "delta"):
            uids.append(network[index + 1].uid)
        window.editor.select(uids)

    # ------------------------------------------------------------------ README
    def show_example(self) -> None:
        """The course's example with the output layer's update table filled in."""
        self.choice.setCurrentIndex(COURSE)
        self._use(course_stack())
        self.x, self.t = list(COURSE_X), list(COURSE_T)
        self.x_edit.setText(", ".join(fmt_given(v) for v in self.x))
        self.t_edit.setText(", ".join(fmt_given(v) for v in self.t))
        self.lr_spin.setValue(COURSE_LR)
        self.momentum_spin.setValue(COURSE_MOMENTUM)
        self._recompute()
        self.set_stage(next(i for i, s in enumerate(self.stage_list) if s.phase == "update"))


def create(window) -> QWidget:
    return BackpropView(window)
