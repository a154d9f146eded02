"""The palette: every layer kind, grouped by family, each with its icon and a tooltip; a search
box filters it. Items are dragged onto the canvas (a real QDrag carrying LAYER_TYPE_MIME), or
double-clicked / Enter to add after the selection."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QSize, Qt, Signal
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from ..model import FAMILIES, KINDS
from .artwork import drag_pixmap, kind_icon
from .layer_search import matching_types
from .mime import LAYER_TYPE_MIME, type_mime

TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def kind_tooltip(type_: str) -> str:
    kind = KINDS[type_]
    keys = ", ".join(k.name for k in kind.keys) or "no settings"
    return (f"<b>{kind.label}</b> ({type_})<br>{kind.help}<br><small>settings: {keys}<br>"
            f"PyTorch: {kind.torch}<br>Drag onto the canvas, or double-click to add after the "
            f"selection.</small>")


class PaletteTree(QTreeWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderHidden(True)
        self.setDragEnabled(True)
        self.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.setIconSize(QSize(24, 24))
        self.setIndentation(12)
        self.setRootIsDecorated(True)
        # Where the keyboard is must show: the default style drew no focus at all here.
        self.setObjectName("palette_tree")
        self.setStyleSheet("QTreeWidget#palette_tree:focus { border: 2px solid palette(highlight); }")

    def focusInEvent(self, event) -> None:
        """Tabbing in lands on a layer kind (not on nothing), so that Enter adds it."""
        super().focusInEvent(event)
        current = self.currentItem()
        if current is None or current.isHidden() or not current.data(0, TYPE_ROLE):
            first = next((item for item in self._kinds() if not item.isHidden() and not item.parent().isHidden()), None)
            if first is not None:
                self.setCurrentItem(first)

    def _kinds(self):
        for g in range(self.topLevelItemCount()):
            group = self.topLevelItem(g)
            for k in range(group.childCount()):
                yield group.child(k)

    def mimeTypes(self) -> list:
        return [LAYER_TYPE_MIME]

    def mimeData(self, items):
        types = [item.data(0, TYPE_ROLE) for item in items if item.data(0, TYPE_ROLE)]
        return type_mime(types[0]) if types else None

    def supportedDropActions(self):
        return Qt.DropAction.CopyAction

    def startDrag(self, actions) -> None:
        """A real QDrag carrying LAYER_TYPE_MIME, showing the kind as a chip under the pointer."""
        item = self.currentItem()
        type_ = item.data(0, TYPE_ROLE) if item else None
        if not type_:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        drag.setPixmap(drag_pixmap(type_, self.devicePixelRatioF()))
        drag.setHotSpot(QPoint(20, 20))
        drag.exec(Qt.DropAction.CopyAction)


class Palette(QWidget):
    activated = Signal(str)  # a layer type to add after the selection

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search layers…", clearButtonEnabled=True)
        self.search.setToolTip("Filter the layer kinds by name, e.g. 'pool' or 'relu'")
        self.tree = PaletteTree()
        self.tree.setToolTip("Drag a layer onto the canvas")
        # The kinds' names whole: squeezed by a small window, the palette showed icons only.
        self.setMinimumWidth(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.groups: dict[str, QTreeWidgetItem] = {}
        self.items: dict[str, QTreeWidgetItem] = {}
        for family, title in FAMILIES:
            group = QTreeWidgetItem([title])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            self.groups[family] = group
        for type_, kind in KINDS.items():
            item = QTreeWidgetItem([kind.label])
            item.setIcon(0, kind_icon(type_))
            item.setData(0, TYPE_ROLE, type_)
            item.setToolTip(0, kind_tooltip(type_))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            self.groups[kind.family].addChild(item)
            self.items[type_] = item
        for family, group in self.groups.items():
            group.setToolTip(0, f"{group.text(0)} layers")
            group.setHidden(group.childCount() == 0)
        self.tree.expandAll()
        self.best: list[str] = list(KINDS)  # the matching types, best first
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._add_first_match)
        self.tree.itemActivated.connect(self._on_activated)

    def filter(self, text: str) -> None:
        """Show the kinds quick-add would offer for ``text`` (the same matcher)."""
        self.best = matching_types(text)
        wanted = set(self.best)
        for family, group in self.groups.items():
            shown = 0
            for i in range(group.childCount()):
                item = group.child(i)
                hide = item.data(0, TYPE_ROLE) not in wanted
                item.setHidden(hide)
                shown += not hide
            group.setHidden(shown == 0)
        self.tree.expandAll()

    def visible_types(self) -> list[str]:
        return [t for t, item in self.items.items() if not item.isHidden() and not item.parent().isHidden()]

    def _add_first_match(self) -> None:
        """Enter in the search box adds the best match (as quick-add would)."""
        if self.best:
            self.activated.emit(self.best[0])

    def _on_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        type_ = item.data(0, TYPE_ROLE)
        if type_:
            self.activated.emit(type_)
