"""File ▸ Export training folder… in the window: the folder named in the dialog gets what
`nn-designer export --to torchrun` writes, with the weights the window holds; a folder holding
other files is one sentence in a dialog, and nothing of it is replaced."""
from __future__ import annotations

import numpy as np
import pytest

from designer.engine.net import EngineNet
from designer.export.torchrun import TRAIN_SOURCE
from designer.model import load_weights, save_weights
from designer.ui import export_actions
from ui_support import dialog_log, window  # noqa: F401


@pytest.fixture
def folder_to(monkeypatch):
    """The folder name the export dialog answers with (and the suggestions it was given)."""
    answer = {"path": "", "suggested": []}

    def ask(parent, title, suggested):
        answer["suggested"].append(suggested)
        return answer["path"]

    monkeypatch.setattr(export_actions, "folder_name", ask)
    return answer


def test_the_file_menu_writes_a_training_folder_with_the_trained_weights(window, folder_to, tmp_path):
    window.files.new_from_template("lenet5")
    net = EngineNet(window.network, seed=5)
    save_weights(tmp_path / "mine.npz", net.state_dict())
    window.set_mode("Train")
    window.train_mode.load_weights(str(tmp_path / "mine.npz"))
    folder_to["path"] = str(tmp_path / "lenet-cluster")
    window.actions_by_name["export_torchrun"].trigger()

    assert folder_to["suggested"][0].endswith("lenet5-torchrun")
    said = window.statusBar().currentMessage()
    assert said.startswith("Wrote") and "torchrun training folder" in said
    out = tmp_path / "lenet-cluster"
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "model.py", "train.py", "weights.npz"]
    assert (out / "train.py").read_text() == TRAIN_SOURCE.read_text()
    assert "WEIGHTS = str(Path(__file__).with_name('weights.npz'))" in (out / "model.py").read_text()
    loaded = load_weights(out / "weights.npz", window.network)
    assert all(np.array_equal(loaded[k], v) for k, v in net.state_dict().items())


def test_a_folder_with_other_files_is_refused_in_one_sentence(window, folder_to, dialog_log, tmp_path):
    window.files.new_from_template("lenet5")
    (tmp_path / "README.md").write_text("my notes")
    folder_to["path"] = str(tmp_path)
    window.actions_by_name["export_torchrun"].trigger()
    (text,) = dialog_log.warnings
    assert "already holds README.md" in text and text.endswith(".")
    assert (tmp_path / "README.md").read_text() == "my notes" and not (tmp_path / "train.py").exists()


def test_cancelling_writes_nothing(window, folder_to, tmp_path):
    before = set(tmp_path.rglob("*"))
    folder_to["path"] = ""
    assert window.exporter.export("torchrun") is None
    assert len(folder_to["suggested"]) == 1 and set(tmp_path.rglob("*")) == before
