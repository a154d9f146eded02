"""The inspector: the selected layer's settings as typed widgets, its name, and how its output
was worked out (the formula from the report, the input and output volumes, parameters, and any
error or warning as a sentence). It edits only through the Editor, one undo step per value."""
from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QScrollArea,
                               QVBoxLayout, QWidget)

from ..model import KINDS, ConfigError, Network, format_shape
from ..model.summary import human_count
from .editor import Editor
from .artwork import kind_pixmap
from .theme import CanvasColours, escape

INPUT_IMAGE, INPUT_VECTOR = "image", "vector"


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


def _wrapped(text: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class Inspector(QScrollArea):
    def __init__(self, network: Network, editor: Editor, parent=None):
        super().__init__(parent)
        self.network = network
        self.editor = editor
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.uid: int | None = None
        self.selected_count = 0
        self.editors: dict = {}  # key name -> key_widgets.KeyEditor
        self._built: tuple | None = None
        self.name_edit: QLineEdit | None = None
        self.input_mode: QComboBox | None = None
        editor.scene.selectionChanged.connect(self._selection_changed)
        network.changed.connect(lambda _reason: self.refresh())
        self.refresh()

    # ------------------------------------------------------------------ what to show
    def _selection_changed(self) -> None:
        uids = self.editor.scene.selected_uids()
        self.selected_count = len(uids)
        self.uid = uids[-1] if len(uids) == 1 else None
        self.refresh()

    def _layer(self):
        if self.uid is None:
            return None, None
        try:
            index = self.network.index_of(self.uid)
        except KeyError:
            self.uid = None
            return None, None
        return index, self.network[index]

    def refresh(self) -> None:
        index, layer = self._layer()
        if layer is None:
            if self._built != ("none", self.selected_count, self.network.name, len(self.network)):
                self._build_overview()
            return
        mode = INPUT_VECTOR if "features" in layer.config else INPUT_IMAGE
        if self._built != ("layer", layer.uid, layer.type, mode):
            self._build_layer(layer, mode)
        self._update_values(index, layer)

    # ------------------------------------------------------------------ building
    def _page(self) -> QVBoxLayout:
        """A new, empty page; it is put in the scroll area once filled, so that all its widgets
        show at once."""
        self._new_page = QWidget()
        box = QVBoxLayout(self._new_page)
        box.setContentsMargins(8, 8, 8, 8)
        self.editors = {}
        self.name_edit = None
        self.input_mode = None
        return box

    def _build_overview(self) -> None:
        self._built = ("none", self.selected_count, self.network.name, len(self.network))
        box = self._page()
        title = QLabel(f"<b>{escape(self.network.name)}</b>")
        box.addWidget(title)
        if self.selected_count > 1:
            text = f"{self.selected_count} layers selected. Select one layer to edit its settings."
        else:
            text = (f"{len(self.network)} layers. Select a block to edit its settings here.\n\n"
                    "Drag layers from the palette onto the canvas, or press Ctrl+F and type a name "
                    "to add one after the selection. Drag a block to move it; Delete removes it.")
        box.addWidget(_wrapped(text))
        box.addStretch(1)
        self.setWidget(self._new_page)

    def _build_layer(self, layer, mode: str) -> None:
        self._built = ("layer", layer.uid, layer.type, mode)
        self.colours = CanvasColours(self.palette())
        kind = KINDS[layer.type]
        box = self._page()
        head = QLabel()
        head.setPixmap(kind_pixmap(layer.type, 32, self.devicePixelRatioF()))
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        row = QFormLayout()
        row.addRow(head, self.title)
        box.addLayout(row)
        help_label = _wrapped(kind.help)
        help_label.setToolTip(f"PyTorch: {kind.torch}")
        box.addWidget(help_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.name_edit = QLineEdit(placeholderText="optional label", clearButtonEnabled=True)
        self.name_edit.setToolTip("A label shown on the block and in the summary (e.g. conv1)")
        self.name_edit.editingFinished.connect(self._rename)
        form.addRow("name", self.name_edit)
        from .key_widgets import make_editor  # imported when a layer is first shown (faster start)

        keys = list(kind.keys)
        if layer.type == "input":
            self.input_mode = QComboBox()
            self.input_mode.addItems(["image W×H×D", "vector of features"])
            self.input_mode.setToolTip("An image volume (width, height, depth) or a vector of features")
            self.input_mode.setCurrentIndex(0 if mode == INPUT_IMAGE else 1)
            self.input_mode.activated.connect(self._switch_input_mode)
            form.addRow("shape", self.input_mode)
            wanted = ("features",) if mode == INPUT_VECTOR else ("width", "height", "depth")
            keys = [k for k in keys if k.name in wanted]
        for key in keys:
            optional = "= size" if (layer.type, key.name) == ("pool", "stride") else ""
            widget = make_editor(key, optional)
            widget.committed.connect(lambda value, name=key.name: self._commit(name, value))
            label = QLabel(key.name)
            label.setToolTip(key.help)
            form.addRow(label, widget)
            self.editors[key.name] = widget
        box.addLayout(form)
        box.addWidget(_rule())
        self.shapes = _wrapped(rich=True)
        self.formula = _wrapped()
        self.formula.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.formula.setToolTip("How the output size and the parameter count are worked out")
        self.problems = _wrapped(rich=True)
        for widget in (self.shapes, self.formula, self.problems):
            box.addWidget(widget)
        box.addStretch(1)
        self.setWidget(self._new_page)

    # ------------------------------------------------------------------ values
    def _update_values(self, index: int, layer) -> None:
        kind = KINDS[layer.type]
        info = self.network.report().layers[index]
        self.title.setText(f"<b>{escape(kind.label)}</b> &nbsp;<small>{layer.type} · layer {index}</small>")
        if self.name_edit is not None and not self.name_edit.hasFocus():
            self.name_edit.setText(layer.name or "")
        resolved = layer.resolved()
        shown_defaults = {"width": 28, "height": 28, "depth": 1}
        if layer.type == "pool":
            shown_defaults["stride"] = resolved.get("size")
        for name, editor in self.editors.items():
            editor.set_value(layer.config.get(name), resolved.get(name, shown_defaults.get(name)))
        colours = self.colours
        shape_in = format_shape(info.input) if info.input is not None else None
        out = f"<b style='font-size:large'>{format_shape(info.output)}</b>"
        lines = [f"{shape_in} → {out}" if shape_in else f"output {out}",
                 f"{info.params:,} parameters · {human_count(info.macs)} mult-adds"]
        self.shapes.setText("<br>".join(lines))
        self.formula.setText(info.formula)
        self.formula.setVisible(bool(info.formula))
        problems = [f"<p style='color:{colours.error.name()}'>⛔ {escape(e)}</p>" for e in info.errors]
        problems += [f"<p style='color:{colours.warning.name()}'>⚠ {escape(w)}</p>" for w in info.warnings]
        self.problems.setText("".join(problems))
        self.problems.setVisible(bool(problems))

    # ------------------------------------------------------------------ edits
    def _commit(self, key: str, value) -> None:
        if self.uid is None:
            return
        try:
            self.editor.set_keys(self.uid, {key: value})
        except ConfigError as e:
            self.editors[key].show_error(str(e))
            self.refresh()

    def _rename(self) -> None:
        if self.uid is not None and self.name_edit is not None:
            self.editor.rename(self.uid, self.name_edit.text().strip())

    def _switch_input_mode(self, choice: int) -> None:
        index, layer = self._layer()
        if layer is None:
            return
        info = self.network.report().layers[index]
        if choice == 1 and "features" not in layer.config:
            n = 1
            for d in info.output or (2,):
                n *= d
            self.editor.set_keys(layer.uid, {"width": None, "height": None, "depth": None, "features": n})
        elif choice == 0 and "features" in layer.config:
            self.editor.set_keys(layer.uid, {"features": None, "width": 28, "height": 28, "depth": 1})

    def focus_first(self) -> bool:
        """Put the keyboard in the first setting (after quick-add); False if there is none."""
        if not self.editors:
            return False
        next(iter(self.editors.values())).focus_widget().setFocus(Qt.FocusReason.TabFocusReason)
        return True
