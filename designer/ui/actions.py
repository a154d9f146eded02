"""The menus and their actions, with the platform's standard shortcuts (QKeySequence.StandardKey)
and a tooltip on each. ``build_menus(window)`` returns what it made as a ``Menus``, which the
window keeps (``window.menus``); it adds nothing to the window itself."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from ..model import TEMPLATES

SK = QKeySequence.StandardKey


def key_bindings(standard: SK) -> list:
    """The platform's keys for a standard action (tests replace this to play another platform)."""
    return QKeySequence.keyBindings(standard)


def _action(window, text: str, slot, shortcut=None, tip: str = "", context=None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        if isinstance(shortcut, (list, tuple)):
            action.setShortcuts([QKeySequence(s) for s in shortcut])
        elif isinstance(shortcut, SK):
            action.setShortcuts(key_bindings(shortcut))
        else:
            action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if context is not None:
        action.setShortcutContext(context)
    action.triggered.connect(lambda _checked=False: slot())
    return action


@dataclass
class Menus:
    """The actions by name, and the menus the window fills later (recent files, panels), puts a
    mode's menus before (Learn, else Help) or turns off while training (templates)."""
    actions: dict
    templates: QMenu
    recent: QMenu
    panels: QMenu
    help: QMenu
    blocks: QMenu
    learn: Optional[QMenu] = None


def build_menus(window) -> Menus:
    """Create the menu bar of ``window`` (which provides ``files``, ``editor``, ``canvas``,
    ``exporter``, ``undo_stack``, ``scene``, ``open_quick_add``, ``open_lesson``, ``show_about``)."""
    files, editor, canvas, exporter = window.files, window.editor, window.canvas, window.exporter
    a = {}
    bar = window.menuBar()

    m = bar.addMenu("&File")
    a["new"] = _action(window, "&New", files.new_blank, SK.New, "A blank network: just an input layer")
    m.addAction(a["new"])
    templates = m.addMenu("New from &template")
    a["open"] = _action(window, "&Open…", files.open_dialog, SK.Open, "Open a model file (.json)")
    m.addAction(a["open"])
    recent = m.addMenu("Open &recent")
    a["save"] = _action(window, "&Save", files.save, SK.Save, "Save the model")
    a["save_as"] = _action(window, "Save &as…", files.save_as, SK.SaveAs, "Save the model under a new name")
    m.addActions([a["save"], a["save_as"]])
    m.addSeparator()
    a["export_pytorch"] = _action(window, "Export to &PyTorch…", lambda: exporter.export("pytorch"),
                                  "Ctrl+E", "Write a standalone PyTorch module (.py) of this network")
    a["export_onnx"] = _action(window, "Export to O&NNX…", lambda: exporter.export("onnx"),
                               "Ctrl+Shift+E", "Write an ONNX model (.onnx) of this network, with its weights")
    a["export_torchrun"] = _action(window, "Export &training folder…", lambda: exporter.export("torchrun"),
                                   tip="Write a folder that trains this network with PyTorch's torchrun "
                                       "(GPUs, several machines, Slurm)")
    m.addActions([a["export_pytorch"], a["export_onnx"], a["export_torchrun"]])
    from .graph_actions import build_blocks_menu, export_diagram_action
    a["export_diagram"] = export_diagram_action(window, _action)
    m.addAction(a["export_diagram"])
    m.addSeparator()
    a["quit"] = _action(window, "&Quit", window.close, SK.Quit, "Close NN Designer")
    a["quit"].setMenuRole(QAction.MenuRole.QuitRole)
    m.addAction(a["quit"])

    m = bar.addMenu("&Edit")
    a["undo"] = window.undo_stack.createUndoAction(window, "&Undo")
    a["undo"].setShortcuts(key_bindings(SK.Undo))
    a["redo"] = window.undo_stack.createRedoAction(window, "&Redo")
    redo_keys = key_bindings(SK.Redo)
    if QKeySequence("Ctrl+Y") not in redo_keys:
        redo_keys.append(QKeySequence("Ctrl+Y"))
    a["redo"].setShortcuts(redo_keys)
    m.addActions([a["undo"], a["redo"]])
    m.addSeparator()
    local = Qt.ShortcutContext.WidgetWithChildrenShortcut  # not while typing in the inspector
    a["cut"] = _action(window, "Cu&t", editor.cut, SK.Cut, "Cut the selected layers", local)
    a["copy"] = _action(window, "&Copy", editor.copy, SK.Copy, "Copy the selected layers", local)
    a["paste"] = _action(window, "&Paste", editor.paste, SK.Paste, "Paste layers after the selection", local)
    a["duplicate"] = _action(window, "D&uplicate", editor.duplicate, "Ctrl+D",
                             "Insert a copy of the selected layers after them", local)
    a["delete"] = _action(window, "&Delete", editor.delete_selection, SK.Delete, "Remove the selected layers", local)
    a["select_all"] = _action(window, "Select &all", lambda: editor.select(list(window.scene.order)),
                              SK.SelectAll, "Select every layer", local)
    for name in ("cut", "copy", "paste", "duplicate", "delete", "select_all"):
        m.addAction(a[name])
        canvas.addAction(a[name])
    m.addSeparator()
    a["quick_add"] = _action(window, "&Quick add…", window.open_quick_add, SK.Find,
                             "Type a layer name and press Enter to add it after the selection")
    a["move_left"] = _action(window, "Move &earlier", lambda: editor.move_selection_by(-1), "Alt+Left",
                             "Move the selected layer one place towards the input", local)
    a["move_right"] = _action(window, "Move &later", lambda: editor.move_selection_by(1), "Alt+Right",
                              "Move the selected layer one place towards the output", local)
    m.addAction(a["quick_add"])
    for name in ("move_left", "move_right"):
        m.addAction(a[name])
        canvas.addAction(a[name])

    m = bar.addMenu("&View")
    a["zoom_in"] = _action(window, "Zoom &in", lambda: canvas.zoom_by(1.25), SK.ZoomIn, "Zoom in (Ctrl+wheel)")
    a["zoom_out"] = _action(window, "Zoom &out", lambda: canvas.zoom_by(0.8), SK.ZoomOut, "Zoom out (Ctrl+wheel)")
    a["fit"] = _action(window, "&Fit to window", canvas.fit, "Ctrl+0", "Show the whole network")
    a["actual"] = _action(window, "&Actual size", canvas.actual_size, "Ctrl+1", "Zoom to 100%")
    m.addActions([a["zoom_in"], a["zoom_out"], a["fit"], a["actual"]])
    m.addSeparator()
    panels = m

    blocks = build_blocks_menu(window, bar, a, _action)

    m = bar.addMenu("&Templates")
    for name, (title, text) in TEMPLATES.items():
        action = _action(window, title, lambda n=name: files.new_from_template(n), None, text)
        m.addAction(action)
        templates.addAction(action)
        a[f"template_{name}"] = action

    learn = _learn_menu(window, bar, a)

    m = bar.addMenu("&Help")
    from .shortcuts import show_shortcuts
    a["shortcuts"] = _action(window, "&Keyboard shortcuts", lambda: show_shortcuts(window), "F1",
                             "Every key the window knows, by menu and panel")
    m.addAction(a["shortcuts"])
    a["about"] = _action(window, "&About NN Designer", window.show_about, None, "Version and credits")
    a["about"].setMenuRole(QAction.MenuRole.AboutRole)
    m.addAction(a["about"])
    _drop_clashes(a.values())
    return Menus(a, templates, recent, panels, m, blocks, learn)


def _learn_menu(window, bar, a: dict) -> Optional[QMenu]:
    """Learn ▸ one entry per lesson (Alt+1…), in every mode: each opens the Learn mode on it.
    Absent when the Learn package is not part of the build."""
    try:
        from .learn.lessons import LESSONS
    except ImportError:
        return None
    m = bar.addMenu("&Learn")
    for n, lesson in enumerate(LESSONS, start=1):
        a[f"lesson_{lesson.key}"] = _action(window, lesson.title, lambda k=lesson.key: window.open_lesson(k),
                                            f"Alt+{n}", lesson.blurb)
        m.addAction(a[f"lesson_{lesson.key}"])
    return m


def _drop_clashes(actions) -> None:
    """A key that two actions share triggers neither (Qt calls it ambiguous). A platform's
    standard bindings can collide with ours: X11 also binds Ctrl+D to Delete, the key of
    Duplicate. A key stays with the action whose first (main) shortcut it is."""
    actions = list(actions)
    main = {action.shortcuts()[0].toString(): action for action in actions if action.shortcuts()}
    for action in actions:
        keys = action.shortcuts()
        kept = [k for k in keys if main.get(k.toString(), action) is action]
        if len(kept) != len(keys):
            action.setShortcuts(kept)
