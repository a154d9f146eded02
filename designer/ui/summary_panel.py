"""The summary dock: the same table and totals as ``nn-designer summary`` (designer.model.summary),
errors in red and warnings in amber with their sentences, and a batch size for the memory
estimate. The table's selection is the canvas's: a click, Shift+click (a range) or Ctrl+click
(one more or one less) selects the layers on the canvas too, and the canvas's selection is shown
here. For a network that branches, an inputs column says which layers each layer reads."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel, QSpinBox,
                               QTableView, QVBoxLayout, QWidget)

from ..model import Network
from ..model import summary
from .theme import CanvasColours

COLUMNS = ("#", "layer", "output", "params", "%", "mult-adds", "inputs", "notes")
RIGHT = {0, 3, 4, 5}
INPUTS, NOTES = COLUMNS.index("inputs"), COLUMNS.index("notes")


def _cells(row: dict) -> tuple:
    return (str(row["index"]), row["label"], row["output"], row["params_text"],
            f"{row['percent']:.1f}", summary.human_count(row["macs"]), row["inputs_text"],
            "; ".join(row["notes"]))


class SummaryModel(QAbstractTableModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[dict] = []
        self.cells: list[tuple] = []
        self.colours = CanvasColours()

    def set_rows(self, rows: list[dict]) -> None:
        cells = [_cells(r) for r in rows]
        if len(rows) != len(self.rows):
            self.beginResetModel()
            self.rows, self.cells = rows, cells
            self.endResetModel()
            return
        changed = [i for i, (a, b) in enumerate(zip(self.cells, cells)) if a != b]
        self.rows, self.cells = rows, cells
        if changed:
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], len(COLUMNS) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cells[row][col]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            align = Qt.AlignmentFlag.AlignRight if col in RIGHT else Qt.AlignmentFlag.AlignLeft
            return int(align | Qt.AlignmentFlag.AlignVCenter)
        notes = self.rows[row]["notes"]
        if role == Qt.ItemDataRole.ForegroundRole and notes and col in (1, 2, NOTES):
            if notes[0].startswith("note"):
                return None  # information, in the text's own colour
            return QColor(self.colours.error if notes[0].startswith("error") else self.colours.warning)
        if role == Qt.ItemDataRole.ToolTipRole and notes:
            return "\n".join(notes)
        return None


class SummaryPanel(QWidget):
    row_clicked = Signal(int)  # layer index
    rows_selected = Signal(list)  # the layer indices the user selected in the table
    batch_changed = Signal(int)

    def __init__(self, network: Network, parent=None):
        super().__init__(parent)
        self.network = network
        self.model = SummaryModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._shown: list = []  # the rows selected, as the canvas has them
        self._syncing = False
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setToolTip("The layer table of `nn-designer summary`; click a row to select the layer")
        header = self.table.horizontalHeader()
        widths = (40, 150, 100, 100, 50, 90, 90)
        for col, width in enumerate(widths):
            header.resizeSection(col, width)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.clicked.connect(lambda idx: self.row_clicked.emit(idx.row()))
        self.table.selectionModel().selectionChanged.connect(self._table_selection_changed)
        self.totals = QLabel()
        self.totals.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.totals.setToolTip("Totals as `nn-designer summary` prints them (float32)")
        self.batch = QSpinBox(minimum=1, maximum=4096, value=64)
        self.batch.setPrefix("batch ")
        self.batch.setToolTip("Batch size for the activation-memory estimate")
        self.batch.valueChanged.connect(self._batch_changed)
        bottom = QHBoxLayout()
        bottom.addWidget(self.totals, 1)
        bottom.addWidget(self.batch)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 2, 4, 4)
        box.addWidget(self.table)
        box.addLayout(bottom)
        network.changed.connect(lambda _change: self.refresh())
        self.refresh()

    @property
    def batch_size(self) -> int:
        return self.batch.value()

    def _batch_changed(self, value: int) -> None:
        self.refresh()
        self.batch_changed.emit(value)

    def refresh(self) -> None:
        report = self.network.report()
        rows = summary.rows(report, self.network.layers)
        for row, info in zip(rows, report.layers):  # information: a rounding the design means
            if info.notes:
                row["notes"] = list(row["notes"]) + [f"note: {n}" for n in info.notes]
        self.model.set_rows(rows)
        if self.selected_rows() != self._shown:  # a reset of the model dropped the selection
            self.select_rows(self._shown)
        self.table.setColumnHidden(INPUTS, not summary.branches(report))
        self.totals.setText(summary.totals_line(report, self.batch_size) if report.layers else "no layers")

    def _table_selection_changed(self, *_args) -> None:
        if self._syncing:
            return
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        self._shown = rows
        self.rows_selected.emit(rows)

    def selected_rows(self) -> list:
        return sorted(i.row() for i in self.table.selectionModel().selectedRows())

    def select_rows(self, indices: list) -> None:
        """Show the canvas's selection (layer indices) as the table's, without echoing it back."""
        rows = [i for i in indices if 0 <= i < self.model.rowCount()]
        self._shown = rows
        if rows == self.selected_rows():
            return
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for row in rows:
            selection.select(self.model.index(row, 0), self.model.index(row, last))
        self._syncing = True
        try:
            self.table.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            if rows:
                current = self.model.index(rows[-1], 0)
                self.table.selectionModel().setCurrentIndex(current, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.table.scrollTo(current)
        finally:
            self._syncing = False

    def select_row(self, index: int) -> None:
        self.select_rows([index])
