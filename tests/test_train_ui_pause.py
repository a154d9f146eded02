"""Pause shows a paused state: the line under the bar and the message say
"Paused at epoch e, batch b" (the batch the run waits after), the speed and ETA go, Pause is in
the Training menu, and Resume brings the running state back."""
from __future__ import annotations

import pytest

from designer.ui.training.state import TrainState
from train_ui_support import RUN_MS, record, settings, train_mode
from ui_support import dialog_log, window  # noqa: F401


@pytest.mark.slow
def test_pause_from_the_training_menu_says_where_the_run_waits(window, qtbot):
    mode = train_mode(window, qtbot, data="shapes:1200")
    settings(mode, epochs=5, batch_size=16)
    got = record(mode)
    actions = {a.text(): a for a in mode.menu.actions() if a.text()}
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS):
        mode.start()
        qtbot.waitUntil(lambda: bool(got["batch"]), timeout=RUN_MS)
        assert "Training" in mode.panel.message.text()
        assert actions["Pause"].isEnabled() and actions["Pause"].shortcut().toString() == "F6"
        actions["Pause"].trigger()
        qtbot.waitUntil(lambda: mode.state is TrainState.PAUSED, timeout=RUN_MS)
        trainer = mode.trainer
        where = f"Paused at epoch {trainer.epoch + 1}, batch {trainer.batch}"
        assert mode.panel.rate.text() == where
        assert "/s" not in mode.panel.rate.text() and "ETA" not in mode.panel.rate.text()
        assert mode.panel.message.text().startswith(where + ".")
        assert mode.panel.bar.format().startswith("paused")
        pause = actions["Pause"]
        assert pause.text() == "Resume" and pause.isEnabled()   # the menu follows the button
        pause.trigger()
        qtbot.waitUntil(lambda: mode.state is TrainState.RUNNING, timeout=RUN_MS)
        assert mode.panel.message.text().startswith("Training")
        assert "Paused" not in mode.panel.rate.text()
        mode.panel.stop.click()
