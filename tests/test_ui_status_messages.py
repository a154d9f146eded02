"""Status messages are shown whole: a long refusal wraps in the status bar
beside the counters instead of being cut by them, and it stays until the next message."""
from __future__ import annotations

from ui_support import deliver_posted_events, dialog_log, window  # noqa: F401

LONG = ("Cannot add a residual connection around these layers: the selection must be one run of "
        "layers from one input to one output; select the layers between two blocks, or use "
        "Blocks ▸ Branch from here to start a branch.")


def test_a_long_message_wraps_whole_beside_the_counters(window, qtbot):
    window.resize(780, 600)
    qtbot.waitUntil(lambda: window.width() == 780)
    bar = window.statusBar()
    bar.showMessage(LONG, 4000)
    deliver_posted_events()
    qtbot.wait(20)
    deliver_posted_events()
    label = bar.message
    assert bar.currentMessage() == LONG and label.text() == LONG
    # Its lines fit: the label is as tall as the sentence needs at its width ...
    assert label.height() >= label.heightForWidth(label.width()) > label.fontMetrics().height()
    # ... and it ends before the counters start (a temporary message ran into them).
    counters = window.status.counts
    assert label.geometry().right() < counters.geometry().left()
    assert bar.geometry().bottom() <= window.rect().bottom()


def test_a_message_stays_until_the_next_one(window, qtbot):
    bar = window.statusBar()
    bar.showMessage("Saved /tmp/a.json", 50)
    qtbot.wait(200)
    assert bar.currentMessage() == "Saved /tmp/a.json"
    window.editor.message.emit("The input layer stays first.")
    assert bar.currentMessage() == "The input layer stays first."
    bar.clearMessage()
    assert bar.currentMessage() == ""


def test_every_sender_of_messages_reaches_the_message_area(window, dialog_log, tmp_path):
    window.canvas.refused.emit("Cannot connect: that would make a loop.")
    assert window.statusBar().message.text() == "Cannot connect: that would make a loop."
    dialog_log.save_name = str(tmp_path / "m.json")
    assert window.files.save_as()
    assert window.statusBar().message.text() == f"Saved {tmp_path / 'm.json'}"
