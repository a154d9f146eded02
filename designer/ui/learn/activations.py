"""The Activation gallery lesson: a list of the course's activations, the chosen one plotted with
its derivative (pyqtgraph: f solid, f′ dashed), a point x to read f(x) and f′(x) at (slider or
drag the line), and the formula, derivative and remarks (designer.learn.activations). Maxout is
drawn for two lines the student can change."""
from __future__ import annotations

from typing import Optional

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QDoubleSpinBox, QHBoxLayout, QLabel, QListWidget, QSlider,
                               QTextBrowser, QVBoxLayout, QWidget)

from ...learn import ACTIVATIONS, MAXOUT_LINES, maxout
from ..theme import escape, mix, style_axes

F_COLOUR = "#1f77b4"
DF_COLOUR = "#e6550d"
X_RANGE = 5.0
SAMPLES = 1001
SLIDER_STEPS = 100   # slider ticks per unit of x


def create(window) -> QWidget:
    return ActivationGallery()


def sample_curves(activation, lo: float = -X_RANGE, hi: float = X_RANGE, n: int = SAMPLES) -> tuple:
    """(x, f, f′) for plotting, with a NaN gap at each kink so that a jump is not drawn as a
    vertical line (f keeps its line where it is continuous)."""
    x = np.linspace(lo, hi, n)
    kinks = [k for k in activation.kinks if lo < k < hi]
    for k in kinks:
        x = x[np.abs(x - k) > 1e-9]
    f, df = activation.f(x), activation.df(x)
    if not kinks:
        return x, f, df
    pieces_x, pieces_f, pieces_df = [], [], []
    edges = [lo - 1] + sorted(kinks) + [hi + 1]
    for a, b in zip(edges[:-1], edges[1:]):
        inside = (x > a) & (x < b)
        pieces_x.append(x[inside])
        pieces_f.append(f[inside])
        pieces_df.append(df[inside])
    gap_x = [np.array([k]) for k in sorted(kinks)]
    out_x, out_f, out_df = [pieces_x[0]], [pieces_f[0]], [pieces_df[0]]
    for k, px, pf, pdf in zip(gap_x, pieces_x[1:], pieces_f[1:], pieces_df[1:]):
        kf = activation.f(k)
        jumps = abs(float(activation.f(k - 1e-6)[0]) - float(activation.f(k + 1e-6)[0])) > 1e-3
        out_x += [k, px]
        out_f += [np.array([np.nan]) if jumps else kf, pf]
        out_df += [np.array([np.nan]), pdf]
    return np.concatenate(out_x), np.concatenate(out_f), np.concatenate(out_df)


class ActivationGallery(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.activations = list(ACTIVATIONS)
        self.current = self.activations[0]
        self.x = 1.0
        self.readout_text = ""
        pal = self.palette()
        bg, fg = pal.color(QPalette.ColorRole.Base), pal.color(QPalette.ColorRole.Text)
        self.dim = mix(fg, bg, 0.4).name()

        self.list = QListWidget()
        self.list.setObjectName("activation_list")
        # The other lessons' font (the window's): 12.5–13.5 pt here read as another app.
        for a in self.activations:
            self.list.addItem(a.name)
        self.list.setFixedWidth(140)
        self.list.currentRowChanged.connect(self._row_changed)

        self.plot = pg.PlotWidget(background=bg)
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumSize(260, 200)
        item = self.plot.getPlotItem()
        style_axes(item, fg)
        item.showGrid(x=True, y=True, alpha=0.2)
        item.addLine(x=0, pen=pg.mkPen(mix(fg, bg, 0.6), width=1))
        item.addLine(y=0, pen=pg.mkPen(mix(fg, bg, 0.6), width=1))
        self.legend = self.plot.addLegend(offset=(8, 8), labelTextColor=fg, labelTextSize="11pt",
                                          brush=pg.mkBrush(bg.red(), bg.green(), bg.blue(), 220))
        self.curve_f = self.plot.plot(pen=pg.mkPen(F_COLOUR, width=3), name="f(x)",
                                      connect="finite")
        self.curve_df = self.plot.plot(pen=pg.mkPen(DF_COLOUR, width=2.5, style=Qt.PenStyle.DashLine),
                                       name="f′(x)", connect="finite")
        self.curve_df.setZValue(1)   # dashed over solid where they meet (ReLU's 0 for x < 0)
        self.dots = pg.ScatterPlotItem(size=11, pen=pg.mkPen(fg))
        self.dot_brushes = [pg.mkBrush(F_COLOUR), pg.mkBrush(DF_COLOUR)]
        self.plot.addItem(self.dots)
        self.marker = pg.InfiniteLine(pos=self.x, angle=90, movable=True,
                                      pen=pg.mkPen(mix(fg, bg, 0.3), width=1.5),
                                      hoverPen=pg.mkPen(fg, width=3),
                                      bounds=(-X_RANGE, X_RANGE))
        self.marker.setToolTip("Drag to read f(x) and f′(x)")
        self.marker.sigPositionChanged.connect(lambda line: self.set_x(line.value()))
        self.plot.addItem(self.marker)
        self.plot.setXRange(-X_RANGE, X_RANGE, padding=0.02)

        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(int(-X_RANGE * SLIDER_STEPS), int(X_RANGE * SLIDER_STEPS))
        self.slider.setValue(int(self.x * SLIDER_STEPS))
        self.slider.valueChanged.connect(lambda v: self.set_x(v / SLIDER_STEPS))
        self.readout = QLabel()
        self.readout.setObjectName("activation_readout")
        font = self.readout.font()
        font.setBold(True)
        self.readout.setFont(font)
        readout_row = QHBoxLayout()
        readout_row.addWidget(QLabel("x"))
        readout_row.addWidget(self.slider, 1)

        self.maxout_row = QWidget()
        mrow = QHBoxLayout(self.maxout_row)
        mrow.setContentsMargins(0, 0, 0, 0)
        mrow.addWidget(QLabel("Maxout pieces:"))
        self.pieces = []
        for n, (w, b) in enumerate(MAXOUT_LINES, start=1):
            spins = []
            for name, value in ((f"w{'₁₂'[n - 1]}", w), (f"b{'₁₂'[n - 1]}", b)):
                spin = QDoubleSpinBox()
                spin.setRange(-5, 5)
                spin.setSingleStep(0.5)
                spin.setDecimals(2)
                spin.setValue(value)
                spin.setPrefix(f"{name} = ")
                spin.valueChanged.connect(self._maxout_changed)
                mrow.addWidget(spin)
                spins.append(spin)
            self.pieces.append(spins)
        mrow.addStretch(1)
        self.maxout_row.setVisible(False)

        middle = QVBoxLayout()
        middle.addWidget(self.plot, 1)
        middle.addLayout(readout_row)
        middle.addWidget(self.readout)
        middle.addWidget(self.maxout_row)

        self.info = QTextBrowser()
        self.info.setObjectName("activation_info")

        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.list)
        lay.addLayout(middle, 5)
        lay.addWidget(self.info, 4)
        self.list.setCurrentRow(0)

    # ------------------------------------------------------------------ lesson hooks
    def show_example(self) -> None:
        """Sigmoid read at x = 2.5, where it saturates: σ′ is already below 0.08."""
        self.select("sigmoid")
        self.set_x(2.5)

    # ------------------------------------------------------------------ choosing
    def select(self, key: str) -> None:
        row = next(i for i, a in enumerate(self.activations) if a.key == key)
        self.list.setCurrentRow(row)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.activations):
            self.current = self.activations[row]
            self.maxout_row.setVisible(self.current.key == "maxout")
            self.redraw()

    def _maxout_changed(self, _value=None) -> None:
        lines = tuple((w.value(), b.value()) for w, b in self.pieces)
        i = next(i for i, a in enumerate(self.activations) if a.key == "maxout")
        self.activations[i] = maxout(lines)
        if self.current.key == "maxout":
            self.current = self.activations[i]
            self.redraw()

    def set_x(self, x: float) -> None:
        x = float(min(X_RANGE, max(-X_RANGE, x)))
        if abs(x - self.x) < 1e-12 and self.readout_text:
            return
        self.x = x
        self.marker.blockSignals(True)
        self.marker.setValue(x)
        self.marker.blockSignals(False)
        self.slider.blockSignals(True)
        self.slider.setValue(round(x * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self._update_readout()

    # ------------------------------------------------------------------ drawing
    def redraw(self) -> None:
        a = self.current
        x, f, df = sample_curves(a)
        self.curve_f.setData(x, f)
        self.curve_df.setData(x, df)
        values = np.concatenate([f[np.isfinite(f)], df[np.isfinite(df)]])
        lo, hi = float(values.min()), float(values.max())
        pad = 0.08 * max(hi - lo, 1.0)
        self.plot.setYRange(lo - pad, hi + pad, padding=0)
        self.plot.getPlotItem().setTitle(escape(a.name), color=self.palette().color(
            QPalette.ColorRole.Text).name(), size=f"{self.font().pointSizeF() + 1:g}pt")
        self.info.setHtml(self.html())
        self._update_readout()

    def _update_readout(self) -> None:
        fx, dfx = self.current.at(self.x)
        self.dots.setData([self.x, self.x], [fx, dfx], brush=self.dot_brushes)
        self.readout_text = (f"x = {self.x:.2f}:  f(x) = {fx:.3f}   f′(x) = {dfx:.3f}"
                             .replace("-", "−"))
        head, values = self.readout_text.split(":  ")
        f_part, df_part = values.split("   ")
        self.readout.setText(f"{head}: &nbsp;<span style='color:{F_COLOUR}'>{f_part}</span>"
                             f" &nbsp; <span style='color:{DF_COLOUR}'>{df_part}</span>")

    def html(self) -> str:
        a = self.current
        remarks = "".join(f"<li style='margin-bottom:3px'>{escape(r)}</li>" for r in a.remarks)
        big = f"{self.font().pointSizeF() + 1:g}"   # the formulas a little larger than the text
        return (f"<p style='font-size:{big}pt; margin-bottom:2px'>"
                f"<span style='color:{F_COLOUR}'>━</span> {escape(a.formula)}</p>"
                f"<p style='font-size:{big}pt; margin-top:2px; margin-bottom:2px'>"
                f"<span style='color:{DF_COLOUR}'>┅</span> {escape(a.derivative)}</p>"
                f"<p style='color:{self.dim}; margin-top:2px'>range {escape(a.output_range)}</p>"
                f"<ul style='margin-left:-20px'>{remarks}</ul>")

    def text(self) -> str:
        """The formula, derivative and remarks shown, as plain text."""
        return self.info.toPlainText()
