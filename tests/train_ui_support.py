"""Helpers of the Train mode tests: the window in Train mode with data loaded, settings, a run to
its end with what the worker sent; a Train mode on its own (``make_mode``, a fixture) and data read
into its panel."""
from __future__ import annotations

import pytest

from designer.model import load_model
from designer.ui.training.state import TrainState
from designer.ui.training.train_mode import TrainMode

RUN_MS = 60000


def train_mode(window, qtbot, template: str = "lenet5", data: str = "shapes:240"):
    """The window on a template, in Train mode, with ``data`` loaded."""
    window.files.new_from_template(template)
    window.set_mode("Train")
    mode = window.train_mode
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load(data)
    return mode


def settings(mode, **values):
    fields = dict(epochs=2, batch_size=32, lr=0.05, momentum=0.9, val_split=0.25, seed=0)
    fields.update(values)
    mode.panel.set_config(fields)


def record(mode):
    """Lists that fill with what the worker sends, connected before the next Start."""
    got = {"batch": [], "epoch": [], "probed": []}

    def hook(state):
        if state is TrainState.STARTING and mode.run is not None:
            w = mode.run.worker
            w.batch.connect(got["batch"].append)
            w.epoch.connect(got["epoch"].append)
            w.probed.connect(got["probed"].append)
    mode.state_changed.connect(hook)
    return got


def run_to_end(mode, qtbot):
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        assert mode.start()
    return blocker.args[0]


MS = 30000


@pytest.fixture
def make_mode(qtbot):
    made = []

    def make(template="lenet5", **kw):
        mode = TrainMode(network=load_model(template), load_default_data=False, **kw)
        qtbot.addWidget(mode.left)
        qtbot.addWidget(mode.bottom)
        qtbot.addWidget(mode.right)   # the results, maps and filters
        made.append(mode)
        return mode
    yield make
    for mode in made:
        mode.shutdown()


def loaded(qtbot, panel, spec):
    with qtbot.waitSignal(panel.dataset_changed, timeout=MS) as blocker:
        panel.load(spec)
    return blocker.args[0]
