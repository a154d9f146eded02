"""The Blocks menu (residual connection, Inception, inverted-residual and squeeze-and-excitation
blocks, branch from here, collapse / expand,
Tidy layout) and File ▸ Export diagram…: the actions of the canvas's branched networks, built by
actions.build_menus."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from ..errors import UserError
from . import dialogs


def build_blocks_menu(window, bar, a: dict, make_action):
    """The Blocks menu (returned), its actions put in ``a``."""
    editor, canvas = window.editor, window.canvas
    local = Qt.ShortcutContext.WidgetWithChildrenShortcut
    m = bar.addMenu("&Blocks")
    a["add_residual"] = make_action(window, "Add &residual connection", editor.add_residual, "Ctrl+R",
                                    "An add around the selected layers, with a 1×1 convolution on the "
                                    "shortcut when the shapes differ", local)
    a["insert_inception"] = make_action(window, "Insert &Inception block", editor.insert_inception, None,
                                        "Four branches (1×1, 3×3, 5×5, pool) joined by a concat, after the selection")
    a["insert_inverted_residual"] = make_action(
        window, "Insert in&verted-residual block", editor.insert_inverted_residual, None,
        "MobileNetV2's block after the selection: 1×1 expand ×6, 3×3 depthwise, 1×1 project, the input added back")
    a["insert_squeeze_excitation"] = make_action(
        window, "Insert s&queeze-and-excitation block", editor.insert_squeeze_excitation, None,
        "Average pool, 1×1 to D/4, ReLU, 1×1 back to D, sigmoid: each channel of the selection's output scaled")
    a["branch"] = make_action(window, "&Branch from here…", window.open_branch_add, "Ctrl+B",
                              "Type a layer to add beside what already reads the selected layer", local)
    a["collapse"] = make_action(window, "&Collapse selection", editor.collapse_selection, "Ctrl+G",
                                "Draw the selected layers as one block (the file keeps every layer)", local)
    a["expand"] = make_action(window, "&Expand", editor.expand_selection, "Ctrl+Shift+G",
                              "Draw the layers of the selected collapsed block again", local)
    a["collapse_all"] = make_action(window, "Collapse &all blocks", editor.collapse_blocks, None,
                                    "Draw each residual or inception block as one block")
    a["tidy"] = make_action(window, "&Tidy layout", editor.tidy, "Ctrl+L",
                            "Place every block by the layered layout again (forgets dragged positions)")
    a["wrap"] = make_action(window, "&Wrap into columns", lambda: canvas.set_wrap(a["wrap"].isChecked()), None,
                            "Cut a long network into columns side by side that fit the window "
                            "(off: one flow from top to bottom)")
    a["wrap"].setCheckable(True)
    for name in ("add_residual", "insert_inception", "insert_inverted_residual", "insert_squeeze_excitation",
                 "branch"):
        m.addAction(a[name])
    m.addSeparator()
    for name in ("collapse", "expand", "collapse_all", "tidy", "wrap"):
        m.addAction(a[name])
    for name in ("add_residual", "branch", "collapse", "expand", "tidy"):
        canvas.addAction(a[name])
    return m


def export_diagram_action(window, make_action):
    return make_action(window, "Export &diagram…", lambda: export_diagram(window), None,
                       "Save a picture of the design as the canvas draws it (SVG or PNG)")


def export_diagram(window) -> bool:
    start = window.files.path.with_suffix(".svg") if window.files.path else Path(f"{window.network.name}.svg")
    path, _ = QFileDialog.getSaveFileName(window, "Export diagram", str(start), "SVG picture (*.svg);;PNG image (*.png)")
    if not path:
        return False
    return write_diagram(window, path)


def write_diagram(window, path) -> bool:
    from .diagram import render
    try:
        width, height = render(window.network, path, window.scene)
    except (UserError, OSError) as e:
        dialogs.warn(window, "Cannot export the diagram", str(e))
        return False
    window.statusBar().showMessage(f"Wrote {Path(path).name} ({width}×{height})", 4000)
    return True
