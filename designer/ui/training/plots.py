"""Live curves of a run (pyqtgraph): loss per batch (raw and smoothed) and per epoch for training
and validation, accuracy the same way, and the learning rate. The x axis counts epochs, so a
batch in the middle of epoch 3 sits at 2.5.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from ...engine import EpochProgress
from ..theme import style_axes
from .worker import BatchUpdate, finite

SMOOTHING = 0.9   # weight of the past in the smoothed batch curves (as TensorBoard's slider)
TRAIN_COLOUR = "#1f77b4"
VAL_COLOUR = "#e6550d"
LR_COLOUR = "#2ca02c"
MARKED_EPOCHS = 40


class Series:
    """A growing list of (x, y) points; ``arrays()`` gives them for setData. ``smoothed`` holds
    the exponential moving average of y with bias correction (TensorBoard's smoothing), kept up
    to date point by point so that a redraw costs no more than a copy."""

    def __init__(self, weight: float = SMOOTHING):
        self.x: list = []
        self.y: list = []
        self.smoothed: list = []
        self.weight = weight
        self._acc = self._norm = 0.0

    def add(self, x: float, y) -> None:
        if finite(y):
            self.x.append(float(x))
            self.y.append(float(y))
            self._acc = self.weight * self._acc + (1 - self.weight) * float(y)
            self._norm = self.weight * self._norm + (1 - self.weight)
            self.smoothed.append(self._acc / self._norm)

    def keep_until(self, x_max: float) -> None:
        n = sum(1 for x in self.x if x <= x_max + 1e-9)
        self.x, self.y, self.smoothed = self.x[:n], self.y[:n], self.smoothed[:n]
        self._acc, self._norm = (self.smoothed[-1], 1.0) if n else (0.0, 0.0)

    def __len__(self) -> int:
        return len(self.x)

    def arrays(self) -> tuple:
        return np.asarray(self.x, dtype=float), np.asarray(self.y, dtype=float)


def _plot(title: str, y_label: str, background: QColor, foreground: QColor) -> pg.PlotWidget:
    w = pg.PlotWidget(background=background)
    w.setTitle(title, color=foreground.name(), size="10pt")
    item = w.getPlotItem()
    style_axes(item, foreground)
    item.setLabel("bottom", "epoch", color=foreground.name())
    item.setLabel("left", y_label, color=foreground.name())
    # Plain numbers: a loss below 1 read "loss (x0.001)" with ticks up to 800, and the first
    # epoch "epoch (x0.001)" with ticks up to 600.
    for side in ("left", "bottom"):
        item.getAxis(side).enableAutoSIPrefix(False)
    item.showGrid(x=True, y=True, alpha=0.15)
    item.setClipToView(True)
    item.setDownsampling(auto=True, mode="mean")
    w.setMenuEnabled(False)
    w.setMinimumSize(120, 120)
    return w


def legend_html(fg: QColor) -> str:
    """One legend for both plots, in a row above them: on a plot a legend sat on the curves."""
    def key(mark: str, colour: str, text: str) -> str:
        return f'<span style="color:{colour}; font-weight:bold;">{mark}</span>&nbsp;{text}'
    return "&nbsp;&nbsp;&nbsp;".join((key("━━", TRAIN_COLOUR, "training batches (smoothed)"),
                                      key("●", TRAIN_COLOUR, "training, per epoch"),
                                      key("■━", VAL_COLOUR, "validation, per epoch")))


class Curves(QWidget):
    """Loss, accuracy and learning-rate plots, fed by the worker's signals. The plots go side by
    side while each keeps ``PLOT_WIDTH`` px, else they wrap to rows: three plots of 150 px had
    their epoch ticks run together."""

    PLOT_WIDTH = 240

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        pal = self.palette()
        bg, fg = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        self.loss_plot = _plot("Loss", "loss", bg, fg)
        self.acc_plot = _plot("Accuracy", "accuracy %", bg, fg)
        self.lr_plot = _plot("Learning rate", "η", bg, fg)
        self.loss_plot.setToolTip("Training loss of every batch (faint), smoothed (line), and per "
                                  "epoch for training (●) and validation (■)")
        self.acc_plot.setToolTip("Accuracy per batch (smoothed) and per epoch for training (●) "
                                 "and validation (■)")
        self.lr_plot.setToolTip("The learning rate η used by each batch")
        self.lr_plot.setMinimumWidth(150)   # its title and η ticks need it; the others can shrink
        self.legend = QLabel(legend_html(fg))
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self._columns = 0
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 0, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(self.legend)
        lay.addLayout(self.grid, 1)
        # Before any point, sane axes: accuracy 0–100 %, loss from 0, the first epoch.
        self.acc_plot.getPlotItem().getViewBox().setLimits(yMin=-5, yMax=105)

        faint = QColor(TRAIN_COLOUR)
        faint.setAlpha(70)
        self.c_loss_raw = self.loss_plot.plot(pen=pg.mkPen(faint, width=1))
        self.c_loss_smooth = self.loss_plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name="batches")
        self.c_loss_epoch = self.loss_plot.plot(pen=None, symbol="o", symbolSize=7, symbolBrush=TRAIN_COLOUR,
                                                symbolPen=fg, name="epochs")
        self.c_loss_val = self.loss_plot.plot(pen=pg.mkPen(VAL_COLOUR, width=2), symbol="s", symbolSize=7,
                                              symbolBrush=VAL_COLOUR, symbolPen=fg, name="validation")
        self.c_acc_smooth = self.acc_plot.plot(pen=pg.mkPen(TRAIN_COLOUR, width=2), name="batches")
        self.c_acc_epoch = self.acc_plot.plot(pen=None, symbol="o", symbolSize=7, symbolBrush=TRAIN_COLOUR,
                                              symbolPen=fg, name="epochs")
        self.c_acc_val = self.acc_plot.plot(pen=pg.mkPen(VAL_COLOUR, width=2), symbol="s", symbolSize=7,
                                            symbolBrush=VAL_COLOUR, symbolPen=fg, name="validation")
        self.c_lr = self.lr_plot.plot(pen=pg.mkPen(LR_COLOUR, width=2))
        self._arrange()   # parent the plots first: a widget hidden before it had a parent showed
        self.clear()

    def _plots(self) -> list:
        return [self.loss_plot, self.acc_plot] + ([self.lr_plot] if not self.lr_plot.isHidden() else [])

    def _arrange(self, force: bool = False) -> None:
        if not hasattr(self, "grid"):   # a resize before __init__ has made the layout
            return
        plots = self._plots()
        columns = max(1, min(len(plots), self.width() // self.PLOT_WIDTH))
        if columns == self._columns and not force:
            return
        self._columns = columns
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot):
            self.grid.removeWidget(plot)
        for c in range(3):
            self.grid.setColumnStretch(c, 0)
        for k, plot in enumerate(plots):
            self.grid.addWidget(plot, k // columns, k % columns)
        for c in range(columns):
            self.grid.setColumnStretch(c, 1)
        if self.lr_plot.isHidden():
            self.grid.addWidget(self.lr_plot, 2, 0)   # kept in the layout, hidden

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange()

    def minimumSizeHint(self) -> QSize:
        return QSize(150, 200)

    def _empty_axes(self) -> None:
        self.acc_plot.setYRange(0, 100, padding=0.02)
        self.loss_plot.setYRange(0, 1, padding=0.02)
        for plot in (self.loss_plot, self.acc_plot, self.lr_plot):
            plot.setXRange(0, 1, padding=0.02)
            plot.getPlotItem().enableAutoRange(x=True, y=plot is not self.acc_plot)

    def clear(self) -> None:
        self.batch_loss, self.batch_acc, self.lr = Series(), Series(), Series()
        self.epoch_loss, self.val_loss = Series(), Series()
        self.epoch_acc, self.val_acc = Series(), Series()
        self.dirty: set = set()
        self._turn = 0
        for c in (self.c_loss_raw, self.c_loss_smooth, self.c_loss_epoch, self.c_loss_val,
                  self.c_acc_smooth, self.c_acc_epoch, self.c_acc_val, self.c_lr):
            c.setData([], [])
        self._show_rate(None)
        self._empty_axes()

    @property
    def points(self) -> int:
        """How many points the curves hold (for tests and the status line)."""
        return sum(len(s) for s in (self.batch_loss, self.batch_acc, self.lr, self.epoch_loss,
                                    self.val_loss, self.epoch_acc, self.val_acc))

    def add_batches(self, update: BatchUpdate) -> None:
        for x, loss, acc in zip(update.x, update.loss, update.acc):
            self.batch_loss.add(x, loss)
            self.batch_acc.add(x, None if acc is None else 100 * acc)
        self.lr.add(update.x[-1], update.latest.lr)
        self.dirty |= {"loss", "accuracy", "lr"}

    def add_history(self, history: list) -> None:
        """Epoch rows (HISTORY_COLUMNS dicts) of a run resumed from a checkpoint."""
        for row in history:
            self._add_epoch(row["epoch"], row["train_loss"], row["val_loss"], row["train_acc"],
                            row["val_acc"], row["lr"])
        self.redraw()

    def add_epoch(self, ev: EpochProgress) -> None:
        self._add_epoch(ev.epoch, ev.train_loss, ev.val_loss, ev.train_acc, ev.val_acc, ev.lr)

    def _add_epoch(self, epoch, train_loss, val_loss, train_acc, val_acc, lr) -> None:
        self.epoch_loss.add(epoch, train_loss)
        self.val_loss.add(epoch, val_loss)
        self.epoch_acc.add(epoch, None if train_acc is None else 100 * train_acc)
        self.val_acc.add(epoch, None if val_acc is None else 100 * val_acc)
        if not self.lr.x or self.lr.x[-1] < epoch:
            self.lr.add(epoch, lr)
        self.dirty |= {"loss", "accuracy", "lr"}

    # ------------------------------------------------------------------ drawing
    # Repainting a pyqtgraph plot costs about 10 ms here; the Train mode draws one plot per
    # tick of its redraw timer (draw_next), so that the event loop never stalls for all three.
    ORDER = ("loss", "accuracy", "lr")

    def draw_next(self) -> bool:
        """Draw the next plot that has new points; True while others still wait."""
        for k in range(len(self.ORDER)):
            name = self.ORDER[(self._turn + k) % len(self.ORDER)]
            if name in self.dirty:
                self._turn = (self._turn + k + 1) % len(self.ORDER)
                self._draw(name)
                break
        return bool(self.dirty)

    def redraw(self) -> None:
        """Draw everything that has new points now (the end of a run)."""
        for name in self.ORDER:
            if name in self.dirty:
                self._draw(name)

    def _draw(self, name: str) -> None:
        self.dirty.discard(name)
        # A marker per epoch reads well for a few dozen epochs; beyond that, lines only.
        many = len(self.epoch_loss) > MARKED_EPOCHS
        if name == "loss":
            x, y = self.batch_loss.arrays()
            self.c_loss_raw.setData(x, y)
            self.c_loss_smooth.setData(x, np.asarray(self.batch_loss.smoothed))
            self._epoch_curves(self.c_loss_epoch, self.c_loss_val, many)
            self.c_loss_epoch.setData(*self.epoch_loss.arrays())
            self.c_loss_val.setData(*self.val_loss.arrays())
        elif name == "accuracy":
            x, _ = self.batch_acc.arrays()
            self.c_acc_smooth.setData(x, np.asarray(self.batch_acc.smoothed))
            self._epoch_curves(self.c_acc_epoch, self.c_acc_val, many)
            self.c_acc_epoch.setData(*self.epoch_acc.arrays())
            self.c_acc_val.setData(*self.val_acc.arrays())
        else:
            x, y = self.lr.arrays()
            if len(y):
                self.c_lr.setData(x, y)
                self.lr_plot.setYRange(0, float(y.max()) * 1.15, padding=0)
            self._show_rate(float(y[0]) if len(y) and np.all(y == y[0]) else None)

    def _show_rate(self, constant: Optional[float]) -> None:
        """A rate that never changed is not a third of the plots for a flat line (the progress
        line under the Start button says η); the rate's plot shows once it changes (a schedule)."""
        shown = constant is None and len(self.lr) > 0
        if shown != (not self.lr_plot.isHidden()):
            self.lr_plot.setVisible(shown)
            self._arrange(force=True)

    @staticmethod
    def _epoch_curves(train, val, many: bool) -> None:
        val.setSymbol(None if many else "s")
        train.setSymbol(None if many else "o")
        train.setPen(pg.mkPen(TRAIN_COLOUR, width=1, style=Qt.PenStyle.DashLine) if many else None)
