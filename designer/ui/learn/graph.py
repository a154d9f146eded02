"""The Computational graph lesson: the course's f(x, y, z) = (x + y)·z (or CS231n's max-gate
example, or its sigmoid neuron) drawn as a graph, stepped through one gate at a time — values
forward, then gradients back — with each step's chain-rule sentences and the course's notes on
the add, mul and max gates. Spin boxes change the inputs and everything is recomputed.

The arithmetic is ``designer.learn.graph``; the drawing is ``graph_canvas.GraphCanvas``.
"""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFrame, QHBoxLayout, QLabel, QPushButton,
                               QTextBrowser, QVBoxLayout, QWidget)

from ...learn import EXAMPLES, GATE_NOTES, Stepper, number
from ..theme import CanvasColours, escape, mix
from .graph_canvas import GraphCanvas

NOTE_GATES = ("add", "mul", "max")  # the course's notes, always shown; an example's others follow


class ValueSpin(QDoubleSpinBox):
    """A spin box that writes its value as the lesson does: −2, 0.5 (a real minus sign, no
    trailing zeros); it reads either minus sign."""

    def textFromValue(self, value: float) -> str:
        return number(value)

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace("−", "-").strip())
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        plain = text.replace("−", "-").strip()
        try:
            value = float(plain)
        except ValueError:
            state = (QValidator.State.Intermediate if plain in ("", "-", ".", "-.")
                     else QValidator.State.Invalid)
            return state, text, pos
        if not self.minimum() <= value <= self.maximum():
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Acceptable, text, pos


class GraphLesson(QWidget):
    def __init__(self, window=None, parent=None):
        super().__init__(parent)
        self.window = window
        self.stepper = Stepper("course")
        self.spins: dict[str, ValueSpin] = {}

        self.example = QComboBox()
        for example in EXAMPLES:
            self.example.addItem(example.title, example.key)
        self.example.setToolTip("The expression to step through")
        # As wide as a short title, not the longest (the lesson must fit beside the lesson list
        # and the inspector of a 1280-px window); the open list shows the titles whole.
        self.example.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.example.setMinimumContentsLength(14)
        self.example.currentIndexChanged.connect(self._example_changed)
        self.inputs_row = QHBoxLayout()
        self.inputs_row.setSpacing(6)

        self.undo_button = self._button("Undo step", "Take the last step back (Backspace)")
        self.forward_button = self._button("Forward ▶", "Evaluate the next gate (F)")
        self.backward_button = self._button("◀ Backward", "Send the gradient back through the next "
                                            "gate (B)")
        self.all_button = self._button("All", "Every step of the forward and backward pass")
        self.reset_button = self._button("Reset", "Back to the inputs only")
        self.undo_button.clicked.connect(lambda: self._move(self.stepper.back))
        self.forward_button.clicked.connect(lambda: self._move(self.stepper.forward))
        self.backward_button.clicked.connect(lambda: self._move(self.stepper.backward))
        self.all_button.clicked.connect(lambda: self._move(self.stepper.run_all))
        self.reset_button.clicked.connect(lambda: self._move(self.stepper.reset))
        for key, button in (("F", self.forward_button), ("B", self.backward_button),
                            ("Backspace", self.undo_button)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(button.click)

        bar = QHBoxLayout()
        bar.addWidget(QLabel("Example:"))
        bar.addWidget(self.example)
        bar.addStretch(1)
        for button in (self.undo_button, self.forward_button, self.backward_button,
                       self.all_button, self.reset_button):
            bar.addWidget(button)

        self.canvas = GraphCanvas(self.stepper)
        self.step_title = QLabel()
        self.step_title.setObjectName("graph_step_title")
        palette = self.palette()
        colours = CanvasColours(palette)
        palette.setColor(self.backgroundRole(), mix(colours.base, colours.highlight, 0.18))
        self.current_palette = palette
        self.step_title.setWordWrap(True)
        self.current = QLabel()
        self.current.setObjectName("graph_current")
        self.current.setWordWrap(True)
        self.current.setTextFormat(Qt.TextFormat.RichText)
        self.current.setMargin(6)
        self.current.setAutoFillBackground(True)
        self.current.setPalette(self.current_palette)
        self.log = QTextBrowser()
        self.log.setObjectName("graph_log")
        self.log.setFrameShape(QFrame.Shape.StyledPanel)
        self.log.verticalScrollBar().rangeChanged.connect(self._to_bottom)  # newest step in view
        self.notes = QLabel()
        self.notes.setObjectName("graph_notes")
        self.notes.setWordWrap(True)
        self.notes.setTextFormat(Qt.TextFormat.RichText)
        self.notes.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        side = QVBoxLayout()
        side.setSpacing(4)
        side.addWidget(self.step_title)
        side.addWidget(self.log, 1)
        side.addWidget(self.current)
        side.addWidget(self.notes)
        left = QVBoxLayout()
        inputs = QHBoxLayout()
        inputs.addWidget(QLabel("Inputs:"))
        inputs.addLayout(self.inputs_row)
        inputs.addStretch(1)
        left.addLayout(inputs)
        left.addWidget(self.canvas, 1)
        body = QHBoxLayout()
        body.addLayout(left, 5)
        body.addLayout(side, 3)

        box = QVBoxLayout(self)
        box.setContentsMargins(8, 6, 8, 6)
        box.addLayout(bar)
        box.addLayout(body, 1)
        self._build_inputs()
        self.refresh()

    def _button(self, text: str, tip: str) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAutoDefault(False)
        return button

    # ------------------------------------------------------------------ inputs
    def _example_changed(self, index: int) -> None:
        self.stepper.select(self.example.itemData(index))
        self._build_inputs()
        self.refresh()

    def _build_inputs(self) -> None:
        while self.inputs_row.count():
            item = self.inputs_row.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        self.spins = {}
        for name in self.stepper.graph.inputs:
            label = QLabel(f"{name} =")
            spin = ValueSpin()
            spin.setRange(-20.0, 20.0)
            spin.setDecimals(2)
            spin.setSingleStep(1.0)
            spin.setValue(self.stepper.inputs[name])
            spin.setToolTip(f"The input {name}: the graph is recomputed as it changes")
            spin.setAccelerated(True)
            spin.setFixedWidth(84)
            spin.valueChanged.connect(lambda value, n=name: self.set_input(n, value))
            self.inputs_row.addWidget(label)
            self.inputs_row.addWidget(spin)
            self.spins[name] = spin

    def set_input(self, name: str, value: float) -> None:
        """Change an input; the steps are recomputed and the view stays at the same step."""
        self.stepper.set_input(name, value)
        if self.spins.get(name) is not None and self.spins[name].value() != value:
            self.spins[name].setValue(value)
        self.refresh()

    def select_example(self, key: str) -> None:
        self.example.setCurrentIndex(self.example.findData(key))

    # ------------------------------------------------------------------ steps
    def _move(self, action) -> None:
        action()
        self.refresh()

    def forward(self) -> None:
        self._move(self.stepper.forward)

    def backward(self) -> None:
        self._move(self.stepper.backward)

    def run_all(self) -> None:
        self._move(self.stepper.run_all)

    def reset(self) -> None:
        self._move(self.stepper.reset)

    def refresh(self) -> None:
        stepper = self.stepper
        done, total = stepper.position, len(stepper.steps) - 1
        gates = stepper.forward_steps
        self.step_title.setText(f"<b>Step {done} of {total}</b> · forward {min(done, gates)}/{gates}"
                                f" · backward {max(done - gates, 0)}/{total - gates}")
        self.undo_button.setEnabled(stepper.position > 0)
        self.forward_button.setEnabled(stepper.can_forward())
        self.backward_button.setEnabled(stepper.can_backward())
        self.backward_button.setToolTip("Send the gradient back through the next gate (B)"
                                        if stepper.position >= stepper.forward_steps
                                        else "Finish the forward pass first: the local gradients "
                                             "need the values")
        self.all_button.setEnabled(not stepper.done())
        self.reset_button.setEnabled(stepper.position > 0)
        self.log.setHtml(self._log_html())
        self.log.document().setTextWidth(self.log.viewport().width())
        self._to_bottom()
        self.current.setText(self._current_html())
        self.notes.setText(self._notes_html())
        self.canvas.update()

    def _to_bottom(self, *_range) -> None:
        bar = self.log.verticalScrollBar()
        bar.setValue(bar.maximum())

    def step_texts(self) -> list[str]:
        """The sentences of the steps taken so far, as the log shows them."""
        return [s for step in self.stepper.steps[:self.stepper.position + 1] for s in step.sentences]

    def _green(self) -> str:
        return self.canvas.colours()["value"].name()

    def _red(self) -> str:
        return self.canvas.colours()["grad"].name()

    def _log_html(self) -> str:
        """The steps before the current one, one line each."""
        colours = CanvasColours(self.palette())
        dim = colours.dim_text.name()
        parts = []
        for n, step in enumerate(self.stepper.steps[:self.stepper.position]):
            lines = "<br>".join(f"<span style='color:{self._phase_colour(step)}'>{escape(s)}</span>"
                                for s in step.sentences)
            parts.append(f"<table cellpadding='1'><tr><td style='color:{dim}'>{n}.</td>"
                         f"<td>{lines}</td></tr></table>")
        if not parts:
            parts.append(f"<p style='color:{dim}'>The steps taken so far are listed here.</p>")
        return "".join(parts)

    def _current_html(self) -> str:
        """The current step: its title and its sentences, larger."""
        step = self.stepper.step
        dim = CanvasColours(self.palette()).dim_text.name()
        lines = "<br>".join(f"<span style='color:{self._phase_colour(step)}'>{escape(s)}</span>"
                            for s in step.sentences)
        text = (f"<span style='color:{dim}'>{self.stepper.position}. {escape(step.title)}</span>"
                f"<br><span style='font-size:15px'><b>{lines}</b></span>")
        if self.stepper.position == 0:
            text += ("<br>Press <b>Forward ▶</b> to evaluate the gates one by one, then "
                     "<b>◀ Backward</b> to send the gradient back from the output.")
        return text

    def _phase_colour(self, step) -> str:
        if step.phase == "backward":
            return self._red()
        return self._green() if step.phase == "forward" else CanvasColours(self.palette()).text.name()

    def _notes_html(self) -> str:
        graph = self.stepper.graph
        ops = list(NOTE_GATES) + [graph.nodes[g].op for g in graph.gates
                                  if graph.nodes[g].op not in NOTE_GATES]
        step = self.stepper.step
        gate_step = step.phase == "backward" and step.changed != (graph.output,)  # not the seed
        current = graph.nodes[step.node].op if gate_step else ""
        colours = CanvasColours(self.palette())
        rows = []
        for op in dict.fromkeys(ops):
            text = escape(GATE_NOTES[op])
            if op == current:
                rows.append(f"<li><b style='color:{colours.highlight.name()}'>{text}</b></li>")
            else:
                rows.append(f"<li>{text}</li>")
        return ("<b>Gates in the backward pass</b> (the course's notes)"
                f"<ul style='margin-left:-20px'>{''.join(rows)}</ul>")

    # ------------------------------------------------------------------ lesson hooks
    def entered(self) -> None:
        self.refresh()

    def left(self) -> None:
        pass  # no timers or threads to stop

    def show_example(self) -> None:
        """The course's example with every value and gradient filled in (the README's picture)."""
        self.select_example("course")
        for name, value in (("x", -2.0), ("y", 5.0), ("z", -4.0)):
            self.set_input(name, value)
        self.stepper.run_all()
        self.refresh()


def create(window) -> QWidget:
    return GraphLesson(window)
