"""Crash recovery. While the document has unsaved changes it is written every ~30 s to a
recovery file in the app's data folder (QStandardPaths.AppDataLocation/recovery). Each running
window holds a QLockFile beside its recovery file; at start, a recovery file whose lock can be
taken belongs to a session that is gone (a crash), and is offered back."""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from PySide6.QtCore import QLockFile, QStandardPaths

from ..atomic import write_text_atomic
from ..model import Network, broken_reference, dumps

PREFIX = "recovery-"


def default_directory() -> Path:
    return Path(QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)) / "recovery"


@dataclass
class Orphan:
    """A recovery file left by a session that did not close properly."""

    model: Path
    info: dict
    lock: QLockFile

    @property
    def original(self) -> Optional[Path]:
        path = self.info.get("path")
        return Path(path) if path else None

    @property
    def saved_at(self) -> float:
        return float(self.info.get("time", self.model.stat().st_mtime))

    def is_newer_than_original(self) -> bool:
        original = self.original
        return original is None or not original.exists() or self.saved_at > original.stat().st_mtime

    def discard(self) -> None:
        for p in (self.model, _info_path(self.model)):
            p.unlink(missing_ok=True)
        self.release()
        self.lock.removeStaleLockFile()

    def release(self) -> None:
        """Let go of the lock, keeping the files: the next start finds them again."""
        if self.lock.isLocked():
            self.lock.unlock()


def _info_path(model: Path) -> Path:
    return model.with_suffix(".info")


class Recovery:
    def __init__(self, directory: Optional[Path] = None):
        self.directory = Path(directory) if directory else default_directory()
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{PREFIX}{os.getpid()}-{time.time_ns() % 10**12:012d}"
        self.file = self.directory / f"{name}.json"
        self.lock = QLockFile(str(self.directory / f"{name}.lock"))
        self.lock.setStaleLockTime(0)

    def write(self, network: Network, original: Optional[Path]) -> None:
        if broken_reference(network.layers):
            return  # a file that would not open again: the last good copy stays
        if not self.lock.isLocked():  # taken on the first write: a live session's file is not an orphan
            self.lock.tryLock(0)
        write_text_atomic(self.file, dumps(network))
        info = {"path": str(original) if original else None, "name": network.name, "time": time.time()}
        write_text_atomic(_info_path(self.file), json.dumps(info))

    def clear(self) -> None:
        self.file.unlink(missing_ok=True)
        _info_path(self.file).unlink(missing_ok=True)

    def close(self) -> None:
        self.clear()
        if self.lock.isLocked():
            self.lock.unlock()

    def orphans(self) -> list[Orphan]:
        """Recovery files of sessions that are gone, newest first (their locks now held here)."""
        found = []
        for model in self.directory.glob(f"{PREFIX}*.json"):
            if model == self.file:
                continue
            lock = QLockFile(str(model.with_suffix(".lock")))
            lock.setStaleLockTime(0)
            if not lock.tryLock(0):
                continue  # another window is running and owns it
            try:
                info = json.loads(_info_path(model).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                info = {}
            found.append(Orphan(model, info if isinstance(info, dict) else {}, lock))
        found.sort(key=lambda o: o.saved_at, reverse=True)
        return found
