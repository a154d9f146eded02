"""The document's files: New (blank or a template), Open, Save, Save As, recent files, the title
with its modified mark, the unsaved-changes question, autosave and crash recovery.

The window keeps one Network for its whole life; opening a file swaps its layers in
(``Network.replace``) and clears the undo stack, so every view stays subscribed. A file that
cannot be read gives a dialog with the sentence and leaves the open document as it was. Open also
imports an ONNX model (designer/onnx_import): an unsaved design whose weights the Train mode
holds, as if loaded there, so that Train, Learn and the exports use them."""
from __future__ import annotations

import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, QTimer, Signal
from PySide6.QtGui import QUndoStack

from ..errors import UserError
from ..model import Change, ChangeKind, Network, TEMPLATES, broken_reference, load, load_template, save
from . import dialogs
from .autosave import Orphan, Recovery
from .kinds import new_layer

MAX_RECENT = 10
AUTOSAVE_MS = 30_000


def autosave_interval() -> int:
    """Milliseconds between two autosaves: ``NN_DESIGNER_AUTOSAVE_MS`` if set (a crash test waits
    for an autosave in a fraction of a second), else every 30 s."""
    value = os.environ.get("NN_DESIGNER_AUTOSAVE_MS", "")
    return int(value) if value.isdigit() and int(value) > 0 else AUTOSAVE_MS


def safe_stem(name: str, fallback: str) -> str:
    """A file name stem from a document's name: letters, digits, '-' and '_' only (a '/' or ':'
    would name another folder or be refused), ``fallback`` when nothing is left."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name).strip("_") or fallback


class Files(QObject):
    document_replaced = Signal()  # a new document was opened, created or recovered
    recent_changed = Signal()

    def __init__(self, window, network: Network, stack: QUndoStack, settings: QSettings,
                 recovery_dir: Path | None = None, autosave_ms: int = AUTOSAVE_MS):
        super().__init__(window)
        self.window = window
        self.network = network
        self.stack = stack
        self.settings = settings
        self.path: Path | None = None
        self.template: str | None = None
        self.imported: str | None = None  # the ONNX file an unsaved design was imported from
        self.recovery = Recovery(recovery_dir)
        self.edits = 0  # network changes so far; autosave writes only when this moved on
        self._autosaved_edits: int | None = None  # self.edits at the last recovery write
        self.timer = QTimer(self, interval=autosave_ms)
        self.timer.timeout.connect(self.autosave)
        self.timer.start()
        stack.cleanChanged.connect(self._clean_changed)
        network.changed.connect(self._network_changed)

    # ------------------------------------------------------------------ title and state
    @property
    def modified(self) -> bool:
        return not self.stack.isClean()

    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        if self.template:
            return f"{TEMPLATES[self.template][0]} (template)"
        if self.imported:
            return f"{self.imported} (imported)"
        return "untitled"

    def _clean_changed(self, _clean: bool) -> None:
        try:
            self.update_title()
        except RuntimeError:  # the window is already gone (the app is closing)
            pass

    def update_title(self) -> None:
        self.window.setWindowTitle(f"{self.display_name()}[*]")
        self.window.setWindowModified(self.modified)

    def _network_changed(self, change: Change) -> None:
        self.edits += 1
        if change.what is ChangeKind.TITLE:
            self.update_title()

    def shipped_weights(self) -> dict | None:
        """A template's own weights while the document is that template, unmodified; else None."""
        if not self.template or self.modified:
            return None
        from ..model import load_weights, template_weights
        path = template_weights(self.template)
        return load_weights(path, self.network) if path is not None else None

    def _adopt(self, network: Network, path: Path | None, template: str | None = None,
               modified: bool = False) -> None:
        self.network.replace(network.layers, network.name)
        self.stack.clear()
        # QUndoStack.clear() returns early on an empty stack and keeps its clean index, so after
        # an import (never clean) every later document showed modified: set it here, both ways.
        if modified:
            self.stack.resetClean()
        else:
            self.stack.setClean()
        self.path = path
        self.template = template
        self.imported = None
        self.update_title()
        self.document_replaced.emit()

    # ------------------------------------------------------------------ asking first
    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded, or unchanged)."""
        if not self.modified:
            return True
        answer = dialogs.ask_unsaved(self.window, self.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    # ------------------------------------------------------------------ new, open
    def new_blank(self) -> bool:
        if not self.maybe_save():
            return False
        self._adopt(Network([new_layer("input")], "untitled"), None)
        return True

    def new_from_template(self, name: str) -> bool:
        if not self.maybe_save():
            return False
        self._adopt(load_template(name), None, template=name)
        return True

    def open_dialog(self) -> bool:
        if not self.maybe_save():
            return False
        start = str(self.path.parent) if self.path else str(self.settings.value("files/last_dir", ""))
        path = dialogs.open_file_name(self.window, start)
        return self.open_path(path, ask=False) if path else False

    def open_path(self, path, ask: bool = True) -> bool:
        """Open a model file; on failure say why and leave the current document untouched."""
        path = Path(path)
        imported = None
        try:
            if path.suffix.lower() == ".onnx":
                imported = self._import(path)
                network = imported.network
            else:
                network = load(path)
        except (UserError, OSError) as e:  # a file that cannot be used; anything else is a bug
            dialogs.warn(self.window, "Cannot open the model", str(e))
            return False
        if ask and not self.maybe_save():
            return False
        if imported is None:
            self._adopt(network, path.resolve())
        else:  # a design not saved anywhere yet; the weights go to the Train mode
            self._adopt(network, None, modified=True)
            self.imported = path.name
            self.update_title()
            held = ""
            if imported.arrays:  # the window's weights: Train starts from them, Learn and exports use them
                self.window.weights.set_loaded(imported.arrays)
                held = " and its weights"
            self.window.statusBar().showMessage(
                f"Imported {path.name}: {len(network.layers)} layers{held}, not saved yet", 6000)
        self.add_recent(path)
        return True

    def _import(self, path: Path):
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QApplication

        from ..onnx_import import import_onnx
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # a large model takes seconds
        try:
            return import_onnx(path)
        finally:
            QApplication.restoreOverrideCursor()

    # ------------------------------------------------------------------ save
    def save(self) -> bool:
        if self.path is None:
            return self.save_as()
        return self._write(self.path)

    def save_as(self) -> bool:
        folder = Path(str(self.settings.value("files/last_dir", "")))
        suggested = str(self.path) if self.path else str(
            folder / f"{safe_stem(self.network.name or '', 'untitled')}.json")
        path = dialogs.save_file_name(self.window, suggested)
        return self._write(Path(path)) if path else False

    def _write(self, path: Path) -> bool:
        broken = broken_reference(self.network.layers)
        if broken:  # the file would not open again: say so, and keep what is on disk
            dialogs.warn(self.window, "Cannot save the model", f"Not saved: {broken[0].lower()}{broken[1:]}")
            return False
        try:
            save(self.network, path)
        except OSError as e:
            dialogs.warn(self.window, "Cannot save the model",
                         f"{path}: cannot be written ({e.strerror or e}).")
            return False
        self.path = path.resolve()
        self.template = None
        self.stack.setClean()
        self._clear_recovery()
        self.add_recent(path)
        self.update_title()
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    # ------------------------------------------------------------------ recent files
    def recent(self) -> list[str]:
        value = self.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(p) for p in (value or []) if p]

    def add_recent(self, path) -> None:
        path = str(Path(path).resolve())
        items = [path] + [p for p in self.recent() if p != path]
        self.settings.setValue("files/recent", items[:MAX_RECENT])
        self.settings.setValue("files/last_dir", str(Path(path).parent))
        self.recent_changed.emit()

    def clear_recent(self) -> None:
        self.settings.setValue("files/recent", [])
        self.recent_changed.emit()

    # ------------------------------------------------------------------ autosave, recovery
    def autosave(self) -> None:
        """Write the recovery file if the document changed since the last write (and has unsaved
        changes); remove it when there are none."""
        if not self.modified:
            self._clear_recovery()
        elif self._autosaved_edits != self.edits:
            self.recovery.write(self.network, self.path)
            self._autosaved_edits = self.edits

    def _clear_recovery(self) -> None:
        self.recovery.clear()
        self._autosaved_edits = None

    def offer_recovery(self) -> bool:
        """At start: offer the newest recovery file a crashed session left (unless the env
        NN_DESIGNER_NO_AUTOSAVE_PROMPT=1). Returns True if work was recovered. What was offered
        goes (recovered into this session, or declined), and so do copies no newer than their
        saved file; any other unsaved work (another crashed window's) stays for the next start."""
        if os.environ.get("NN_DESIGNER_NO_AUTOSAVE_PROMPT") == "1":
            return False
        orphans = self.recovery.orphans()
        candidates = [o for o in orphans if o.is_newer_than_original()]
        recovered = False
        if candidates:
            best = candidates[0]
            name = best.original.name if best.original else best.info.get("name", "an untitled model")
            when = time.strftime("%H:%M on %d %b %Y", time.localtime(best.saved_at))
            if dialogs.ask_recover(self.window, name, when):
                recovered = self.recover(best)
        kept = {id(o) for o in candidates[1:]}  # not shown yet: offered at a later start
        for orphan in orphans:
            if id(orphan) in kept:
                orphan.release()
            else:
                orphan.discard()
        return recovered

    def recover(self, orphan: Orphan) -> bool:
        try:
            network = load(orphan.model)
        except (UserError, OSError) as e:
            dialogs.warn(self.window, "Cannot recover the model", str(e))
            return False
        if not self.maybe_save():
            return False
        self._adopt(network, orphan.original, modified=True)
        self.autosave()
        return True

    def close(self) -> None:
        if self.timer.isActive():  # once only
            self.stack.cleanChanged.disconnect(self._clean_changed)
        self.timer.stop()
        self.recovery.close()
