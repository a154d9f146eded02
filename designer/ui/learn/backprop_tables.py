"""The backprop stepper's tables: the neurons (net, o, t, δ) and one weight-update table per layer
in the course's layout, filled in as far as the lesson has got."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont, QPalette
from PySide6.QtWidgets import (QAbstractItemView, QFrame, QHeaderView, QLabel, QScrollArea,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from ...learn import fmt, fmt_given, full, layer_title
from ..theme import mix

UPDATE_COLUMNS = ("from", "to", "η", "δ", "x", "Δ = ηδx", "old W", "new W")
MOMENTUM_COLUMNS = ("from", "to", "η", "δ", "x", "ηδx", "αΔw(n−1)", "Δw(n)", "old W", "new W")
NEURON_COLUMNS = ("neuron", "net", "o", "t", "δ")


def level_name(level: int, n_layers: int) -> str:
    """input, hidden (hidden 1, hidden 2… when there are several) or output."""
    if level == 0:
        return "input"
    if level == n_layers:
        return "output"
    return "hidden" if n_layers == 2 else f"hidden {level}"


def compact_table(columns) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.verticalHeader().setDefaultSectionSize(21)
    font = table.font()
    font.setPointSizeF(font.pointSizeF() * 0.92)
    table.setFont(font)
    table.setStyleSheet("QTableWidget::item { padding: 0px 3px; }")
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setMinimumSectionSize(36)
    return table


def fit_height(table: QTableWidget) -> None:
    """Show every row: the table is as tall as its rows (the scroll area around it scrolls)."""
    height = table.horizontalHeader().height() + 2 * table.frameWidth()
    height += sum(table.rowHeight(r) for r in range(table.rowCount()))
    table.setFixedHeight(height)
    width = table.verticalHeader().width() + 2 * table.frameWidth()
    width += sum(table.columnWidth(c) for c in range(table.columnCount()))
    table.setFixedWidth(width)


def cell(text: str, tip: str = "", bold: bool = False, highlight=None) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if tip:
        item.setToolTip(tip)
    if bold:
        font = QFont()
        font.setBold(True)
        item.setFont(font)
    if highlight is not None:
        item.setBackground(QBrush(highlight))
    return item


def number(value: float, shown: bool, given: bool = False) -> tuple:
    if not shown:
        return "", ""
    return (fmt_given(value) if given else fmt(value)), full(value)


class BackpropTables(QScrollArea):
    """The neuron table, then the update tables from the output layer back (the course's order)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.inner = QWidget()
        self.box = QVBoxLayout(self.inner)
        self.box.setContentsMargins(4, 0, 4, 4)
        self.box.setSpacing(3)
        self.setWidget(self.inner)
        self.neuron_caption = QLabel("<b>Neurons</b>")
        self.neurons = compact_table(NEURON_COLUMNS)
        self.neurons.setObjectName("backprop_neurons")
        self.box.addWidget(self.neuron_caption)
        self.box.addWidget(self.neurons)
        self.captions: list = []
        self.updates: list = []  # update table of dense layer l at updates[l]
        self.box.addStretch(1)
        self._shape = None

    def _highlight(self):
        palette = self.palette()
        return mix(palette.color(QPalette.ColorRole.Base),
                   palette.color(QPalette.ColorRole.Highlight), 0.2)

    def _build(self, n_layers: int, momentum: bool) -> None:
        shape = (n_layers, momentum)
        if shape == self._shape:
            return
        self._shape = shape
        for widget in self.captions + self.updates:
            self.box.removeWidget(widget)
            widget.hide()
            widget.deleteLater()
        self.captions, self.updates = [], []
        columns = MOMENTUM_COLUMNS if momentum else UPDATE_COLUMNS
        slots = [None] * n_layers
        for l in range(n_layers - 1, -1, -1):
            caption = QLabel()
            table = compact_table(columns)
            table.setObjectName(f"backprop_updates_{l}")
            index = self.box.count() - 1  # before the stretch
            self.box.insertWidget(index, caption)
            self.box.insertWidget(index + 1, table)
            slots[l] = (caption, table)
        self.captions = [c for c, _ in slots]
        self.updates = [t for _, t in slots]

    def show_state(self, stack, step, stage_list, current: int) -> None:
        """Fill the tables with what the stages up to ``current`` have computed."""
        n_layers = len(stack.weights)
        self._build(n_layers, bool(step.momentum))
        done = {(s.phase, s.layer) for s in stage_list[:current + 1]}
        now = stage_list[current]
        light = self._highlight()
        names = stack.names

        rows = [(l, j) for l in range(n_layers) for j in range(len(names[l + 1]))]
        table = self.neurons
        table.setRowCount(len(rows))
        for r, (l, j) in enumerate(rows):
            values = step.layers[l]
            lit = light if now.phase in ("forward", "delta") and now.layer == l else None
            forward, delta = ("forward", l) in done, ("delta", l) in done
            last = l == n_layers - 1
            items = [cell(names[l + 1][j], highlight=lit)]
            for value, shown in ((values.net[j], forward), (values.out[j], forward)):
                items.append(cell(*number(value, shown), highlight=lit))
            items.append(cell(*number(step.t[j], last, given=True), highlight=lit) if last
                         else cell("", highlight=lit))
            items.append(cell(*number(values.delta[j], delta), bold=delta, highlight=lit))
            items[0].setTextAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            for c, item in enumerate(items):
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        fit_height(table)

        for l in range(n_layers):
            self._fill_updates(l, step, ("update", l) in done, now.phase == "update" and now.layer == l, light,
                               names, n_layers)

    def _fill_updates(self, l, step, shown, lit, light, names, n_layers) -> None:
        caption, table = self.captions[l], self.updates[l]
        caption.setText(f"<b>Weights into {layer_title(l, n_layers)}</b> "
                        f"({level_name(l, n_layers)} → {level_name(l + 1, n_layers)})"
                        + (" &nbsp; ◀ this stage" if lit else ""))
        rows = step.rows[l]
        table.setRowCount(len(rows))
        colour = light if lit else None
        for r, row in enumerate(rows):
            values = [(row.lr, True), (row.delta, False), (row.x, row.given_x), (row.change, False)]
            if step.momentum:
                values += [(row.momentum, False), (row.step, False)]
            items = [cell(row.source, highlight=colour), cell(row.target, highlight=colour)]
            items += [cell(*number(v, shown, given), highlight=colour) for v, given in values]
            items.append(cell(*number(row.old, True), highlight=colour))
            items.append(cell(*number(row.new, shown), bold=True, highlight=colour))
            for c, item in enumerate(items):
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        fit_height(table)

    def needed_width(self) -> int:
        """The width that shows the widest table without a horizontal scroll bar."""
        widest = max(t.width() for t in [self.neurons] + self.updates)
        margins = self.box.contentsMargins()
        return widest + margins.left() + margins.right() + self.verticalScrollBar().sizeHint().width() + 4

    def scroll_to_stage(self, stage) -> None:
        """Scroll (as little as it takes) to the table of ``stage``: the neurons for the forward
        pass and the δs, the layer's update table with its caption for an update."""
        self.box.activate()
        if stage.phase == "update" and stage.layer < len(self.updates):
            self.ensureWidgetVisible(self.updates[stage.layer], 0, 4)
            self.ensureWidgetVisible(self.captions[stage.layer], 0, 2)
            # Down to the table, not across: a table wider than the room starts at its left
            # column ("from", "to"), not at its last.
            self.horizontalScrollBar().setValue(0)
        else:
            self.verticalScrollBar().setValue(0)
