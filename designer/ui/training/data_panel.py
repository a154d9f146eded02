"""The Data panel of the Train mode: pick a built-in set or open a file or folder, see what it
holds (count, shape, classes, sample thumbnails), and whether it fits the network.

Loading runs on a worker thread (``DataLoadWorker``) with a progress bar and Cancel; the panel
only shows results. When the data does not fit the network's input it says so in one sentence
and offers a button; the button emits ``fit_input`` with the input layer's new settings, which
the Train mode applies through the undo stack.
"""
from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QProgressBar,
                               QPushButton, QSpinBox, QStackedWidget, QVBoxLayout, QWidget)

from ...engine.data import BUILTIN_SETS, DataError, check_fits, check_outputs, load_data, suggest_input
from ...engine.data import DEFAULT_SIZES, MAX_SIZE, parse_builtin
from ...model import Layer, format_shape, infer, plural
from ..theme import class_colour, style_axes
from .boundary import shown_points
from .images import ImageGrid, tiles_rgb
from .threads import Background, ThreadWorker
from .widgets import grid_of, tipped
from .worker import report_failure, sentence

THUMBNAILS = 24


def smallest_size(name: str) -> int:
    """The fewest samples the built-in set ``name`` can be generated with (``shapes`` needs one of
    each class), as ``parse_builtin`` accepts them."""
    for n in range(2, MAX_SIZE + 1):
        try:
            parse_builtin(f"{name}:{n}")
            return n
        except DataError:
            continue
    return MAX_SIZE


class _Cancelled(Exception):
    pass


class DataLoadWorker(ThreadWorker):
    """Reads or generates one data set on a worker thread."""

    progress = Signal(float)
    loaded = Signal(object)   # (spec, seed, Dataset)
    failed = Signal(str)

    def __init__(self, spec: str, seed: int):
        super().__init__()
        self.spec, self.seed = spec, seed
        self._cancel = threading.Event()
        self._last = 0.0

    def request_stop(self) -> None:
        self._cancel.set()

    def _progress(self, fraction: float) -> None:
        if self._cancel.is_set():
            raise _Cancelled()
        now = time.monotonic()
        if now - self._last >= 0.05:
            self._last = now
            self.progress.emit(float(fraction))

    def work(self) -> None:
        try:
            dataset = load_data(self.spec, seed=self.seed, progress=self._progress)
        except _Cancelled:
            return
        except Exception as e:  # noqa: BLE001 — one sentence
            self.failed.emit(report_failure(e, f"reading {self.spec}"))
            return
        if not self._cancel.is_set():
            self.loaded.emit((self.spec, self.seed, dataset))


def balanced_sample(y: np.ndarray, n: int) -> np.ndarray:
    """Up to ``n`` indices taking the classes in turn, so that every class shows. Costs one sort
    of the labels, whatever the number of classes (a pass per class was N × classes)."""
    if y.ndim != 1 or len(y) == 0:
        return np.arange(min(n, len(y)))
    order = np.argsort(y, kind="stable")
    _, first = np.unique(y[order], return_index=True)
    # Rank of each sample within its class; taking ranks 0, 1, … in turn visits every class.
    sizes = np.diff(np.append(first, len(y)))
    rank = np.arange(len(y)) - np.repeat(first, sizes)
    turn = np.lexsort((y[order], rank))[:n]
    return order[turn].astype(np.int64)


def label_counts(y: np.ndarray) -> tuple:
    """(labels present, how many samples each has): as large as the labels at most, whatever
    their values (a bincount of a label 10⁹ is 7.45 GiB)."""
    return np.unique(np.asarray(y).reshape(-1), return_counts=True)


def class_summary(dataset, limit: int = 10) -> str:
    if dataset.has_targets:
        return f"targets: vectors of {dataset.y.shape[1]} values"
    labels, counts = label_counts(dataset.y)
    names = dataset.classes or []
    # Named classes without samples show as 0; other labels only when they occur.
    keys = np.union1d(np.arange(len(names)), labels)
    shown = keys[:limit]
    at = np.minimum(np.searchsorted(labels, shown), max(len(labels) - 1, 0))
    found = (labels[at] == shown) if len(labels) else np.zeros(len(shown), bool)
    parts = [f"{names[c] if c < len(names) else c} {int(counts[i]) if hit else 0}"
             for c, i, hit in zip(shown.tolist(), at.tolist(), found.tolist())]
    more = f" · … {len(keys) - limit} more" if len(keys) > limit else ""
    return "classes: " + " · ".join(parts) + more


def fix_text(fix: dict) -> str:
    """An input layer's settings in words: '28×28×1', '2 features'."""
    if "width" in fix:
        return format_shape((fix["width"], fix["height"], fix["depth"]))
    return plural(fix["features"], "feature")


class DataPanel(QGroupBox):
    dataset_changed = Signal(object)    # the new Dataset (or None)
    fit_input = Signal(dict)            # the input layer settings that fit the data
    message = Signal(str)               # a failure to read, one sentence

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__("Data", parent)
        self.network = None
        self.dataset = None
        self.spec: Optional[str] = None
        self.seed = 0
        self._job: Optional[Background] = None
        self._old_jobs: list = []
        self._fix: Optional[dict] = None
        self._applied = None   # (data set, shape text) of the fix just applied, while it holds
        self._editable = True           # False while a run uses the data
        self._generated = True          # the chosen data is a built-in set (its size can change)

        self.choice = QComboBox()
        self.choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.choice.setMinimumContentsLength(10)
        self.choice.setToolTip("A built-in data set, or a file or folder you opened")
        for name, text in BUILTIN_SETS.items():
            self.choice.addItem(name, name)
            self.choice.setItemData(self.choice.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.size = tipped(QSpinBox(), "How many samples to generate for a built-in set")
        self.size.setRange(2, MAX_SIZE)
        self.size.setSingleStep(100)
        self.open_file = tipped(QPushButton("Open file…"), "Open a data file: .npz (x, y), .csv (last "
                                "column the label), an MNIST-format IDX file or a CIFAR archive")
        self.open_folder = tipped(QPushButton("Open folder…"), "Open a folder: MNIST-format IDX files, "
                                  "CIFAR-10 batches, or one sub-folder of images per class")
        row = grid_of([[self.choice, self.size], [self.open_file, self.open_folder]])
        row.setColumnStretch(0, 1)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setFormat("reading… %p%")
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop reading this data")
        prow = QHBoxLayout()
        prow.addWidget(self.progress, 1)
        prow.addWidget(self.cancel)
        self.progress_row = QWidget()
        self.progress_row.setLayout(prow)
        prow.setContentsMargins(0, 0, 0, 0)
        self.progress_row.hide()

        self.describe = QLabel("No data yet.")
        self.describe.setWordWrap(True)
        self.describe.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.classes = QLabel("")
        self.classes.setWordWrap(True)

        self.thumbs = ImageGrid("")
        self.thumbs.setToolTip("Samples of the data, every class in turn")
        self.scatter = pg.PlotWidget(background=self.palette().color(QPalette.ColorRole.Base))
        self.scatter.setMenuEnabled(False)
        self.scatter.hideButtons()
        self.scatter.setAspectLocked(True)
        self.scatter.setMouseEnabled(False, False)
        self.scatter.setToolTip("The points of the data, coloured by class")
        style_axes(self.scatter, self.palette().color(QPalette.ColorRole.Text))
        self.pictures = QStackedWidget()
        self.pictures.addWidget(self.thumbs)
        self.pictures.addWidget(self.scatter)
        self.pictures.setMinimumHeight(110)
        self.pictures.setMaximumHeight(130)   # the Training panel below must fit a 720-px screen

        self.fit_text = QLabel("")
        self.fit_text.setWordWrap(True)
        self.fit_button = QPushButton("Set the input layer to match")
        self.fit_button.setToolTip("Change the network's input layer to the data's shape (undoable)")
        self.fit_button.hide()

        lay = QVBoxLayout(self)
        lay.addLayout(row)
        lay.addWidget(self.progress_row)
        lay.addWidget(self.describe)
        lay.addWidget(self.classes)
        lay.addWidget(self.pictures)
        lay.addWidget(self.fit_text)
        lay.addWidget(self.fit_button)

        self.choice.activated.connect(self._choose)
        self.size.editingFinished.connect(self._choose)
        self.open_file.clicked.connect(self._ask_file)
        self.open_folder.clicked.connect(self._ask_folder)
        self.cancel.clicked.connect(self.cancel_loading)
        self.fit_button.clicked.connect(self._apply_fix)

    # ------------------------------------------------------------------ public
    @property
    def loading(self) -> bool:
        return self._job is not None

    def set_network(self, network) -> None:
        self.network = network
        self.refresh_fit()

    def set_seed(self, seed: int) -> None:
        """Built-in sets are generated from the training seed (as ``nn-designer train`` does)."""
        if seed == self.seed:
            return
        self.seed = seed
        if self.spec is not None and parse_builtin(self.spec) is not None:
            self.load(self.spec)

    def load(self, spec: str) -> None:
        """Read or generate ``spec`` (a built-in name, ``name:N`` or a path) on a worker thread."""
        try:
            builtin = parse_builtin(spec) if not spec.startswith(("/", ".")) else None
        except DataError as e:   # a size the set cannot have: one sentence, the data stays
            self.message.emit(sentence(str(e)))
            return
        self.cancel_loading()
        if builtin is not None:
            name, n = builtin
            self._select_choice(name, name)
            self.size.blockSignals(True)
            self.size.setMinimum(smallest_size(name))
            self.size.setValue(n)
            self.size.blockSignals(False)
        else:
            self._select_choice(spec, spec.rsplit("/", 1)[-1] or spec)
        self._generated = builtin is not None
        self.size.setEnabled(self._editable and self._generated)   # a file has its own size
        worker = DataLoadWorker(spec, self.seed)
        job = Background(worker, "nn-designer data")
        job.deliver(progress=self._on_progress, loaded=self._on_loaded, failed=self._on_failed,
                    thread_finished=self._job_ended)
        self._job = job
        self.progress.setValue(0)
        self.progress_row.show()
        job.start()

    def cancel_loading(self) -> None:
        if self._job is not None:
            self._job.stop()
            self._old_jobs.append(self._job)
            self._job = None
        self.progress_row.hide()

    def shutdown(self, timeout_ms: int = 3000) -> None:
        self.cancel_loading()
        for job in self._old_jobs:
            job.shutdown(timeout_ms)
        self._old_jobs.clear()

    def set_editable(self, on: bool) -> None:
        """Changing the data is not allowed while a run uses it."""
        self._editable = on
        for w in (self.choice, self.open_file, self.open_folder):
            w.setEnabled(on)
        self.fit_button.setEnabled(on and self._applied is None)
        self.size.setEnabled(on and self._generated)

    # ------------------------------------------------------------------ choosing
    def _select_choice(self, data, label: str) -> None:
        i = self.choice.findData(data)
        if i < 0:
            self.choice.addItem(label, data)
            i = self.choice.count() - 1
            self.choice.setItemData(i, data, Qt.ItemDataRole.ToolTipRole)
        self.choice.setCurrentIndex(i)

    def _choose(self, *_) -> None:
        data = self.choice.currentData()
        if data is None:
            return
        if data in BUILTIN_SETS:
            n = self.size.value()
            spec = data if n == DEFAULT_SIZES[data] else f"{data}:{n}"
            if self.sender() is self.choice and parse_builtin(self.spec or "") and \
                    parse_builtin(self.spec)[0] != data:
                spec = data  # a new set starts at its own default size
        else:
            spec = data
        if spec != self.spec or self.dataset is None:
            self.load(spec)

    def _ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open data", "", "Data (*.npz *.csv *.csv.gz *.txt *.data *.tra *.tes *.gz *.tar.gz *.tgz "
                                   "*-ubyte);;All files (*)")
        if path:
            self.load(path)

    def _ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a data folder")
        if path:
            self.load(path)

    # ------------------------------------------------------------------ results
    @Slot()
    def _job_ended(self) -> None:
        thread = self.sender()  # the QThread that finished (an older job's may come late)
        self._old_jobs = [job for job in self._old_jobs if job.thread is not thread]
        if self._job is not None and self._job.thread is thread:
            self._job = None
            self.progress_row.hide()

    def _current(self) -> bool:
        worker = self.sender()
        return self._job is not None and worker is self._job.worker

    @Slot(float)
    def _on_progress(self, fraction: float) -> None:
        if self._current():
            self.progress.setValue(int(fraction * 1000))

    def _done(self) -> None:
        """The current job has delivered; its thread is still tracked until it ends."""
        self._old_jobs.append(self._job)
        self._job = None
        self.progress_row.hide()

    @Slot(str)
    def _on_failed(self, text: str) -> None:
        if not self._current():
            return
        self._done()
        self.describe.setText(text)
        self.message.emit(text)

    @Slot(object)
    def _on_loaded(self, result) -> None:
        if not self._current():
            return
        self._done()
        spec, seed, dataset = result
        self.spec, self.dataset = spec, dataset
        self.describe.setText(f"<b>{dataset.name}</b>: {dataset.describe()}")
        self.classes.setText(class_summary(dataset))
        self._show_samples(dataset)
        self.refresh_fit()
        self.dataset_changed.emit(dataset)

    def _show_samples(self, dataset) -> None:
        if dataset.is_image:
            idx = balanced_sample(dataset.y, THUMBNAILS)
            x = dataset.x[idx]
            if x.shape[1] != 3:
                x = x[:, 0]
            self.thumbs.set_tiles(tiles_rgb(x, already_01=True))
            self.pictures.setCurrentWidget(self.thumbs)
        elif dataset.x.shape[1] == 2:
            self.scatter.clear()
            shown = shown_points(len(dataset.x))  # a fixed sample of a large set, as the boundary draws
            x, y = dataset.x[shown], dataset.y[shown]
            y = y if not dataset.has_targets else y.argmax(axis=1)
            for c in np.unique(y):
                pts = np.asarray(x[y == c], dtype=np.float64)
                self.scatter.plot(pts[:, 0], pts[:, 1], pen=None, symbol="o", symbolSize=4,
                                  symbolPen=None, symbolBrush=class_colour(c))
            self.pictures.setCurrentWidget(self.scatter)
        else:
            self.thumbs.clear(f"vectors of {dataset.x.shape[1]} features: no pictures to show")
            self.pictures.setCurrentWidget(self.thumbs)

    # ------------------------------------------------------------------ fit
    def fit_problem(self) -> Optional[str]:
        """One sentence when the data cannot train the network as it is, else None."""
        self._fix = None
        if self.dataset is None or self.network is None:
            return None
        report = self.network.report()
        if report.problems:
            return f"The network has errors, so it cannot train yet: {report.problems[0]}."
        if report.input is None:
            return "The network has no input layer."
        try:
            check_fits(self.dataset, report.input)
        except DataError as e:
            fix = suggest_input(self.dataset)
            blocker = self._fix_blocker(fix)
            if blocker is None:
                self._fix = fix
                return sentence(str(e))
            # A fix is offered only when the network it makes can train on the data.
            base = str(e).split("; set the input layer to")[0]
            return sentence(f"{base}, and an input of {fix_text(fix)} would not be enough: {blocker}")
        try:
            check_outputs(self.dataset, report.output)
        except DataError as e:
            return sentence(str(e))
        return None

    def _fix_blocker(self, fix: dict) -> Optional[str]:
        """Why the network with its input set to ``fix`` still could not train on the data
        (its first error, or outputs that do not fit the labels), or None."""
        # A stand-in for the input layer (the same uid, so the layers that read it read it).
        first = replace(self.network.layers[0], config=Layer.make("input", **fix).config)
        trial = infer([first] + list(self.network.layers[1:]))
        if trial.problems:
            return trial.problems[0]
        try:
            check_outputs(self.dataset, trial.output)
        except DataError as e:
            return str(e)
        return None

    def refresh_fit(self) -> None:
        problem = self.fit_problem()
        if problem is None and self._applied is not None and self.dataset is self._applied[0]:
            # The fix just applied: its line and button keep their place (now saying so), so
            # that the panel does not move up under the pointer that pressed it.
            if self.fit_text.isVisible():   # a shorter sentence keeps the longer one's height
                self.fit_text.setMinimumHeight(self.fit_text.height())
            self.fit_text.setText(f"The input layer is set to {self._applied[1]}; Edit ▸ Undo takes it back.")
            self.fit_text.setStyleSheet("")
            self.fit_text.setVisible(True)
            self.fit_button.setText("The input layer matches the data")
            self.fit_button.setEnabled(False)
            self.fit_button.setVisible(True)
            return
        self._applied = None
        self.fit_text.setMinimumHeight(0)
        self.fit_text.setText(problem or "")
        self.fit_text.setVisible(bool(problem))
        self.fit_text.setStyleSheet("color: #c0392b;" if problem else "")
        if self._fix is not None:
            self.fit_button.setText(f"Set the input layer to {fix_text(self._fix)}")
        self.fit_button.setEnabled(self._fix is not None and getattr(self, "_editable", True))
        self.fit_button.setVisible(self._fix is not None)

    def _apply_fix(self) -> None:
        if self._fix is not None:
            self._applied = (self.dataset, fix_text(self._fix))
            self.fit_input.emit(dict(self._fix))

