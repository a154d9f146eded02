"""The window's weights have one owner (designer/ui/weights_holder.py): the Train mode puts trained
or loaded weights there and says when a run changes them; the export and the lessons only read
them. Menus built by actions.py come back as one object instead of attributes put on the window."""
from __future__ import annotations

import numpy as np
import pytest

from designer.errors import UserError
from designer.ui.weights_holder import WeightsBusy, WeightsHolder, WeightsSource
from train_ui_support import run_to_end, settings, train_mode
from ui_support import dialog_log, window  # noqa: F401


def test_trained_weights_win_over_loaded_ones_which_win_over_shipped_ones():
    shipped = {"1.weight": np.ones(2)}
    holder = WeightsHolder(shipped=lambda: shipped)
    seen = []
    holder.changed.connect(seen.append)
    assert holder.source is WeightsSource.SHIPPED and holder.current() is shipped
    assert holder.current(shipped=False) is None and not holder.has_own()
    loaded = {"1.weight": np.zeros(2)}
    holder.set_loaded(loaded)
    assert holder.source is WeightsSource.LOADED and holder.current() is loaded and holder.loaded is loaded
    trained = {"1.weight": np.full(2, 3.0)}
    holder.set_trained(lambda: trained)
    assert holder.source is WeightsSource.TRAINED and holder.current() is trained and holder.loaded is None
    holder.clear()
    assert holder.source is WeightsSource.SHIPPED and not holder.has_own()
    assert seen == [holder] * 3 and holder.version == 3
    holder.clear()                                   # nothing held: no event
    assert holder.version == 3
    holder.set_loaded(loaded)
    holder.clear_trained()                           # no run to forget: the loaded weights stay
    assert holder.source is WeightsSource.LOADED and holder.version == 4


def test_while_a_run_changes_them_reading_the_weights_is_one_sentence():
    holder = WeightsHolder()
    holder.set_trained(lambda: {})
    holder.set_busy(True)
    with pytest.raises(WeightsBusy) as e:
        holder.current()
    assert isinstance(e.value, UserError) and "\n" not in str(e.value) and "training" in str(e.value)
    version = holder.version
    holder.set_busy(False)                           # the run paused or ended: the weights changed
    assert holder.version == version + 1 and holder.current() == {}


@pytest.mark.slow
def test_the_train_mode_keeps_the_windows_weights_and_the_export_reads_them(window, qtbot):
    holder = window.weights
    mode = train_mode(window, qtbot, data="shapes:60")
    assert mode.weights is holder and holder.source is WeightsSource.NONE
    settings(mode, epochs=1, batch_size=16)
    busy_while_running = []
    mode.state_changed.connect(lambda _state: busy_while_running.append((mode.state.weights_still, holder.busy)))
    run_to_end(mode, qtbot)
    assert all(still != busy for still, busy in busy_while_running) and not holder.busy
    assert holder.source is WeightsSource.TRAINED
    arrays, _ = window.exporter.weights()
    trained = mode.trainer.net.state_dict()
    assert arrays.keys() == trained.keys() and all(np.array_equal(arrays[k], trained[k]) for k in arrays)
    window.editor.rename(window.network[1].uid, "edges")              # names and places on the canvas
    window.editor.place(window.network[1].uid, 40.0, 300.0)            # leave the weights as they were
    assert holder.source is WeightsSource.TRAINED
    window.editor.set_keys(window.network[1].uid, {"filters": 4})   # another architecture
    assert holder.source is WeightsSource.NONE and window.exporter.weights() == (None, None)


def test_build_menus_adds_nothing_to_the_window(window):
    from designer.ui.actions import Menus, build_menus
    before = set(vars(window))
    menus = build_menus(window)
    assert set(vars(window)) == before
    assert isinstance(menus, Menus) and menus.actions["save"].text() == "&Save"
    assert menus.recent.title() == "Open &recent" and menus.learn is not None
