"""The inspector: the selected layer's settings as typed widgets, its name, and how its output
was worked out (the formula from the report, the input and output volumes, parameters, and any
error or warning as a sentence). It edits only through the Editor, one undo step per value."""
from __future__ import annotations

import re

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QComboBox, QFormLayout, QFrame, QLabel, QLineEdit, QScrollArea,
                               QSizePolicy, QStackedWidget, QVBoxLayout, QWidget)

from ..model import (
    ConfigError, KINDS, NBSP, Network, format_shape, human_count, plural, size_of, text_problem, unbroken,
)
from .artwork import kind_pixmap
from .editor import Editor
from .kinds import UI_KINDS
from .theme import ERROR_COLOUR, CanvasColours, escape

INPUT_IMAGE, INPUT_VECTOR = "image", "vector"


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


MIN_WIDTH = 260   # pixels: the narrowest the inspector gets (tests/test_ui_narrow_panels.py)


def wrappable(formula: str) -> str:
    """``formula`` with no-break spaces inside its terms (``unbroken``: it wraps after an "=")
    and breaks allowed where one term ends and the next begins: after a ":", before a "→" and
    between the inputs of a merge ("#3 + #4 + #7"), so that a narrow inspector wraps a merge's
    formula instead of needing a horizontal scroll bar."""
    text = re.sub(f"(?<=[a-z0-9]{{2}}){NBSP}(?=[a-z]{{2}})", " ", unbroken(formula))   # between words of prose
    return (text.replace(f":{NBSP}", ": ").replace(f"{NBSP}→{NBSP}", f" →{NBSP}")
            .replace(f"{NBSP}+{NBSP}#", f" +{NBSP}#"))


def _wrapped(text: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class LayerPage(QWidget):
    """The widgets for one layer type (and, for an input, one shape mode). A page is built the
    first time such a layer is selected and reused for every other one, so that selecting a
    block costs only the update of its values."""

    def __init__(self, type_: str, mode: str, inspector: "Inspector"):
        super().__init__()
        from .key_widgets import make_editor  # imported when a layer is first shown (faster start)

        kind = KINDS[type_]
        self.editors: dict = {}  # key name -> key_widgets.KeyEditor
        self.input_mode: QComboBox | None = None
        self.shown_uid: int | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(8, 8, 8, 8)
        head = QLabel()
        head.setPixmap(kind_pixmap(type_, 32, inspector.devicePixelRatioF()))
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.title.setWordWrap(True)   # "Global pooling  global_pool · layer 67" in a narrow inspector
        row = QFormLayout()
        row.addRow(head, self.title)
        box.addLayout(row)
        help_label = _wrapped(kind.help)
        help_label.setToolTip(f"PyTorch: {kind.torch}")
        box.addWidget(help_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A long key name (count_include_pad) beside a wide editor would widen the narrowest
        # inspector into a horizontal scroll bar: the field goes under its label instead.
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name_edit = QLineEdit(placeholderText="optional label", clearButtonEnabled=True)
        self.name_edit.setToolTip("A label shown on the block and in the summary (e.g. conv1)")
        self.name_edit.editingFinished.connect(inspector._rename)
        # A name the model format refuses (a control character, a line separator, a lone
        # surrogate) is said here and never stored: the window would save a file it cannot open.
        self.name_error = QLabel(wordWrap=True)
        self.name_error.setStyleSheet(f"color: {ERROR_COLOUR}; font-size: small;")
        self.name_error.hide()
        name_box = QVBoxLayout()
        name_box.setSpacing(2)
        name_box.addWidget(self.name_edit)
        name_box.addWidget(self.name_error)
        form.addRow("name", name_box)
        self.inputs_edit: QLineEdit | None = None
        if type_ != "input":
            self.inputs_edit = QLineEdit()
            self.inputs_edit.setToolTip("The layers this one reads, by number (#3, #7); a merge reads two "
                                        "or more. Type others and press Enter to reconnect it")
            self.inputs_edit.editingFinished.connect(inspector._set_inputs)
            form.addRow("inputs", self.inputs_edit)
        keys = list(kind.keys)
        if type_ == "input":
            self.input_mode = QComboBox()
            self.input_mode.addItems(["image W×H×D", "vector of features"])
            self.input_mode.setToolTip("An image volume (width, height, depth) or a vector of features")
            self.input_mode.setCurrentIndex(0 if mode == INPUT_IMAGE else 1)
            self.input_mode.activated.connect(inspector._switch_input_mode)
            form.addRow("shape", self.input_mode)
            wanted = ("features",) if mode == INPUT_VECTOR else ("width", "height", "depth")
            keys = [k for k in keys if k.name in wanted]
        for key in keys:
            optional = f"= {key.default_from}" if key.default_from else ""
            widget = make_editor(key, optional)
            widget.committed.connect(lambda value, name=key.name: inspector._commit(name, value))
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

    def show_name_error(self, text: str) -> None:
        self.name_error.setText(text)
        self.name_error.setVisible(bool(text))

    def show_layer(self, index: int, layer, info, colours: CanvasColours) -> None:
        kind = KINDS[layer.type]
        if layer.uid != self.shown_uid:  # another layer: errors typed for the last one go
            self.shown_uid = layer.uid
            self.show_name_error("")
            for editor in self.editors.values():
                editor.show_error("")
        self.title.setText(f"<b>{escape(kind.label)}</b> &nbsp;<small>{layer.type} · layer {index}</small>")
        if not self.name_edit.hasFocus():
            self.name_edit.setText(layer.name or "")
        if self.inputs_edit is not None and not self.inputs_edit.hasFocus():
            self.inputs_edit.setText(", ".join(f"#{s}" for s in info.sources))
        resolved = layer.resolved()
        shown_defaults = UI_KINDS["input"].starter  # what an input's empty box would be set to
        for name, editor in self.editors.items():
            editor.set_value(layer.config.get(name), resolved.get(name, shown_defaults.get(name)))
        if len(info.inputs) > 1:  # a merge: each input's shape, with the layer it comes from
            shape_in = " + ".join(f"#{s} {format_shape(shape)}" for s, shape in zip(info.sources, info.inputs))
        else:
            shape_in = format_shape(info.input) if info.input is not None else None
        out = f"<b style='font-size:large'>{format_shape(info.output)}</b>"
        lines = [f"{shape_in} → {out}" if shape_in else f"output {out}",
                 f"{info.param_count:,} parameters · {human_count(info.macs)} mult-adds"]
        self.shapes.setText("<br>".join(lines))
        self.formula.setText(wrappable(info.formula))   # wraps between terms, never inside one
        self.formula.setVisible(bool(info.formula))
        problems = [f"<p style='color:{colours.error.name()}'>✖ {escape(e)}</p>" for e in info.errors]
        problems += [f"<p style='color:{colours.warning.name()}'>⚠ {escape(w)}</p>" for w in info.warnings]
        # information, in the text's own colour: a rounding the design means (ResNet's stem)
        problems += [f"<p>ℹ {escape(n)} (as the design intends: only padding, or what the stride "
                     f"skips anyway, is left out)</p>" for n in info.notes]
        self.problems.setText("".join(problems))
        self.problems.setVisible(bool(problems))


class Inspector(QScrollArea):
    def __init__(self, network: Network, editor: Editor, parent=None):
        super().__init__(parent)
        self.network = network
        self.editor = editor
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        # Every layer's page fits this width without a horizontal scroll bar (its formula and
        # names wrap): a small window squeezed the inspector to some 150 px.
        self.setMinimumWidth(MIN_WIDTH)
        self.uid: int | None = None
        self.selected_count = 0
        self.mode = "Design"   # the window's mode: the hint names only what that mode shows
        self.pages: dict[tuple, LayerPage] = {}
        self.page: LayerPage | None = None  # the page shown, None for the overview
        self.stack = QStackedWidget()
        self.overview = QWidget()
        box = QVBoxLayout(self.overview)
        box.setContentsMargins(8, 8, 8, 8)
        self.overview_title = QLabel()
        self.overview_text = _wrapped()
        box.addWidget(self.overview_title)
        box.addWidget(self.overview_text)
        box.addStretch(1)
        self.stack.addWidget(self.overview)
        self.setWidget(self.stack)
        self.colours = CanvasColours(self.palette())
        editor.scene.selectionChanged.connect(self._selection_changed)
        network.changed.connect(lambda _change: self._network_changed())
        self.refresh()

    def set_mode(self, mode: str) -> None:
        if mode != self.mode:
            self.mode = mode
            # Beside a lesson (Learn hides it; View ▸ Panels shows it) it yields to the lesson,
            # or showing it would widen a 900-px window.
            self.setMinimumWidth(MIN_WIDTH if mode == "Design" else 0)
            if self.page is None:
                self._show_overview()

    # the shown page's widgets (empty / None on the overview)
    @property
    def editors(self) -> dict:
        return self.page.editors if self.page else {}

    @property
    def name_edit(self) -> QLineEdit | None:
        return self.page.name_edit if self.page else None

    @property
    def input_mode(self) -> QComboBox | None:
        return self.page.input_mode if self.page else None

    @property
    def formula(self) -> QLabel | None:
        return self.page.formula if self.page else None

    @property
    def problems(self) -> QLabel | None:
        return self.page.problems if self.page else None

    # ------------------------------------------------------------------ what to show
    def _selection_changed(self) -> None:
        uids = self.editor.scene.selected_uids()
        self.selected_count = len(uids)
        self.uid = uids[-1] if len(uids) == 1 else None
        self.refresh()

    def _network_changed(self) -> None:
        """Undo, redo or any other edit: a message under a field about a value it refused is
        about a value no longer shown (the field shows the layer's again), so it goes."""
        for page in self.pages.values():
            for editor in page.editors.values():
                editor.show_error("")
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
            self._show_overview()
            return
        key = (layer.type, INPUT_VECTOR if "features" in layer.config else INPUT_IMAGE)
        if key not in self.pages:
            self.pages[key] = LayerPage(*key, self)
            self.stack.addWidget(self.pages[key])
        self._show(self.pages[key])
        self.page.show_layer(index, layer, self.network.report().layers[index], self.colours)

    def _show(self, page) -> None:
        """Show one page; the others are sized out, so that the scroll area fits the one shown."""
        if self.stack.currentWidget() is not page:
            for other in (self.stack.widget(i) for i in range(self.stack.count())):
                policy = QSizePolicy.Policy.Preferred if other is page else QSizePolicy.Policy.Ignored
                other.setSizePolicy(policy, policy)
            self.stack.setCurrentWidget(page)
        self.page = page if isinstance(page, LayerPage) else None

    def _show_overview(self) -> None:
        self._show(self.overview)
        self.overview_title.setText(f"<b>{escape(self.network.name)}</b>")
        edges = self.editor.scene.selected_edges() if self.selected_count == 0 else []
        if edges:
            self.overview_title.setText("<b>Edge</b>" if len(edges) == 1 else f"<b>{len(edges)} edges</b>")
            self.overview_text.setText("\n\n".join(self._edge_text(e.src, e.dst) for e in edges[:4])
                                       + "\n\nDelete removes it; drop a layer from the palette on it to "
                                         "insert the layer there.")
            return
        if self.selected_count > 1:
            text = f"{self.selected_count} layers selected. Select one layer to edit its settings."
        else:
            text = f"{plural(len(self.network), 'layer')}. Select a block to edit its settings here."
            if self.mode == "Design":   # the palette is shown in Design only
                text += ("\n\nDrag layers from the palette onto the canvas, or press Ctrl+F and type a "
                         "name to add one after the selection. Drag a block to move it; Delete removes "
                         "it. Enter on a block edits its settings here, Esc goes back to the canvas.")
            else:
                text += ("\n\nThe palette is in the Design mode; Ctrl+F adds a layer from here. "
                         "Enter on a block edits its settings here, Esc goes back to the canvas.")
        self.overview_text.setText(text)

    def _edge_text(self, src_uid: int, dst_uid: int) -> str:
        """What a selected edge joins: its two ends, the shape it carries, and which input of
        the reader it is."""
        try:
            s, d = self.network.index_of(src_uid), self.network.index_of(dst_uid)
        except KeyError:
            return ""
        report = self.network.report()
        src, dst = self.network[s], self.network[d]
        shape = report.layers[s].output
        carries = f", carrying {format_shape(shape)}" if shape is not None else ""
        sources = report.layers[d].sources
        slot = f" (input {sources.index(s) + 1} of {len(sources)})" if len(sources) > 1 and s in sources else ""
        return (f"From {src.name or src.type} #{s}{carries}\n"
                f"to {dst.name or dst.type} #{d}{slot}.")

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self.colours = CanvasColours(self.palette())
        super().changeEvent(event)

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
        if self.uid is None or self.name_edit is None:
            return
        name = self.name_edit.text().strip()
        problem = text_problem(name)
        self.page.show_name_error(f"Not renamed: the name {problem}." if problem else "")
        if not problem:
            self.editor.rename(self.uid, name)

    def _set_inputs(self) -> None:
        """The inputs field: "#3, #7" (or "3 7") makes the layer read layers 3 and 7."""
        index, layer = self._layer()
        if layer is None or self.page is None or self.page.inputs_edit is None:
            return
        text = self.page.inputs_edit.text()
        words = [w for w in text.replace(",", " ").replace("#", " ").split() if w]
        if not all(w.isdigit() and int(w) < len(self.network) for w in words):
            self.editor.message.emit(f"Inputs are layer numbers before #{index}, such as #{max(index - 1, 0)}.")
            self.refresh()
            return
        wanted = [int(w) for w in words]
        if wanted != self.network.report().layers[index].sources:
            self.editor.set_inputs(layer.uid, [self.network[i].uid for i in wanted])
        self.refresh()

    def _switch_input_mode(self, choice: int) -> None:
        index, layer = self._layer()
        if layer is None:
            return
        info = self.network.report().layers[index]
        if choice == 1 and "features" not in layer.config:
            n = size_of(info.output or (2,))
            self.editor.set_keys(layer.uid, {"width": None, "height": None, "depth": None, "features": n})
        elif choice == 0 and "features" in layer.config:
            self.editor.set_keys(layer.uid, {"features": None, **UI_KINDS["input"].starter})

    def focus_first(self) -> bool:
        """Put the keyboard in the first setting (after quick-add); False if there is none."""
        if not self.editors:
            return False
        next(iter(self.editors.values())).focus_widget().setFocus(Qt.FocusReason.TabFocusReason)
        return True
