"""The Train mode: the Data and Training panels on the left, the live views at the bottom, and the
logic between them and the training worker.

States: a ``TrainState`` (state.py): idle (no run), starting (the worker builds the trainer),
running, paused, stopping. While a run exists the architecture is read-only (the window's editing
is turned off); when the network changes afterwards the trained weights are dropped, with a note.

The weights (trained or loaded) live in the window's ``WeightsHolder`` (``window.weights``; the
mode's own one without a window): the mode puts them there and says when a run changes them.

The window is used through a few duck-typed hooks, all optional: ``network``, ``weights``,
``set_editing_enabled(bool)``, ``editor.set_keys(uid, values)`` (undoable edits).
"""
from __future__ import annotations

from typing import Callable, Optional

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ...engine import Trainer, memory_problem
from ...errors import UserError
from ...model import ChangeKind, available_memory
from ..weights_holder import WeightsHolder
from . import weights_actions as wa
from .data_panel import DataPanel
from .probes import ProbeSpec
from .settings import suggest, suggest_data, suggestion_source
from .state import TrainState
from .threads import Background
from .train_panel import TrainPanel
from .views import TrainViews
from .worker import ProbeWorker, TrainingRun, sentence

SHUTDOWN_MS = 5000
REDRAW_MS = 100


class TrainMode(QObject, wa.WeightsActions):
    state_changed = Signal(object)  # the new TrainState
    run_finished = Signal(object)   # the Finished event, or None when the run failed
    weights_loaded = Signal()       # a weights read has ended (loaded, or said why not)

    def __init__(self, window=None, network=None, available: Callable = available_memory,
                 load_default_data: bool = True):
        super().__init__(window)
        self.window = window
        self.network = network if network is not None else getattr(window, "network", None)
        self.available = available
        self.state = TrainState.IDLE
        self.weights: WeightsHolder = getattr(window, "weights", None) or WeightsHolder()
        self.run: Optional[TrainingRun] = None
        self._trainer = None           # the trainer of the last run (its weights, its checkpoint)
        self.last_finished = None
        self.spec = ProbeSpec()
        self._probe_job: Optional[Background] = None   # at most one after a run: a net is not thread-safe
        self._probe_again = False      # the choice changed while it ran: probe again when it ends
        self._resume_path: Optional[str] = None
        self._run_dataset = None       # the data the last run trains on
        self._progress = None          # the latest BatchProgress not drawn yet
        self._batch_seconds = 0.0      # how long a batch of the current run takes
        self._confusion = None         # the latest EpochProgress whose matrix is not drawn yet
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self._redraw)

        self.data = DataPanel()
        self.panel = TrainPanel()
        self.views = TrainViews()
        side = QWidget()
        lay = QVBoxLayout(side)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.data)
        lay.addWidget(self.panel)
        lay.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(side)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        # The settings scroll; Start, Pause, Stop, the progress and the message stay in view.
        self.left = QWidget()
        column = QVBoxLayout(self.left)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(scroll, 1)
        column.addWidget(self.panel.run_box)
        self.left.setMinimumWidth(340)
        self.bottom = self.views.bottom
        self.right = self.views.right

        self.menu = self.panel.build_menu()   # the Training menu: the panel's buttons

        self.data.dataset_changed.connect(self._dataset_changed)
        self.data.fit_input.connect(self.set_input)
        self.data.message.connect(self._on_data_message)
        self.panel.start_clicked.connect(self.start)
        self.panel.pause_clicked.connect(self.toggle_pause)
        self.panel.stop_clicked.connect(self.stop)
        self.panel.epochs.valueChanged.connect(self._epochs_changed)  # more epochs: Continue
        self.panel.seed_changed.connect(self.data.set_seed)
        self.panel.save_weights.connect(self.save_weights)
        self.panel.load_weights.connect(self.load_weights)
        self.panel.save_checkpoint.connect(self.save_checkpoint)
        self.panel.resume_checkpoint.connect(self.resume_checkpoint)
        self.views.maps.choice_changed.connect(self._probe_choice)

        if self.network is not None:
            self.network.changed.connect(self._network_changed)
            self._network_shown()
            self.panel.set_config(suggest(self.network), source=suggestion_source(self.network))
        self._refresh()
        if load_default_data:
            self.data.load(suggest_data(self.network) if self.network is not None else "shapes")

    # ------------------------------------------------------------------ helpers
    @property
    def dataset(self):
        return self.data.dataset

    @property
    def busy(self) -> bool:
        return self.state.busy

    @property
    def trainer(self):
        """The trainer of the last run; setting it puts its weights in the holder (None: drops the
        trained weights, not loaded ones)."""
        return self._trainer

    @trainer.setter
    def trainer(self, trainer) -> None:
        self._trainer = trainer
        if trainer is not None:
            self.weights.set_trained(trainer.net.state_dict)
        else:
            self.weights.clear_trained()

    @property
    def start_weights(self) -> Optional[dict]:
        """Loaded weights the next run starts from (held by the window's WeightsHolder)."""
        return self.weights.loaded

    def has_weights(self) -> bool:
        return self.weights.has_own()

    def say(self, text: str, tone: str = "info") -> None:
        self.panel.say(text, tone)

    def _set_state(self, state: TrainState) -> None:
        self.state = state
        self.weights.set_busy(not state.weights_still)
        self._refresh()
        self.state_changed.emit(state)

    @Slot(int)
    def _epochs_changed(self, _value: int) -> None:
        if not self.busy:
            self._refresh()

    def _refresh(self) -> None:
        self.panel.set_state(self.state, self.has_weights(), self.dataset is not None, self.can_continue(),
                             has_run=self.trainer is not None)
        self.data.set_editable(not self.busy)

    def _lock(self, locked: bool) -> None:
        hook = getattr(self.window, "set_editing_enabled", None)
        if hook is not None:
            hook(not locked)

    def _network_shown(self, fresh: bool = False) -> None:
        """Show the network's layers in the views; ``fresh``: another network was opened."""
        self.views.set_network(self.network, keep_layer=not fresh)
        self.spec.layer = self.views.maps.chosen_layer()
        self.data.set_network(self.network)

    # ------------------------------------------------------------------ document and data
    def _network_changed(self, change=None) -> None:
        reset = change is not None and change.what is ChangeKind.RESET
        self._network_shown(fresh=reset)
        if change is not None and change.keeps_architecture:
            return  # the weights (keyed by layer index) still fit
        if self.busy:
            # The window keeps the network read-only while training; anything that still
            # changes it ends the run rather than training a network that is no longer shown.
            self.say("The network changed while training, so the run was stopped.", "warn")
            self.stop()
            return
        had_weights = self.has_weights()
        self.trainer = None
        self.weights.clear()      # loaded weights no longer fit either
        self.views.clear()
        self.panel.reset_progress()
        if reset:   # another network: the settings that suit it
            self.panel.set_config(suggest(self.network), source=suggestion_source(self.network))
        if had_weights:
            self.say("The architecture changed, so the trained weights were reset; the next run "
                     "starts from new random weights.", "warn")
        self._refresh()

    def _on_data_message(self, text: str) -> None:
        self.panel.say(text, "error", about="data")

    def _dataset_changed(self, dataset) -> None:
        self.views.set_dataset(dataset)
        self.panel.allow_augment(dataset is not None and dataset.is_image)
        if self.trainer is not None and self.trainer.dataset is not dataset:
            # The last run's views (confusion, maps, boundary) belong to the old data.
            self.trainer = None
            self.views.clear()
            self.panel.reset_progress()
            self.say("New data: the last run's results were cleared (save its weights before changing "
                     "the data to keep them); the next run starts from new random weights.", "warn")
        else:
            # A complaint about the old data, or a refusal to start with it; not any other message.
            self.panel.withdraw("data", "start")
        self._refresh()

    def set_input(self, values: dict) -> None:
        """Set the input layer to ``values`` (the data's shape) as one undoable edit."""
        if self.network is None or not self.network.layers or self.network[0].type != "input":
            self.say("The network has no input layer to change.", "error")
            return
        full = {"width": None, "height": None, "depth": None, "features": None}
        full.update(values)
        editor = getattr(self.window, "editor", None)
        try:
            if editor is not None:
                editor.set_keys(self.network[0].uid, full)
            else:
                self.network.set_keys(self.network[0].uid, full)
        except UserError as e:
            self.say(str(e), "error")

    # ------------------------------------------------------------------ runs
    def _check_before_start(self):
        if self.network is None:
            raise UserError("There is no network to train.")
        config = self.panel.config()
        report = self.network.report()
        if report.problems:
            raise UserError(f"The network has errors, so it cannot train yet: {report.problems[0]}")
        problem = memory_problem(self.network, config.batch_size, self.available, dtype=config.dtype)
        if problem:
            raise UserError(problem)
        if self.dataset is None:
            raise UserError("Choose the data to train on first." if not self.data.loading
                            else "The data is still being read; start when it is ready.")
        problem = self.data.fit_problem()
        if problem:
            raise UserError(problem)
        return config

    def start(self) -> bool:
        """Start a new run with the panel's settings (from loaded weights, if any)."""
        if self.busy:
            return False
        try:
            config = self._check_before_start()
        except UserError as e:
            self.panel.say(sentence(str(e)), "error", about="start")
            return False
        network, dataset, weights = self.network, self.dataset, self.start_weights
        self._run_dataset = dataset
        self.views.clear()
        self.say(f"Training {network.name} on {dataset.name}…" if weights is None else
                 f"Training {network.name} on {dataset.name}, starting from the loaded weights…")
        return self._launch(lambda: Trainer(network, dataset, config, weights=weights))

    def can_continue(self) -> bool:
        """Whether the last run can go on in place: it was stopped (or completed, with more epochs
        now asked for), did not diverge, and the data chosen is still the data it trained on."""
        done, trainer = self.last_finished, self.trainer
        if self.busy or trainer is None or done is None or done.reason == "diverged":
            return False
        if self.dataset is not self._run_dataset:
            return False
        return done.reason == "stopped" or self.panel.epochs.value() > trainer.epoch

    def continue_run(self) -> bool:
        """Go on with the last run where it ended (its settings, optimizer state and position;
        the epochs field may raise its length), keeping its curves."""
        if not self.can_continue():
            return False
        trainer = self.trainer
        trainer.config.epochs = max(trainer.config.epochs, self.panel.epochs.value())
        where = f"epoch {trainer.epoch + 1}"
        if trainer.batch >= trainer.batches:  # stopped while validating: that comes first
            where += "'s validation"
        elif trainer.batch:
            where += f", batch {trainer.batch + 1}"
        self.say(f"Continuing the run from {where} of {trainer.config.epochs}…")
        return self._launch(lambda: trainer)

    def resume_from(self, path: str) -> bool:
        """Continue the run saved in the checkpoint ``path`` (its settings, optimizer state, epoch)."""
        if self.busy:
            return False
        if self.dataset is None:
            self.say("Choose the data the checkpoint was trained on first.", "error")
            return False
        network, dataset, epochs = self.network, self.dataset, self.panel.epochs.value()
        self._run_dataset = dataset
        self.views.clear()
        self._resume_path = path
        self.say(f"Resuming the run saved in {path}…")
        return self._launch(lambda: wa.resumed_trainer(path, network, dataset, epochs))

    def _launch(self, make_trainer: Callable) -> bool:
        self._end_probes()   # the run may train the very net a probe job is reading
        self.last_finished = None
        self.spec.layer = self.views.maps.chosen_layer()
        self.spec.sample = self.views.maps.sample.value()
        run = TrainingRun(make_trainer, self.spec, parent=self)
        # Only bound methods of this GUI-thread object: a lambda would run in the worker thread.
        run.deliver(ready=self._on_ready, batch=self._on_batch, epoch=self._on_epoch,
                    probed=self._on_probed, paused=self._on_paused, resumed=self._on_resumed,
                    note=self._on_note, finished=self._on_finished, failed=self._on_failed,
                    thread_finished=self._on_thread_done)
        self.run = run
        self._progress = None
        self.panel.reset_progress("preparing…")
        self._lock(True)
        self._set_state(TrainState.STARTING)
        run.start()
        return True

    def toggle_pause(self) -> None:
        """Pause or resume the run; with no run, continue the last one (the button then reads
        "Continue")."""
        if self.run is None:
            self.continue_run()
            return
        if self.state in (TrainState.STARTING, TrainState.RUNNING):
            self.run.pause()
        elif self.state is TrainState.PAUSED:
            self.run.resume()

    def stop(self) -> None:
        if self.run is not None and self.state.stoppable:
            self._set_state(TrainState.STOPPING)
            self.say("Stopping…")
            self.run.stop()

    def shutdown(self) -> None:
        """Stop any run and wait for its thread (bounded); called when the window closes. A run
        stops within a layer of its batch; the wait allows for a few batches all the same."""
        if self.run is not None:
            self.run.shutdown(max(SHUTDOWN_MS, int(3000 * self._batch_seconds) + 1000))
        self._end_probes()
        self.end_weights_job(SHUTDOWN_MS)
        self.data.shutdown(SHUTDOWN_MS)

    # ------------------------------------------------------------------ worker signals
    @Slot(object)
    def _on_ready(self, trainer) -> None:
        self.trainer = trainer    # its weights replace the loaded ones it starts from
        if self._resume_path is not None:
            self.panel.set_config(trainer.config.to_dict())
            self.views.curves.add_history(trainer.history)
            self._resume_path = None
        if self.state is TrainState.STARTING:
            self._set_state(TrainState.RUNNING)

    @Slot(object)
    def _on_batch(self, update) -> None:
        self.views.curves.add_batches(update)
        self._progress = p = update.latest
        if p.samples_per_second > 0 and self.trainer is not None:
            self._batch_seconds = self.trainer.config.batch_size / p.samples_per_second
        self._schedule_redraw()

    @Slot(object)
    def _on_epoch(self, ev) -> None:
        self.views.curves.add_epoch(ev)
        if ev.confusion is not None:
            self._confusion = ev
        self._schedule_redraw()

    def _schedule_redraw(self) -> None:
        # Tiny epochs (2-D data) can end a hundred times a second: the data is kept at once,
        # the drawing at most every REDRAW_MS.
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def _redraw(self, everything: bool = False) -> None:
        curves = self.views.curves
        if everything:
            curves.redraw()
        elif curves.draw_next():
            self._schedule_redraw()
        if self._progress is not None:
            unit = "img" if self.dataset is not None and self.dataset.is_image else "samples"
            self.panel.show_progress(self._progress, unit)
            self._progress = None
        if self._confusion is not None:
            ev, self._confusion = self._confusion, None
            classes = self.trainer.dataset.classes if self.trainer is not None else None
            self.views.confusion.show_matrix(ev.confusion, classes, ev.epoch)

    @Slot(object)
    def _on_probed(self, data: dict) -> None:
        if "maps" in data:
            self.views.maps.show_maps(*data["maps"])
        if "filters" in data:
            self.views.filters.show_filters(data["filters"])
        if "boundary" in data:
            self.views.boundary.show_boundary(data["boundary"])

    @Slot(object)
    def _on_finished(self, finished) -> None:
        self._redraw_timer.stop()
        self._redraw(everything=True)
        self.last_finished = finished
        text = sentence(finished.message)
        if finished.reason == "completed":
            self.say(text, "good")
        elif finished.reason == "diverged":
            self.say(text, "error")
        else:
            self.say(text + " Continue goes on from here; a checkpoint keeps it for later.", "info")
        if finished.reason != "completed":
            self.panel.end_progress()

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        self._redraw_timer.stop()
        self._redraw(everything=True)
        self.last_finished = None
        self.panel.end_progress()
        self.say(sentence(text), "error")

    @Slot()
    def _on_paused(self) -> None:
        if self.state is not TrainState.STOPPING:
            self._set_state(TrainState.PAUSED)
            # Draw the batch the run stopped at first, so that the sentence names that batch.
            self._redraw_timer.stop()
            self._redraw()
            self._running_text = (self.panel.message.text(), self.panel.tone)
            where = self.panel.show_paused(self.panel.last_progress)
            self.say(f"{where}. Resume (F6) goes on from there; Stop keeps the weights so far.")

    @Slot()
    def _on_resumed(self) -> None:
        if self.state is not TrainState.STOPPING:
            self._set_state(TrainState.RUNNING)
            text, tone = getattr(self, "_running_text", ("", "info"))
            self.say(text, tone)
            if self.panel.last_progress is not None:   # the speed and ETA come back at once
                unit = "img" if self.dataset is not None and self.dataset.is_image else "samples"
                self.panel.show_progress(self.panel.last_progress, unit)

    @Slot(str)
    def _on_note(self, text: str) -> None:
        self.say(sentence(text), "warn")

    @Slot()
    def _on_thread_done(self) -> None:
        if self.run is None or self.sender() is not self.run.thread:
            return
        self.run = None
        self._lock(False)
        self._set_state(TrainState.IDLE)
        self.run_finished.emit(self.last_finished)

    # ------------------------------------------------------------------ views after a run
    def _probe_choice(self, layer: int, sample: int) -> None:
        self.spec.layer, self.spec.sample = layer, sample
        if self.run is not None:
            self.run.worker.refresh_probes()
        elif self.trainer is not None:
            if self._probe_job is not None:
                self._probe_again = True   # one job at a time on the net; the latest choice follows
            else:
                self._start_probe()

    def _start_probe(self) -> None:
        job = Background(ProbeWorker(self.trainer, self.spec), "nn-designer views")
        job.deliver(probed=self._on_probed, note=self._on_note, thread_finished=self._probe_done)
        self._probe_job, self._probe_again = job, False
        job.start()

    @Slot()
    def _probe_done(self) -> None:
        if self._probe_job is None or self.sender() is not self._probe_job.thread:
            return
        self._probe_job = None
        if self._probe_again and self.run is None and self.trainer is not None:
            self._start_probe()

    def _end_probes(self) -> None:
        """Forget a waiting request and wait for the probe job (one forward pass) to end."""
        self._probe_again = False
        job, self._probe_job = self._probe_job, None
        if job is not None:
            job.shutdown(SHUTDOWN_MS)
