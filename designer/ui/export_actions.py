"""File ▸ Export to PyTorch… / Export to ONNX… / Export training folder…: the same exports as
``nn-designer export`` (designer/export), with the weights the window holds. The training folder
(``--to torchrun``) is asked for by name, as a file is; it is made if it does not exist.

Which weights: those trained (or loaded) in Train mode; else a template's shipped weights while
the document is that template; else none (PyTorch's own initialisation in the ``.py``, a fresh
one in the ONNX model). With a ``.py``, the weights are saved beside it as ``<name>.npz``, which
the module loads, so that the two files stand alone. The outcome is one sentence in the status bar, a failure one sentence in
a dialog; nothing is half-written (the exports write atomically).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..errors import UserError
from . import dialogs
from .files import safe_stem

FILTERS = {"pytorch": ("Export to PyTorch", "PyTorch module (*.py);;All files (*)", ".py"),
           "onnx": ("Export to ONNX", "ONNX model (*.onnx);;All files (*)", ".onnx"),
           # a folder: its suggested name ends in "-torchrun", and no suffix is added to a typed one
           "torchrun": ("Export training folder", None, "-torchrun")}


class Exporter:
    def __init__(self, window):
        self.window = window

    def weights(self) -> tuple:
        """(arrays or None, weights file or None) to export with; raises UserError while a run
        is changing the weights."""
        window = self.window
        train = getattr(window, "train_mode", None)
        if train is not None:
            if train.state not in ("idle", "paused"):
                raise UserError("the network is training; pause or stop the run first, so that the "
                                "exported weights are one consistent set")
            arrays = train.current_weights()
            if arrays is not None:
                return arrays, None
        template = getattr(window.files, "template", None)
        if template and not window.files.modified:
            from ..model import load_weights, template_weights
            path = template_weights(template)
            if path is not None:  # copied beside a .py, so that the module stands alone
                return load_weights(path, window.network), None
        return None, None

    def suggested(self, suffix: str) -> str:
        files = self.window.files
        stem = files.path.stem if files.path else (files.template or self.window.network.name or "network")
        folder = files.path.parent if files.path else Path(str(files.settings.value("files/last_dir", "")))
        return str(folder / f"{safe_stem(stem, 'network')}{suffix}")

    def export(self, to: str, path: Optional[str] = None) -> Optional[str]:
        """Ask for a file (unless ``path`` is given) and export to it; returns the sentence shown,
        or None when nothing was written."""
        from ..export import checked_report, export_network
        title, file_filter, suffix = FILTERS[to]
        window = self.window
        try:
            arrays, weights_path = self.weights()
            checked_report(window.network)  # a broken network is refused before a file is asked for
        except UserError as e:
            dialogs.warn(window, title, _sentence(e))
            return None
        if file_filter is None:
            path = path or folder_name(window, title, self.suggested(suffix))
        else:
            path = path or dialogs.export_file_name(window, title, self.suggested(suffix), file_filter)
        if not path:
            return None
        try:
            source = window.files.path.name if window.files.path else (window.files.template or "")
            said = export_network(window.network, to, path, weights_path=weights_path, arrays=arrays,
                                  source=source)
        except UserError as e:
            dialogs.warn(window, title, _sentence(e))
            return None
        except OSError as e:
            dialogs.warn(window, title, f"{path} cannot be written ({e.strerror or e}).")
            return None
        said = said[0].upper() + said[1:] + "."
        window.statusBar().showMessage(said, 10000)
        return said


def folder_name(parent, title: str, suggested: str) -> str:
    """The folder to write into, typed or chosen as a file name is (an existing training folder
    may be chosen again: it is rewritten, so no overwrite question)."""
    from PySide6.QtWidgets import QFileDialog
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, "Folder (*)",
                                          options=QFileDialog.Option.DontConfirmOverwrite)
    return path


def _sentence(error: Exception) -> str:
    text = str(error)
    text = text[0].upper() + text[1:] if text else "The export failed"
    return text if text.endswith(".") else text + "."
