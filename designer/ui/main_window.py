"""The main window (placeholder until the canvas lands)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox

from ..errors import UserError
from ..model import Network, load_model
from ..model import summary


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.network = load_model("lenet5")
        self.view = QLabel()
        self.setCentralWidget(self.view)
        self._show()
        self.resize(1100, 700)

    def _show(self):
        self.setWindowTitle(f"{self.network.name} — NN Designer")
        self.view.setText("<pre>" + summary.to_text(self.network) + "</pre>")

    def open_path(self, path: str) -> None:
        try:
            self.network = load_model(path)
        except UserError as e:
            QMessageBox.warning(self, "Cannot open the model", str(e))
            return
        self._show()
