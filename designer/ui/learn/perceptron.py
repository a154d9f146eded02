"""The Perceptron lesson: points of the plane (built-in sets or clicked in), one neuron learning
them by the perceptron or delta rule a sample, an epoch or continuously at a time, its line
moving as it learns; the set's linear separability decided exactly, and a two-layer network
for XOR."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QComboBox, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
                               QHBoxLayout, QLabel, QPushButton, QSizePolicy, QStackedWidget,
                               QVBoxLayout, QWidget)

from designer.learn import (
    DELTA, NOT_SEPARABLE, NOT_SEPARABLE_DELTA, PERCEPTRON, RULES, SEPARABLE_SET, SETS, PerceptronRun, builtin_points, converged_sentence, line_equation, num, predict, solve_two_layers, vec,
)

from .perceptron_plot import PointPlane
from .perceptron_text import rule_html, sample_html, two_layer_html

LOGIC_EXTENT = (-0.5, 1.5, -0.5, 1.5)
BLOB_EXTENT = (-1.5, 1.5, -1.5, 1.5)
MAX_RUN_EPOCHS = 100   # Run stops here when the perceptron cannot converge
EPOCH_MS = 1200        # Run shows about one epoch in this time…
READOUT_MIN = 190      # pixels: the readout's sentences beside the controls
PLANE_MIN = 220        # pixels: the smallest plane (a 1280×720 window)
MIN_TICK_MS, MAX_TICK_MS = 30, 250   # …one or more samples per tick


def create(window) -> QWidget:
    return PerceptronView(window)


class PerceptronView(QWidget):
    def __init__(self, window=None, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.window = window
        self.run = PerceptronRun(*builtin_points(SEPARABLE_SET))
        self.two_layer = None
        self.ran_since_change = False
        self.epoch_ms = EPOCH_MS    # Run's pace: about one epoch in this time
        self.timer = QTimer(self)   # a child: it dies with the view
        self.timer.timeout.connect(self._tick)
        self._build()
        self.load_set(SEPARABLE_SET)

    # ------------------------------------------------------------------ layout
    def _build(self) -> None:
        self.plane = PointPlane()
        self.plane.clicked.connect(self.add_point)

        self.sets = QComboBox()
        self.sets.addItems(SETS)
        self.sets.setPlaceholderText("your points")   # shown once the points were edited
        self.sets.setToolTip("Load a built-in point set (it replaces the points)")
        self.sets.activated.connect(lambda i: self.load_set(SETS[i]))
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Remove every point; then click to add your own")
        self.clear_button.clicked.connect(self.clear_points)
        self.left_class = QComboBox()
        self.left_class.addItems(["+1  ●", "−1  ■"])
        self.left_class.setToolTip("The class a left click adds; a right click adds the other one")
        self.rules = QComboBox()
        self.rules.addItems(RULES)
        self.rules.activated.connect(lambda i: self.set_rule(RULES[i]))
        self.eta = QDoubleSpinBox()
        self.eta.setDecimals(3)
        self.eta.setRange(0.001, 5.0)
        self.eta.setSingleStep(0.05)
        self.eta.setValue(self.run.eta)
        self.eta.setToolTip("η, the learning rate: how far one sample moves w and b")
        self.eta.valueChanged.connect(self._eta_changed)

        self.step_button = QPushButton("Step")
        self.step_button.setToolTip("Present the next sample and apply its Δw")
        self.step_button.clicked.connect(self.step)
        self.epoch_button = QPushButton("Epoch")
        self.epoch_button.setToolTip("Present the rest of this epoch's samples")
        self.epoch_button.clicked.connect(self.epoch)
        self.run_button = QPushButton("Run")
        self.run_button.setCheckable(True)
        self.run_button.setToolTip("Keep presenting samples until it converges (or Pause)")
        self.run_button.toggled.connect(self._run_toggled)
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Back to the starting line, epoch 0")
        self.reset_button.clicked.connect(self.reset)
        self.solve_button = QPushButton("Solve with two layers")
        self.solve_button.setToolTip("Show a 2-2-1 network classifying these points: two hidden "
                                     "units (two lines) and an output unit combining them")
        self.solve_button.clicked.connect(self.solve_two_layers)

        points = QGroupBox("Points")
        form = QFormLayout(points)
        form.addRow(self.sets)
        form.addRow("Left click adds", self.left_class)
        form.addRow(self.clear_button)
        neuron = QGroupBox("Neuron")
        nform = QFormLayout(neuron)
        nform.addRow("Rule", self.rules)
        nform.addRow("η", self.eta)
        buttons = QGridLayout()
        for k, b in enumerate((self.step_button, self.epoch_button, self.run_button, self.reset_button)):
            buttons.addWidget(b, k // 2, k % 2)
        nform.addRow(buttons)
        controls = QVBoxLayout()
        controls.addWidget(points)
        controls.addWidget(neuron)
        controls.addWidget(self.solve_button)
        controls.addStretch(1)
        self.side = side = QWidget()
        side.setLayout(controls)
        side.setFixedWidth(240)

        self.rule_label = self._label()
        self.weights_label = self._label()
        self.epoch_label = self._label()
        self.sample_label = self._label()
        self.errors_label = self._label()
        one = QWidget()
        box = QVBoxLayout(one)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(8)
        for lab in (self.rule_label, self.weights_label, self.epoch_label, self.sample_label,
                    self.errors_label):
            box.addWidget(lab)
        self.two_label = self._label()
        self.readout = QStackedWidget()
        self.readout.setMinimumWidth(READOUT_MIN)
        self.readout.addWidget(one)
        self.readout.addWidget(self.two_label)
        self.status = self._label()
        self.status.setObjectName("perceptron_status")
        self.status.setStyleSheet("QLabel#perceptron_status { font-weight: bold; padding: 6px; "
                                  "border: 1px solid palette(mid); border-radius: 4px; }")
        right = QVBoxLayout()
        right.addWidget(self.readout)
        right.addWidget(self.status)
        right.addStretch(1)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.plane, 5)
        lay.addWidget(side)
        lay.addLayout(right, 6)

    def resizeEvent(self, event) -> None:
        """Keep the plane about square (its axes take some 40 pixels of its width), leaving the
        readout beside the controls READOUT_MIN pixels (a 1280-px window cut its sentences)."""
        super().resizeEvent(event)
        room = self.width() - self.side.width() - READOUT_MIN - 30
        # A maximum, not a fixed width: a fixed width is also a minimum, which kept a window
        # once made wide from being narrowed again (the window would not go below ~1000 px).
        self.plane.setMinimumWidth(PLANE_MIN)
        widest = max(PLANE_MIN, min(470, self.height() - 10, room))
        if widest != self.plane.maximumWidth():
            self.plane.setMaximumWidth(widest)
            self.layout().invalidate()   # changed during a layout pass: lay out once more

    @staticmethod
    def _label() -> QLabel:
        lab = QLabel()
        lab.setWordWrap(True)
        lab.setTextFormat(Qt.TextFormat.RichText)
        lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lab.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        return lab

    # ------------------------------------------------------------------ points
    def load_set(self, name: str) -> None:
        """Replace the points by a built-in set and start from the starting line."""
        self.pause()
        self.sets.setCurrentIndex(SETS.index(name))
        x, t = builtin_points(name)
        self.plane.set_extent(BLOB_EXTENT if name == SEPARABLE_SET else LOGIC_EXTENT)
        self.run.set_points(x, t)
        self.run.reset()
        self._points_changed()

    def clear_points(self) -> None:
        self.pause()
        self.sets.setCurrentIndex(-1)
        self.run.set_points(np.zeros((0, 2)), np.zeros(0))
        self._points_changed()

    def add_point(self, x: float, y: float, plus: bool = True) -> None:
        """What a click at plane point (x, y) does: add a point of the left-click class
        (``plus``) or of the other class (a right click)."""
        left_plus = self.left_class.currentIndex() == 0
        c = 1.0 if plus == left_plus else -1.0
        self.sets.setCurrentIndex(-1)
        self.run.set_points(np.vstack([self.run.x, [[x, y]]]), np.append(self.run.t, c))
        self._points_changed()

    def _points_changed(self) -> None:
        self.two_layer = None
        self.ran_since_change = False
        self.separability = self.run.separability()
        self.refresh()

    # ------------------------------------------------------------------ learning
    def set_rule(self, rule: str) -> None:
        self.rules.setCurrentIndex(RULES.index(rule))
        self.run.set_rule(rule)
        self.ran_since_change = False
        self.refresh()

    def _eta_changed(self, value: float) -> None:
        self.run.eta = float(value)
        self.refresh()

    def step(self) -> None:
        self._learn(self.run.step)

    def epoch(self) -> None:
        self._learn(self.run.epoch)

    def _learn(self, what) -> None:
        """One Step or Epoch; nothing once the run has converged, settled or diverged (Reset)."""
        self.pause()
        self.two_layer = None
        if not self.run.finished:
            self.ran_since_change = True
            what()
        self.refresh()

    def reset(self) -> None:
        self.pause()
        self.run.reset()
        self.two_layer = None
        self.ran_since_change = False
        self.refresh()

    def _run_toggled(self, on: bool) -> None:
        if on:
            if self.run.finished:
                self.run_button.setChecked(False)
                return
            self.run_button.setText("Pause")
            n = max(1, self.run.n)
            self._per_tick = max(1, int(np.ceil(n * MIN_TICK_MS / self.epoch_ms)))
            tick = self.epoch_ms * self._per_tick / n
            self.timer.start(int(min(MAX_TICK_MS, max(MIN_TICK_MS, tick))))
            self._run_start_epoch = self.run.epochs
            self.two_layer = None
            self.ran_since_change = True
            self.refresh()
        else:
            self.timer.stop()
            self.run_button.setText("Run")

    def _tick(self) -> None:
        for _ in range(self._per_tick):
            if self.run.finished or self.run.epochs - self._run_start_epoch >= MAX_RUN_EPOCHS:
                self.pause()
                break
            self.run.step()
        self.refresh()

    def pause(self) -> None:
        """Stop a continuous run (the Run button pops up)."""
        self.timer.stop()
        if self.run_button.isChecked():
            self.run_button.setChecked(False)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    # ------------------------------------------------------------------ two layers
    def solve_two_layers(self) -> None:
        """Show a 2-2-1 network classifying the points (XOR: the course's hand-picked weights)."""
        if self.run.n == 0:
            return
        self.pause()
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            self.two_layer = solve_two_layers(self.run.x, self.run.t)
        finally:
            QGuiApplication.restoreOverrideCursor()
        self.refresh()

    # ------------------------------------------------------------------ display
    def refresh(self) -> None:
        run = self.run
        n = run.n
        has_both = n > 0 and len(set(run.t.tolist())) == 2
        self.solve_button.setEnabled(has_both and not self.separability.separable)
        for b in (self.step_button, self.epoch_button, self.run_button):
            b.setEnabled(n > 0 and not run.finished)
        if self.two_layer is not None:
            net = self.two_layer
            wrong = net.predict(run.x) != run.t
            self.plane.set_two_layer(net)
            self.plane.set_points(run.x, run.t, wrong)
            self.two_label.setText(two_layer_html(net, run.x, run.t))
            self._show_readout(1)
            right = int(np.sum(~wrong))
            self.status.setText(f"Two layers classify {right} of {n} points right." if right < n else
                                "Two layers classify every point right: the hidden units draw two "
                                "lines and the output unit combines their sides.")
            return
        self._show_readout(0)
        wrong = predict(run.w, run.b, run.x) != run.t if n else np.zeros(0, bool)
        self.plane.set_line(run.w, run.b)
        self.plane.set_points(run.x, run.t, wrong, run.last.index if run.last else None)
        self.rule_label.setText(rule_html(run.rule, run.eta))
        self.weights_label.setText(
            f"w = <b>{vec(run.w)}</b>, b = <b>{num(run.b)}</b><br>"
            f"the line: {line_equation(run.w, run.b)}")
        nxt = f"next sample: #{run.position + 1} of {n}" if n else "no points: click the plane"
        self.epoch_label.setText(f"Epochs completed: <b>{run.epochs}</b> &nbsp;·&nbsp; {nxt}")
        self.sample_label.setText(sample_html(run.last, run.eta))
        errors = f"Misclassified by this line: <b>{int(wrong.sum())} of {n}</b> points (ringed red)"
        if run.rule == DELTA:
            errors += f"<br>E = ½Σ(t − o)² = <b>{num(run.error())}</b>"
        self.errors_label.setText(errors)
        self.status.setText(self._status())

    def _show_readout(self, index: int) -> None:
        """Show one readout page, sized to its own text (the status follows right under it)."""
        for i in range(self.readout.count()):
            page = self.readout.widget(i)
            size = QSizePolicy.Policy.Preferred if i == index else QSizePolicy.Policy.Ignored
            page.setSizePolicy(size, size)
        self.readout.setCurrentIndex(index)
        self.readout.adjustSize()

    def _status(self) -> str:
        run = self.run
        if run.n == 0:
            return "Click the plane to add points: left click +1, right click −1."
        if run.diverged:
            return (f"The weights blew up after {run.epochs} epochs: η = {num(run.eta)} is too "
                    "large for the delta rule; lower it and Reset.")
        if self.ran_since_change and not self.separability.separable:
            return NOT_SEPARABLE if run.rule == PERCEPTRON else NOT_SEPARABLE_DELTA
        if run.converged:
            return converged_sentence(run.epochs)
        if run.settled:
            return (f"The delta rule settled after {run.epochs} epochs at E = {num(run.error())}, "
                    f"the least squared error; {run.errors()} of {run.n} points on the wrong side.")
        if not self.ran_since_change:
            return "Step, Epoch or Run to train the neuron; click the plane to add points."
        if run.rule == PERCEPTRON:
            return "Learning: the perceptron has converged when a whole epoch changes nothing."
        return "Learning: the delta rule has settled when an epoch no longer moves w."

    # ------------------------------------------------------------------ lesson hooks
    def entered(self) -> None:
        self.refresh()

    def left(self) -> None:
        self.pause()

    def show_example(self) -> None:
        """Two blobs, the perceptron rule part-way through its first epoch, just after a sample
        on the wrong side moved the line."""
        self.set_rule(PERCEPTRON)
        self.load_set(SEPARABLE_SET)
        while self.run.position < 10 or not self.run.last.mistake:
            self.step()
            if self.run.epochs:
                break
