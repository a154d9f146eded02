"""The weights and checkpoint actions of the Train mode without a run: loaded weights can be
saved again, but a checkpoint needs a run (its optimizer state and position)."""
from __future__ import annotations

from designer.engine.net import EngineNet
from designer.model import load_model, save_weights
from designer.ui.training.train_mode import TrainMode


def test_save_checkpoint_is_enabled_only_once_a_trainer_exists(qtbot, tmp_path):
    network = load_model("lenet5")
    save_weights(tmp_path / "w.npz", EngineNet(network).state_dict())
    mode = TrainMode(network=network, load_default_data=False)
    qtbot.addWidget(mode.left)
    qtbot.addWidget(mode.bottom)
    qtbot.addWidget(mode.right)
    with qtbot.waitSignal(mode.weights_loaded, timeout=30000):
        mode.load_weights(str(tmp_path / "w.npz"))
    assert mode.has_weights() and mode.trainer is None
    assert mode.panel.save_w.isEnabled()
    assert not mode.panel.save_c.isEnabled()
    menu = {a.text(): a for a in mode.menu.actions() if a.text()}
    assert not menu[mode.panel.save_c.text()].isEnabled()
    mode.shutdown()
