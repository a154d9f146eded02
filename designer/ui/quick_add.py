"""Quick-add (Ctrl+F): type a few letters, Enter adds the best match after the selection, so a
network can be built from the keyboard alone. Up/Down pick another match, Escape closes. The
matching (shared with the palette's search box) is in layer_search.py."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout

from ..model import KINDS
from .artwork import kind_icon
from .layer_search import matches

class QuickAdd(QFrame):
    chosen = Signal(str, dict)  # layer type, starting settings

    def __init__(self, parent):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.edit = QLineEdit(placeholderText="Add a layer: type conv, relu, pool, fc…")
        self.edit.setToolTip("Type a few letters and press Enter to add the layer after the selection; "
                             "Up/Down choose, Escape closes")
        self.list = QListWidget()
        self.list.setMaximumHeight(220)
        self.list.setToolTip("Matching layer kinds")
        box = QVBoxLayout(self)
        box.setContentsMargins(6, 6, 6, 6)
        box.addWidget(QLabel("Quick add"))
        box.addWidget(self.edit)
        box.addWidget(self.list)
        self.edit.textChanged.connect(self._update)
        self.edit.returnPressed.connect(self.accept)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.edit.installEventFilter(self)
        self.hide()

    def open(self) -> None:
        parent = self.parentWidget()
        width = min(360, parent.width() - 20)
        self.setFixedWidth(max(width, 200))
        self.adjustSize()
        self.move((parent.width() - self.width()) // 2, 12)
        self.edit.clear()
        self._update("")
        self.show()
        self.raise_()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _update(self, text: str) -> None:
        self.list.clear()
        for label, type_, cfg in matches(text):
            item = QListWidgetItem(kind_icon(type_), label)
            item.setData(Qt.ItemDataRole.UserRole, (type_, cfg))
            item.setToolTip(KINDS[type_].help)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.edit and event.type() == event.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.list.count():
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, self.list.currentRow() + step)))
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.hide()
                self.parentWidget().setFocus()  # back to the canvas
                return True
        return super().eventFilter(obj, event)

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        type_, cfg = item.data(Qt.ItemDataRole.UserRole)
        self.hide()
        self.chosen.emit(type_, dict(cfg))
