"""What the window says (issue 12): the status bar's memory estimate is for the batch that will
be used, a total of parameters says when it leaves out layers after an error, and numbers and
words agree ("1 unit", "1 class", no "106544.0 GB")."""
from __future__ import annotations

from ui_support import dialog_log, window  # noqa: F401


def test_the_memory_estimate_uses_the_batch_of_the_mode_shown(window, qtbot):
    window.files.new_from_template("lenet5")
    design_batch = window.summary.batch_size
    assert f"(batch {design_batch})" in window.status.memory.text()
    window.set_mode("Train")
    panel = window.train_mode.panel
    assert panel.batch.value() != design_batch
    assert f"(batch {panel.batch.value()})" in window.status.memory.text()
    panel.batch.setValue(16)
    assert "(batch 16)" in window.status.memory.text()
    window.set_mode("Design")
    assert f"(batch {design_batch})" in window.status.memory.text()
