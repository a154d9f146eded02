"""Every dialog the design mode opens, in one place (native dialogs; tests replace these
functions with monkeypatch so that nothing blocks)."""
from __future__ import annotations

import re

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

MODEL_FILTER = "NN Designer models (*.json);;All files (*)"
# Open also imports ONNX models (designer/onnx_import)
OPEN_FILTER = "Models (*.json *.onnx);;NN Designer models (*.json);;ONNX models (*.onnx);;All files (*)"


def warn(parent: QWidget, title: str, text: str) -> None:
    QMessageBox.warning(parent, title, text)


def ask_unsaved(parent: QWidget, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Unsaved changes",
                      f"{name} has changes that are not saved.", parent=parent)
    box.setInformativeText("Save them first?")
    box.setStandardButtons(QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                           | QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {QMessageBox.StandardButton.Save: "save",
            QMessageBox.StandardButton.Discard: "discard"}.get(QMessageBox.StandardButton(answer), "cancel")


def ask_recover(parent: QWidget, name: str, when: str) -> bool:
    answer = QMessageBox.question(
        parent, "Recover unsaved work",
        f"NN Designer did not close properly. Work on {name} was saved automatically at {when}.\n\n"
        "Recover it? (No deletes the recovered copy.)",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def open_file_name(parent: QWidget, directory: str = "") -> str:
    path, _ = QFileDialog.getOpenFileName(parent, "Open a model", directory, OPEN_FILTER)
    return path


def save_file_name(parent: QWidget, suggested: str = "") -> str:
    path, _ = QFileDialog.getSaveFileName(parent, "Save the model as", suggested, MODEL_FILTER)
    return _with_suffix(path, ".json")


def about(parent: QWidget, text: str) -> None:
    QMessageBox.about(parent, "About NN Designer", text)


def export_file_name(parent: QWidget, title: str, suggested: str, file_filter: str) -> str:
    """A file to export to; the suffix of the filter's first pattern (``… (*.py);;…``) is added
    when the name has none."""
    path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
    return _with_suffix(path, filter_suffix(file_filter))


def filter_suffix(file_filter: str) -> str:
    """``.py`` for ``"PyTorch module (*.py);;All files (*)"``; "" when the first pattern has none."""
    match = re.search(r"\(\*(\.[^ ;)]+)", file_filter)
    return match.group(1) if match else ""


def _with_suffix(path: str, suffix: str) -> str:
    """``path`` with ``suffix`` added when its file name has none (and a name was chosen)."""
    if path and suffix and "." not in path.rsplit("/", 1)[-1]:
        path += suffix
    return path
