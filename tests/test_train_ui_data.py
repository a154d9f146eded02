"""The Data panel's sample count: each built-in set's own minimum, and a size below it is one
sentence, never an exception out of a Qt slot."""
from __future__ import annotations

from designer.ui.training.data_panel import DataPanel

MS = 30000


def test_a_size_below_the_sets_minimum_is_one_sentence_and_the_box_knows_the_minimum(qtbot):
    panel = DataPanel()
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.dataset_changed, timeout=MS):
        panel.load("shapes:60")
    assert panel.size.minimum() == 6               # one sample of each of the six shapes
    said = []
    panel.message.connect(said.append)
    panel.load("shapes:2")                         # e.g. typed on the command line or a file
    assert len(said) == 1 and said[0].endswith(".") and "from 6 to" in said[0]
    assert panel.spec == "shapes:60" and not panel.loading
    with qtbot.waitSignal(panel.dataset_changed, timeout=MS):
        panel.load("blobs:50")
    assert panel.size.minimum() == 2
    panel.shutdown()
