"""Helpers for the UI tests (imported by tests/test_ui_*.py): a main window with its settings and
recovery folder in tmp_path and every dialog replaced, and real drag, drop and mouse events."""
from __future__ import annotations

import warnings
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import QApplication

from designer.ui import dialogs
from designer.ui.canvas.graph_layout import GAP_Y
from designer.ui.canvas.layout import BLOCK_H, BLOCK_W


def deliver_posted_events() -> None:
    """Deliver every event already posted to the GUI thread: the queued signals of a worker whose
    thread has ended, layout requests after a change of text. No fixed wait: what comes later is
    not waited for. A delivery may post the next one (a layout request of the parent), hence the
    passes, one per level of nesting in the panels tested."""
    for _ in range(4):
        QApplication.sendPostedEvents()


@pytest.fixture
def dialog_log(monkeypatch):
    """Every dialog answers without blocking; what was shown is recorded."""
    log = SimpleNamespace(warnings=[], unsaved=[], unsaved_answer="discard", recover_answer=False,
                          open_name="", save_name="")
    monkeypatch.setattr(dialogs, "warn", lambda parent, title, text: log.warnings.append(text))

    def ask_unsaved(parent, name):
        log.unsaved.append(name)
        return log.unsaved_answer

    monkeypatch.setattr(dialogs, "ask_unsaved", ask_unsaved)
    monkeypatch.setattr(dialogs, "ask_recover", lambda parent, name, when: log.recover_answer)
    monkeypatch.setattr(dialogs, "open_file_name", lambda parent, directory="": log.open_name)
    monkeypatch.setattr(dialogs, "save_file_name", lambda parent, suggested="": log.save_name)
    monkeypatch.setattr(dialogs, "about", lambda parent, text: None)
    return log


@pytest.fixture
def window(qtbot, tmp_path, dialog_log):
    from designer.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings, recovery_dir=tmp_path / "recovery")
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    yield win
    dialog_log.unsaved_answer = "discard"
    win.close()


def scene_point_before(window, index: int) -> QPointF:
    """A scene point in the gap just before block ``index`` (or after the last one): the flow
    runs down, so the gap above it."""
    scene = window.scene
    n = len(scene.order)
    if index < n:
        pos = scene.block_at_index(index).pos()
        return QPointF(pos.x() + BLOCK_W / 2, pos.y() - GAP_Y / 4)
    pos = scene.block_at_index(n - 1).pos()
    return QPointF(pos.x() + BLOCK_W / 2, pos.y() + BLOCK_H + GAP_Y / 4)


def viewport_point(window, scene_pos: QPointF) -> QPoint:
    window.canvas.ensureVisible(scene_pos.x(), scene_pos.y(), 1, 1, 60, 60)
    return window.canvas.mapFromScene(scene_pos)


def palette_mime(window, type_: str):
    """The MIME data the palette's own drag carries for a layer type."""
    palette = window.palette_panel
    return palette.tree.mimeData([palette.items[type_]])


def drop_kind(window, type_: str, scene_pos: QPointF, hover_check=None) -> None:
    """Drag a palette item over the canvas and drop it at ``scene_pos`` (the events QDrag sends)."""
    drop_mime(window, palette_mime(window, type_), scene_pos, hover_check)


def drop_mime(window, mime, scene_pos: QPointF, hover_check=None) -> None:
    """Send the canvas's viewport what a drag carrying ``mime`` sends: enter, move, drop."""
    viewport = window.canvas.viewport()
    pos = QPointF(viewport_point(window, scene_pos))
    actions = Qt.DropAction.CopyAction
    buttons, mods = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    with warnings.catch_warnings():  # PySide6 offers only the (deprecated) QPoint constructors
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(pos.toPoint(), actions, mime, buttons, mods)
        move = QDragMoveEvent(pos.toPoint(), actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(viewport, move)
    assert move.isAccepted()
    if hover_check is not None:
        hover_check()
    drop = QDropEvent(pos, actions, mime, buttons, mods)
    QApplication.sendEvent(viewport, drop)
    assert drop.isAccepted()


def drop_at_end(window, type_: str) -> None:
    drop_kind(window, type_, scene_point_before(window, len(window.scene.order)))


def _mouse(widget, kind, pos: QPoint, button, buttons, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    event = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag_block(window, index: int, scene_target: QPointF) -> None:
    """Press on block ``index``, move the mouse in steps to ``scene_target``, release."""
    viewport = window.canvas.viewport()
    block = window.scene.block_at_index(index)
    start = viewport_point(window, block.mapToScene(QPointF(BLOCK_W / 2, BLOCK_H / 2)))
    left = Qt.MouseButton.LeftButton
    _mouse(viewport, QEvent.Type.MouseButtonPress, start, left, left)
    end = window.canvas.mapFromScene(scene_target)
    for k in range(1, 6):
        step = start + (end - start) * (k / 5)
        _mouse(viewport, QEvent.Type.MouseMove, step, Qt.MouseButton.NoButton, left)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton)


def click_block(window, index: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    """A click on block ``index`` (with Shift or Ctrl held, given as ``modifiers``)."""
    viewport = window.canvas.viewport()
    block = window.scene.block_at_index(index)
    pos = viewport_point(window, block.mapToScene(QPointF(BLOCK_W / 2, BLOCK_H / 2)))
    left = Qt.MouseButton.LeftButton
    _mouse(viewport, QEvent.Type.MouseButtonPress, pos, left, left, modifiers)
    _mouse(viewport, QEvent.Type.MouseButtonRelease, pos, left, Qt.MouseButton.NoButton, modifiers)


def types(window) -> list[str]:
    return [layer.type for layer in window.network.layers]


def scene_types(window) -> list[str]:
    """Layer types as the scene shows them, in order (block header text starts with the type)."""
    return [window.scene.blocks[uid].state[2].split(" · ")[0] for uid in window.scene.order]
