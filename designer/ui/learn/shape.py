"""The Explain shape lesson: the layer selected on the canvas with its output size, depth,
same padding, parameters and multiply-adds written out with its numbers (designer.learn.shape),
and one row of its input with the filter's positions (shape_strip). It follows the selection and
every edit while it is shown."""
from __future__ import annotations

from typing import Optional

from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout,
                               QWidget)

from ...learn import NOTHING_SELECTED, explain, first_conv, spatial_indices
from ...model import unbroken
from ..theme import ERROR_COLOUR, WARNING_COLOUR, escape, is_dark, mix
from .shape_strip import WindowStrip

BODY_PT = 13.5
MATHS_PT = 15


def create(window) -> QWidget:
    return ShapeView(window)


class ShapeView(QWidget):
    def __init__(self, window, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.window = window
        self.live = False
        self.index: Optional[int] = None
        self.explanation = explain(window.network, None)

        self.title = QLabel()
        self.title.setObjectName("shape_title")
        font = self.title.font()
        font.setPointSizeF(BODY_PT + 3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)

        self.template_button = QPushButton("Open the AlexNet template")
        self.template_button.setToolTip("A network with conv and pool layers to explore "
                                        "(File ▸ New from template ▸ AlexNet)")
        self.template_button.clicked.connect(self.open_alexnet)
        self.first_button = QPushButton("Select the first conv layer")
        self.first_button.setToolTip("Select the network's first convolution on the canvas")
        self.first_button.clicked.connect(self.select_first)
        self.prev_button = QPushButton("◀ Previous conv/pool")
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button = QPushButton("Next conv/pool ▶")
        self.next_button.clicked.connect(lambda: self.step(1))
        for b in (self.prev_button, self.next_button):
            b.setToolTip("Select the previous / next convolution or pooling layer")

        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.template_button)
        top.addWidget(self.first_button)
        top.addWidget(self.prev_button)
        top.addWidget(self.next_button)

        self.body = QTextBrowser()
        self.body.setObjectName("shape_body")
        self.body.setOpenLinks(False)
        font = self.body.font()
        font.setPointSizeF(BODY_PT)
        self.body.setFont(font)

        self.strip = WindowStrip()
        self.strip.setVisible(False)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 10, 6)
        lay.addLayout(top)
        lay.addWidget(self.body, 1)
        lay.addWidget(self.strip)

        window.scene.selectionChanged.connect(self._selection_changed)
        self.destroyed.connect(lambda *_: self._unsubscribe(window.network))
        self.refresh()

    # ------------------------------------------------------------------ lesson hooks
    def entered(self) -> None:
        if not self.live:
            self.live = True
            self.window.network.changed.connect(self._network_changed)
        self.refresh()

    def left(self) -> None:
        self._unsubscribe(self.window.network)

    def _unsubscribe(self, network) -> None:
        if self.live:
            self.live = False
            try:
                network.changed.disconnect(self._network_changed)
            except ValueError:
                pass

    def show_example(self) -> None:
        """AlexNet's conv1 (the AlexNet template is opened if the network has no conv layer)."""
        network = self.window.network
        if first_conv(network) is None or network[first_conv(network)].type != "conv":
            self.open_alexnet()
        self.select_first()

    def open_alexnet(self) -> None:
        """Open the AlexNet template (asking about unsaved changes) and select its conv1."""
        if self.window.files.new_from_template("alexnet"):
            self.select_first()

    # ------------------------------------------------------------------ selection
    def selected_index(self) -> Optional[int]:
        network = self.window.network
        for uid in self.window.scene.selected_uids():
            try:
                return network.index_of(uid)
            except KeyError:
                continue
        return None

    def _select(self, index: int) -> None:
        uid = self.window.network[index].uid
        self.window.editor.select([uid])
        block = self.window.scene.blocks.get(uid)
        if block is not None:
            self.window.canvas.ensureVisible(block, 40, 40)

    def select_first(self) -> None:
        index = first_conv(self.window.network)
        if index is not None:
            self._select(index)

    def step(self, delta: int) -> None:
        """Select the next (delta 1) or previous (−1) conv or pool layer, wrapping around."""
        indices = spatial_indices(self.window.network)
        if not indices:
            return
        here = self.index
        if here is None:
            target = indices[0] if delta > 0 else indices[-1]
        elif delta > 0:
            target = next((i for i in indices if i > here), indices[0])
        else:
            target = next((i for i in reversed(indices) if i < here), indices[-1])
        self._select(target)

    def _selection_changed(self) -> None:
        if self.live:
            self.refresh()

    def _network_changed(self, _change=None) -> None:
        self.refresh()

    # ------------------------------------------------------------------ drawing
    def refresh(self) -> None:
        network = self.window.network
        self.index = self.selected_index()
        self.explanation = explain(network, self.index)
        count = len(self.window.scene.selected_uids())
        title = self.explanation.title if self.index is not None else "No layer selected"
        if count > 1:
            title += f"   (the first of {count} selected layers)"
        self.title.setText(title)
        has_spatial = bool(spatial_indices(network))
        self.first_button.setVisible(self.index is None and first_conv(network) is not None)
        self.template_button.setVisible(not has_spatial)
        self.prev_button.setVisible(has_spatial)
        self.next_button.setVisible(has_spatial)
        self.body.setHtml(self.html())
        if self.explanation.axes:
            axis, out = self.explanation.axes[0]
            what = "filter" if network[self.index].type == "conv" else "window"
            self.strip.show_axis(axis, out, what)
        else:
            self.strip.show_axis(None, 0)

    def text(self) -> str:
        """What the view shows, as plain text (title and every row)."""
        return self.title.text() + "\n" + self.body.toPlainText()

    def html(self) -> str:
        pal = self.palette()
        fg = pal.color(QPalette.ColorRole.Text)
        dim = mix(fg, pal.color(QPalette.ColorRole.Base), 0.4).name()
        warn = WARNING_COLOUR if not is_dark(pal) else "#ffb020"
        err = ERROR_COLOUR if not is_dark(pal) else "#ff5a6e"
        ex = self.explanation
        if self.index is None:
            hint = ("" if first_conv(self.window.network) is not None else
                    "<br>This network has no conv or pool layer: open the AlexNet or LeNet-5 "
                    "template (Templates menu) to try one.")
            return (f"<p style='font-size:{MATHS_PT}pt'>{escape(NOTHING_SELECTED)}.</p>"
                    f"<p style='color:{dim}'>Output size ⌊(W − K + 2P)/S⌋ + 1, depth, the padding "
                    f"that keeps the size, and the parameter count (K·K·D + 1)·F are worked out "
                    f"with the layer's own numbers.{hint}</p>")
        out = ["<table cellspacing='0' cellpadding='3'>"]
        for row in ex.rows:
            colour = {"warning": warn, "error": err}.get(row.level, fg.name())
            # A formula wraps after an "=", never inside a term.
            maths = "<br>".join(escape(unbroken(m)) for m in row.maths.split("\n")) if row.maths else ""
            if maths:
                weight = "600" if row.level == "result" else "normal"
                maths = (f"<span style='font-size:{MATHS_PT}pt; font-weight:{weight}; "
                         f"color:{colour}'>{maths}</span>")
            note = escape(row.note)
            if note:
                note_colour = colour if row.level in ("warning", "error") and not maths else dim
                note = f"<span style='color:{note_colour}'>{'&nbsp;&nbsp;— ' if maths else ''}{note}</span>"
            label = f"<span style='color:{dim}'>{escape(row.label)}</span>"
            out.append(f"<tr><td style='padding-right:18px' valign='top'>{label}</td>"
                       f"<td valign='top'>{maths}{note}</td></tr>")
        out.append("</table>")
        return "".join(out)
