"""The confusion matrix on the validation set after each epoch: rows are the true classes,
columns the predicted ones; each cell shows its count, shaded by its share of the row."""
from __future__ import annotations

from typing import Optional

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from .widgets import PaintedWidget

MAX_CLASSES = 30  # more than this are not drawn as a matrix
HEADER_MAX = 130  # pixels: the tallest band of turned column names ("horizontal bar" whole)


def trimmed(confusion: np.ndarray, n_classes: int) -> np.ndarray:
    """The matrix without the network's extra outputs that no sample has and none was given to
    (LeNet-5's 10 outputs on a 6-class set)."""
    k = max(n_classes, 1)
    c = np.asarray(confusion)
    used = np.flatnonzero(c.sum(axis=0) + c.sum(axis=1))
    if len(used):
        k = max(k, int(used.max()) + 1)
    return c[:k, :k]


class ConfusionView(PaintedWidget):
    content_changed = Signal()   # what it holds changed size: the dock refits it

    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.matrix: Optional[np.ndarray] = None
        self.names: list = []
        self.row_names: list = []             # the row names as drawn (elided only when too wide)
        self.column_names: list = []          # the column names as drawn
        self.headers_turned = False           # column names drawn upright (they did not fit across)
        self.mistake_rect = QRectF()          # where the most common mistake was written
        self.title = "Confusion matrix (validation) appears after the first epoch."
        self._shown_classes = 0               # the matrix size the dock was last fitted to
        self.setMinimumSize(160, 40)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Rows: the true class; columns: the class the network predicted. "
                        "The diagonal is what it got right.")

    def sizeHint(self) -> QSize:
        """As tall as what it holds: before the first epoch its sentence (an empty matrix took
        340 px for one line), after it a square of cells under the class names."""
        # Qt may ask before __init__ has set the text, or while the view is being destroyed.
        title, matrix = getattr(self, "title", ""), getattr(self, "matrix", None)
        fm = self.fontMetrics()
        width = max(self.width(), 280)
        text_h = fm.boundingRect(0, 0, width - 4, 1000, Qt.TextFlag.TextWordWrap, title).height() + 8
        if matrix is None or len(matrix) == 0 or len(matrix) > MAX_CLASSES:
            return QSize(280, text_h)
        k = len(matrix)
        names = max((fm.horizontalAdvance(n) for n in getattr(self, "names", [])), default=0)
        cell = max(18, min(44, (width - min(names, int(width * 0.4)) - 30) // k))
        head = min(names, HEADER_MAX) + 6
        return QSize(280, text_h + fm.height() + 6 + head + k * cell + 2 * fm.height() + 16)

    def clear(self) -> None:
        self.matrix = None
        self._shown_classes = 0
        self.title = "Confusion matrix (validation) appears after the first epoch."
        self.update()
        self.updateGeometry()
        self.content_changed.emit()

    def show_matrix(self, confusion: np.ndarray, classes: Optional[list], epoch: int) -> None:
        k = len(classes) if classes else 0
        m = trimmed(confusion, k)
        self.matrix = m
        self.names = [classes[i] if classes and i < len(classes) else str(i) for i in range(len(m))]
        total = int(m.sum())
        acc = 100.0 * np.trace(m) / total if total else 0.0
        self.title = f"Confusion on validation, epoch {epoch}: {acc:.1f} % of {total} right"
        self.update()
        if len(m) != self._shown_classes:   # a new size: the dock gives it the room it needs
            self._shown_classes = len(m)
            self.updateGeometry()
            self.content_changed.emit()

    def _paint(self, p: QPainter) -> None:
        pal = self.palette()
        text = pal.color(QPalette.ColorRole.Text)
        base = pal.color(QPalette.ColorRole.Base)
        p.setPen(text)
        font = QFont(self.font())
        p.setFont(font)
        fm = p.fontMetrics()
        wrap = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
        width = max(40, self.width() - 4)
        title_h = fm.boundingRect(0, 0, width, 1000, wrap, self.title).height()
        p.drawText(QRectF(0, 0, self.width(), title_h + 4), wrap, self.title)
        m = self.matrix
        if m is None or len(m) == 0 or len(m) > MAX_CLASSES:
            return
        k = len(m)
        mistake = self.mistake_text()
        mistake_h = fm.boundingRect(0, 0, width, 1000, wrap, mistake).height()
        # Row names whole when they fit two fifths of the width ("horizontal bar"), else elided
        # by what they measure, not cut at a count of characters.
        room = max(40, int(self.width() * 0.4) - fm.height() - 12)
        names = [fm.elidedText(n, Qt.TextElideMode.ElideRight, room) for n in self.names]
        self.row_names = names
        label_w = max(fm.horizontalAdvance(n) for n in names) + 8
        left = label_w + fm.height() + 4
        below = mistake_h + 10

        def cell_for(top: float) -> float:
            return max(8.0, min((self.width() - left - 4) / k, (self.height() - top - below) / k))

        # The predicted classes' names go above the columns: across when they fit a cell,
        # else turned upright (read from below) in a band as tall as the longest needs.
        small = QFont(font)
        small.setPointSizeF(max(6.0, min(font.pointSizeF(), cell_for(title_h + fm.height() * 2 + 10) * 0.32)))
        p.setFont(small)
        sfm = p.fontMetrics()
        widest = max(sfm.horizontalAdvance(n) for n in self.names)
        self.headers_turned = widest > cell_for(title_h + fm.height() + sfm.height() + 8) - 4
        head = min(widest, HEADER_MAX) + 6 if self.headers_turned else sfm.height() + 2  # 2 px: elidedText rounds
        top = title_h + fm.height() + 6 + head
        cell = cell_for(top)
        self.column_names = []
        for j in range(k):
            if self.headers_turned:
                p.save()
                p.translate(left + j * cell + cell / 2, top - 3)
                p.rotate(-90)
                name = sfm.elidedText(self.names[j], Qt.TextElideMode.ElideRight, int(head - 4))
                self.column_names.append(name)
                p.drawText(QRectF(0, -sfm.height() / 2, head - 4, sfm.height()),
                           Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
                p.restore()
            else:
                name = sfm.elidedText(self.names[j], Qt.TextElideMode.ElideRight, int(cell) - 2)
                self.column_names.append(name)
                p.drawText(QRectF(left + j * cell, top - sfm.height() - 2, cell, sfm.height()),
                           Qt.AlignmentFlag.AlignCenter, name)
        small.setPointSizeF(max(6.0, min(font.pointSizeF(), cell * 0.32)))
        # axis titles
        p.setFont(font)
        p.drawText(QRectF(left, title_h + 2, k * cell, fm.height()), Qt.AlignmentFlag.AlignCenter,
                   "predicted →")
        p.save()
        p.translate(fm.height() * 0.2, top + k * cell / 2)
        p.rotate(-90)
        p.drawText(QRectF(-k * cell / 2, -2, k * cell, fm.height()), Qt.AlignmentFlag.AlignCenter, "true →")
        p.restore()
        rows = m.sum(axis=1, keepdims=True).astype(float)
        share = np.divide(m, rows, out=np.zeros(m.shape), where=rows > 0)
        good, bad = QColor(30, 120, 200), QColor(215, 60, 40)
        for i in range(k):
            p.setPen(text)
            p.setFont(font)
            p.drawText(QRectF(fm.height() + 2, top + i * cell, label_w, cell),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, names[i] + " ")
            for j in range(k):
                hue = good if i == j else bad
                t = float(share[i, j])
                fill = QColor.fromRgbF(base.redF() + (hue.redF() - base.redF()) * t,
                                       base.greenF() + (hue.greenF() - base.greenF()) * t,
                                       base.blueF() + (hue.blueF() - base.blueF()) * t)
                r = QRectF(left + j * cell, top + i * cell, cell - 1, cell - 1)
                p.fillRect(r, fill)
                if cell >= 16 and m[i, j]:
                    lum = 0.299 * fill.redF() + 0.587 * fill.greenF() + 0.114 * fill.blueF()
                    p.setPen(QColor("#111111") if lum > 0.55 else QColor("#ffffff"))
                    p.setFont(small)
                    p.drawText(r, Qt.AlignmentFlag.AlignCenter, str(int(m[i, j])))
        p.setPen(text)
        p.setFont(font)
        self.mistake_rect = QRectF(0, top + k * cell + 6, self.width(), mistake_h + 4)
        p.drawText(self.mistake_rect, wrap, mistake)

    def mistake_text(self) -> str:
        """The most frequent mistake, in words ('circle taken for square 25 times')."""
        m = self.matrix
        if m is None or not len(m):
            return ""
        off = np.array(m, dtype=np.int64)
        np.fill_diagonal(off, 0)
        if off.max() == 0:
            return "No mistakes on the validation set."
        i, j = np.unravel_index(int(off.argmax()), off.shape)
        n = int(off[i, j])
        return f"Most common mistake: {self.names[i]} taken for {self.names[j]} ({n} time{'s' if n != 1 else ''})."
