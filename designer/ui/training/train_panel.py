"""The Training panel: the settings of a run (epochs, batch size, learning rate, momentum,
weight decay, loss, schedule, validation split, seed, initialisation, augmentation), the Start /
Pause–Resume / Stop buttons, a progress bar with epoch, batch, samples per second and ETA, the
weights buttons, and a line for what happened (one sentence).

The panel holds no training logic: it emits what was asked and shows what it is told.
"""
from __future__ import annotations

from typing import Optional

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout, QLabel,
                               QMenu, QProgressBar, QPushButton, QSpinBox, QStyle, QVBoxLayout, QWidget)

from ...engine import Augment, BatchProgress, SETTING, TrainConfig, defaults, panel_settings
from .setting_widgets import make_widget
from .settings import SCHEDULES
from .state import TrainState
from .widgets import grid_of, tipped
from .worker import eta_text

# Colours of the message line by kind.
TONES = {"info": "", "good": "color: #1e8449;", "warn": "color: #b9770e;", "error": "color: #c0392b;"}


class TrainPanel(QGroupBox):
    start_clicked = Signal()
    pause_clicked = Signal()      # pause or resume, by state
    stop_clicked = Signal()
    seed_changed = Signal(int)
    save_weights = Signal()
    load_weights = Signal()
    save_checkpoint = Signal()
    resume_checkpoint = Signal()

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__("Training", parent)
        self._menu_buttons: list = []   # (menu action, button) once build_menu has made the menu
        # One widget per setting of the schema (engine/settings.py): the command line's options,
        # defaults, ranges and help.
        self.widgets = {s.name: make_widget(s) for s in panel_settings() if s.name != "augment"}
        self.epochs, self.batch, self.lr = self.widgets["epochs"], self.widgets["batch_size"], self.widgets["lr"]
        self.momentum, self.decay = self.widgets["momentum"], self.widgets["weight_decay"]
        self.val_split, self.seed = self.widgets["val_split"], self.widgets["seed"]
        self.loss, self.schedule, self.init = self.widgets["loss"], self.widgets["schedule"], self.widgets["init"]
        self.dtype = self.widgets["dtype"]
        for k, name in enumerate(SETTING["schedule"].choices):
            text, tip = SCHEDULES[name]
            self.schedule.setItemText(k, text)
            self.schedule.setItemData(k, tip, Qt.ItemDataRole.ToolTipRole)
        self.flip = QCheckBox("flip")
        self.flip.setToolTip("Mirror training images left–right at random")
        self.crop = QSpinBox()
        self.crop.setRange(0, 32)
        self.crop.setPrefix("crop ")
        self.crop.setToolTip("Random crops: pad by this many pixels and cut back to size")
        self.shift = QSpinBox()
        self.shift.setRange(0, 32)
        self.shift.setPrefix("shift ")
        self.shift.setToolTip("Move training images by up to this many pixels")
        aug = QHBoxLayout()
        aug.setContentsMargins(0, 0, 0, 0)
        for w in (self.flip, self.crop, self.shift):
            aug.addWidget(w)
        self.augment_row = QWidget()
        self.augment_row.setLayout(aug)

        form = QGridLayout()
        pairs = [(w.setting.label, w) for w in self.widgets.values() if not isinstance(w, QComboBox)]
        for k, (label, w) in enumerate(pairs):
            r, c = divmod(k, 2)
            # A spin box asks for the width of its largest value (a seed of 2³¹): these fields
            # shrink to what their usual values need, so that the panel fits a small screen.
            w.setMinimumWidth(60)
            w.setMaximumWidth(96)
            form.addWidget(QLabel(label), r, 2 * c)
            form.addWidget(w, r, 2 * c + 1)
        form.setColumnStretch(1, 1)
        form.setColumnStretch(3, 1)
        more = QFormLayout()
        for combo in (w for w in self.widgets.values() if isinstance(w, QComboBox)):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
            more.addRow(combo.setting.label, combo)
        more.addRow(SETTING["augment"].label, self.augment_row)

        icon = self.style().standardIcon
        self.icons = {"start": icon(QStyle.StandardPixmap.SP_MediaPlay),
                      "pause": icon(QStyle.StandardPixmap.SP_MediaPause)}
        self.start = QPushButton(self.icons["start"], "Start")
        self.start.setToolTip("Train the network on the data with these settings")
        self.pause = QPushButton(self.icons["pause"], "Pause")
        self.pause.setToolTip("Pause between two batches; press again to resume")
        self.stop = QPushButton(icon(QStyle.StandardPixmap.SP_MediaStop), "Stop")
        self.stop.setToolTip("Stop now (the batch under way is undone); the weights so far are kept "
                             "and Continue goes on from there")
        buttons = QHBoxLayout()
        for b in (self.start, self.pause, self.stop):
            buttons.addWidget(b)

        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.bar.setTextVisible(True)
        self.bar.setToolTip("Progress of the whole run")
        self.rate = QLabel("")
        self.rate.setToolTip("Training speed, the time left and the learning rate in use")
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.save_w = tipped(QPushButton("Save weights…"), "Save the trained weights as an .npz file")
        self.load_w = tipped(QPushButton("Load weights…"),
                             "Load weights from an .npz file; the next run starts from them")
        self.save_c = tipped(QPushButton("Save checkpoint…"), "Save everything needed to continue this "
                             "run later (weights, momentum, schedule, position)")
        self.resume_c = tipped(QPushButton("Resume checkpoint…"), "Continue a run saved in a checkpoint, "
                               "with its settings, optimizer state and epoch")
        wrow = grid_of([[self.save_w, self.load_w], [self.save_c, self.resume_c]])

        # Where the settings shown come from, when not the command line's defaults.
        self.source = QLabel("")
        self.source.setWordWrap(True)
        # In the text's own colour: grey read as a disabled control.
        self.source.setStyleSheet("QLabel { border-left: 3px solid palette(highlight); padding-left: 5px; }")
        self.source.setVisible(False)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        lay = QVBoxLayout(self)
        lay.addWidget(self.source)
        lay.addLayout(form)
        lay.addLayout(more)
        lay.addLayout(wrow)

        # What a run needs in view at any window height: the owner pins ``run_box`` below the
        # settings (which may scroll), at the bottom of the dock. The message comes first, so that
        # one of one line or five grows upward and never moves a button the user is aiming at.
        self.run_box = QWidget()
        run = QVBoxLayout(self.run_box)
        run.addWidget(self.message)
        run.addLayout(buttons)
        run.addWidget(self.bar)
        run.addWidget(self.rate)

        self.start.clicked.connect(self.start_clicked)
        self.pause.clicked.connect(self.pause_clicked)
        self.stop.clicked.connect(self.stop_clicked)
        self.seed.valueChanged.connect(self.seed_changed)
        self.save_w.clicked.connect(self.save_weights)
        self.load_w.clicked.connect(self.load_weights)
        self.save_c.clicked.connect(self.save_checkpoint)
        self.resume_c.clicked.connect(self.resume_checkpoint)
        self.settings = [*self.widgets.values(), self.augment_row]
        self.set_config(defaults())
        self.set_state(TrainState.IDLE, has_weights=False, has_data=False)
        self.speed = ""
        self.last_progress: Optional[BatchProgress] = None   # the latest batch shown
        self.tone, self.about = "info", ""

    # ------------------------------------------------------------------ settings
    def set_config(self, values: dict, source: Optional[str] = None) -> None:
        """Show TrainConfig fields (missing ones keep their current value); ``source`` says where
        they come from (a suggestion for the network) when they are not the defaults."""
        if source is not None:
            # Its first clause says where the values come from; the rest (the command line's
            # defaults and options) is the tooltip, so that the settings stay in view.
            self.source.setText(source.split(";")[0].rstrip(".") + (" (hover for details)." if ";" in source else "."))
            self.source.setToolTip(source)
            self.source.setVisible(bool(source))
        for key, value in values.items():
            if key in self.widgets:
                self.widgets[key].set_value(value)
            elif key == "augment":
                self._show_augment(value)

    def _show_augment(self, spec) -> None:
        a = Augment.parse(spec or None)
        self.flip.setChecked(a.flip)
        self.crop.setValue(a.crop_padding)
        self.shift.setValue(a.shift)

    def augment_spec(self) -> Optional[str]:
        a = Augment(crop_padding=self.crop.value(), flip=self.flip.isChecked(), shift=self.shift.value())
        return a.to_spec() if a.enabled and self.augment_row.isEnabled() else None

    def config(self) -> TrainConfig:
        """The settings as a checked TrainConfig; raises SettingError (one sentence)."""
        values = {name: w.value() for name, w in self.widgets.items()}
        return TrainConfig(augment=self.augment_spec(), **values).check()

    def allow_augment(self, on: bool) -> None:
        """Augmentation applies to images only."""
        self.augment_row.setEnabled(on)
        self.augment_row.setToolTip("" if on else "Augmentation works on image data")

    # ------------------------------------------------------------------ state
    def set_state(self, state: TrainState, has_weights: bool, has_data: bool, can_continue: bool = False,
                  has_run: bool = False) -> None:
        """With no run, the pause button continues the last one when ``can_continue``. A checkpoint
        needs a run (``has_run``): loaded weights alone have no optimizer state or position to save."""
        busy = state.busy
        for w in self.settings:
            w.setEnabled(not busy)
        self.start.setEnabled(not busy and has_data)
        resting = state is TrainState.IDLE and can_continue
        paused = state is TrainState.PAUSED
        self.pause.setEnabled(state.stoppable or resting)
        self.pause.setText("Resume" if paused else "Continue" if resting else "Pause")
        self.pause.setIcon(self.icons["start" if paused or resting else "pause"])
        self.pause.setToolTip("Go on with the last run where it ended (the epochs field may make it longer)"
                              if resting else "Pause between two batches; press again to resume")
        self.stop.setEnabled(state.stoppable)
        self.save_w.setEnabled(has_weights and state.weights_still)
        self.save_c.setEnabled(has_run and state.weights_still)
        self.load_w.setEnabled(not busy)
        self.resume_c.setEnabled(not busy and has_data)
        self._sync_menu()

    def build_menu(self) -> QMenu:
        """The Training menu: the panel's buttons, with shortcuts; ``set_state`` keeps each
        action's text, icon and enabled state those of its button."""
        menu = QMenu("T&raining")
        for item in ((self.start, "F5"), (self.pause, "F6"), (self.stop, "Shift+F5"), None,
                     (self.save_w, ""), (self.load_w, ""), (self.save_c, ""), (self.resume_c, "")):
            if item is None:
                menu.addSeparator()
                continue
            button, shortcut = item
            action = menu.addAction(button.icon(), button.text())
            action.setToolTip(button.toolTip())
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
            action.triggered.connect(button.click)
            self._menu_buttons.append((action, button))
        self._sync_menu()
        return menu

    def _sync_menu(self) -> None:
        for action, button in self._menu_buttons:
            action.setEnabled(button.isEnabled())
            action.setText(button.text())
            action.setIcon(button.icon())

    def show_paused(self, p: Optional[BatchProgress]) -> str:
        """The paused state: the speed and the time left mean nothing while nothing runs, so
        the line under the bar says where the run waits instead. Returns that sentence."""
        text = (f"Paused at epoch {p.epoch}, batch {p.batch}" if p is not None
                else "Paused before the first batch")
        self.rate.setText(text)
        if p is not None:
            self.bar.setFormat(f"paused · epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches}")
        return text

    def show_progress(self, p: BatchProgress, unit: str = "samples") -> None:
        self.last_progress = p
        done = (p.epoch - 1 + p.batch / max(1, p.batches)) / max(1, p.epochs)
        self.bar.setValue(int(done * 1000))
        self.bar.setFormat(f"epoch {p.epoch}/{p.epochs} · batch {p.batch}/{p.batches}")
        self.speed = f"{p.samples_per_second:,.0f} {unit}/s"
        # The rate in use: the curves plot it only when a schedule changes it.
        self.rate.setText(f"{self.speed} · ETA {eta_text(p.eta_seconds)} · η {p.lr:g}")

    def end_progress(self) -> None:
        """A run ended before its last batch: there is no time left to estimate."""
        if self.speed:
            self.rate.setText(f"{self.speed} · ETA —")

    def reset_progress(self, text: str = "") -> None:
        self.bar.setValue(0)
        self.bar.setFormat(text)
        self.rate.setText("")
        self.speed = ""
        self.last_progress = None

    def say(self, text: str, tone: str = "info", about: str = "") -> None:
        """Show one sentence; ``about`` names what it is about, so that only news about that
        thing takes it back (``withdraw``)."""
        self.tone, self.about = tone, about
        self.message.setText(text)
        self.message.setStyleSheet(TONES.get(tone, ""))

    def withdraw(self, *about: str) -> None:
        """Clear the message if it is still one about ``about`` (a data complaint goes when
        new data has loaded; a weights error said since then stays)."""
        if self.about and self.about in about:
            self.say("")
