"""The Train mode on a branched network, driven through the window: a small residual net (identity
and projection shortcuts) trains on the built-in shapes to the end; the feature-map chooser lists
every layer of the graph, and the maps of an `add` and of a layer inside a branch (the projection
shortcut, which the main path does not run) come back with those layers' shapes; the filters
show; Continue and a checkpoint go on exactly as one run."""
from __future__ import annotations

import json

import numpy as np
import pytest

from designer.model import array_shape
from designer.engine.training import Trainer
from designer.ui.training.state import TrainState
from branched_nets import RESIDUAL, design
from train_ui_support import RUN_MS, record, run_to_end, settings, train_mode
from ui_support import dialog_log, window  # noqa: F401

# RESIDUAL's layers for the built-in shapes (28×28×1, six classes), the shortcut named.
RESIDUAL_SHAPES = design("residual net for shapes", [
    {"type": "input", "width": 28, "height": 28, "depth": 1}, *RESIDUAL["layers"][1:-2],
    {"type": "dense", "units": 6}, RESIDUAL["layers"][-1]])
RESIDUAL_SHAPES["layers"][16] = dict(RESIDUAL_SHAPES["layers"][16], name="block2.shortcut")
# Indices of the layers the test looks at: the stem's conv, a conv inside the first block's
# branch, the first add, the projection shortcut (run by no other path) and the last add.
STEM, BRANCH_CONV, ADD, SHORTCUT, LAST_ADD = 1, 4, 9, 16, 18


@pytest.fixture
def residual_mode(window, qtbot, tmp_path):  # noqa: F811
    path = tmp_path / "residual.json"
    path.write_text(json.dumps(RESIDUAL_SHAPES))
    window.open_model(str(path))
    window.set_mode("Train")
    mode = window.train_mode
    with qtbot.waitSignal(mode.data.dataset_changed, timeout=RUN_MS):
        mode.data.load("shapes:240")
    assert mode.data.fit_problem() is None
    return mode


def layer_shape(network, index: int) -> tuple:
    """The output shape of layer ``index`` as the engine holds one sample: (C, H, W)."""
    return array_shape(network.report().layers[index].output)


@pytest.mark.slow
def test_a_residual_net_trains_and_shows_maps_of_an_add_and_of_a_branch(window, residual_mode, qtbot,  # noqa: F811
                                                                        monkeypatch):
    mode = residual_mode
    network = window.network
    assert network.layers[ADD].type == "add" and network.layers[SHORTCUT].type == "conv"
    maps = mode.views.maps
    # the chooser lists every layer of the graph after the input, branches and merges included
    listed = [maps.layer.itemData(i) for i in range(maps.layer.count())]
    assert listed == list(range(1, len(network.layers)))
    assert maps.layer.itemText(maps.layer.findData(SHORTCUT)).startswith("#16 conv · block2.shortcut → 14×14×6")
    assert maps.layer.itemText(maps.layer.findData(ADD)).startswith("#9 add → 28×28×4")
    assert maps.chosen_layer() == STEM

    settings(mode, epochs=2, batch_size=16)
    got = record(mode)
    finished = run_to_end(mode, qtbot)
    assert finished.reason == "completed" and [row["epoch"] for row in finished.history] == [1, 2]
    assert all(np.isfinite(row["train_loss"]) and np.isfinite(row["val_loss"]) for row in finished.history)
    assert mode.state is TrainState.IDLE and window.editor.enabled
    # while training, the maps of the chosen layer (the stem's convolution) and the filters came
    probed = [p["maps"] for p in got["probed"] if "maps" in p]
    assert probed and all(m[0] == STEM and m[2].shape == layer_shape(network, STEM) for m in probed)
    assert maps.count == 4 and mode.views.filters.count == 4
    assert mode.views.filters.title.text().endswith("4 × 3×3×1")

    shown, real_show = {}, maps.show_maps

    def keep(layer, sample, arrays):
        shown[layer] = arrays
        real_show(layer, sample, arrays)
    monkeypatch.setattr(maps, "show_maps", keep)   # the mode looks it up at each answer
    for index in (ADD, SHORTCUT, BRANCH_CONV, LAST_ADD):
        with qtbot.waitSignal(maps.grid_changed, timeout=RUN_MS):
            maps.layer.setCurrentIndex(maps.layer.findData(index))
        want = layer_shape(network, index)
        assert shown[index].shape == want and np.isfinite(shown[index]).all()
        assert maps.count == want[0]
        assert maps.caption.text().startswith(f"{want[0]} maps of {want[1]}×{want[2]}")
    # the add's maps are the sum of its inputs' (the main path's batchnorm and the stem's relu)
    net = mode.trainer.net
    x = mode.dataset.x[maps.sample.value()][None]
    inputs = [net.forward(x, upto=s)[0] for s in net.sources[ADD]]
    np.testing.assert_allclose(shown[ADD], inputs[0] + inputs[1], rtol=1e-5, atol=1e-5)


@pytest.mark.slow
def test_continue_and_a_checkpoint_of_a_residual_net_go_on_as_one_run(window, residual_mode, qtbot,  # noqa: F811
                                                                       tmp_path):
    mode = residual_mode
    settings(mode, epochs=1, batch_size=16)
    assert run_to_end(mode, qtbot).reason == "completed"
    qtbot.waitUntil(lambda: mode.state is TrainState.IDLE, timeout=RUN_MS)
    mode.save_checkpoint(str(tmp_path / "ck.npz"))
    assert "Saved a checkpoint after epoch 1" in mode.panel.message.text()
    trainer = mode.trainer

    mode.panel.epochs.setValue(2)
    assert mode.panel.pause.text() == "Continue"
    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.panel.pause.click()
    continued = blocker.args[0]
    assert continued.reason == "completed" and [row["epoch"] for row in continued.history] == [1, 2]
    assert mode.trainer is trainer
    qtbot.waitUntil(lambda: mode.state is TrainState.IDLE, timeout=RUN_MS)

    with qtbot.waitSignal(mode.run_finished, timeout=RUN_MS) as blocker:
        mode.resume_checkpoint(str(tmp_path / "ck.npz"))
    resumed = blocker.args[0]
    assert resumed.reason == "completed"
    assert [r["val_loss"] for r in resumed.history] == [r["val_loss"] for r in continued.history]

    config = trainer.config
    whole = Trainer(window.network, mode.dataset, type(config).from_dict(config.to_dict()))
    assert list(whole.run())[-1].reason == "completed"
    for key, value in whole.net.state_dict().items():
        np.testing.assert_array_equal(mode.trainer.net.state_dict()[key], value, err_msg=key)


@pytest.mark.slow
def test_the_resnet20_template_takes_the_input_fix_and_trains(window, qtbot):  # noqa: F811
    mode = train_mode(window, qtbot, template="resnet20", data="shapes:48")
    assert mode.data.fit_button.isVisibleTo(mode.left)
    mode.data.fit_button.click()
    assert window.network[0].config == {"width": 28, "height": 28, "depth": 1}
    assert mode.data.fit_problem() is None
    settings(mode, epochs=1, batch_size=16)
    finished = run_to_end(mode, qtbot)
    assert finished.reason == "completed" and np.isfinite(finished.history[0]["train_loss"])
    adds = [i for i, layer in enumerate(window.network.layers) if layer.type == "add"]
    maps = mode.views.maps
    with qtbot.waitSignal(maps.grid_changed, timeout=RUN_MS):
        maps.layer.setCurrentIndex(maps.layer.findData(adds[-1]))
    assert maps.count == layer_shape(window.network, adds[-1])[0]
    window.undo_stack.clear()


@pytest.mark.slow
def test_the_input_fix_is_judged_with_the_inputs_id_kept(window, qtbot):  # noqa: F811
    # The inception block's branches read its input by id ("x"): the trial network with the
    # data's input once lost that id and blamed a missing reference instead of the real reason.
    mode = train_mode(window, qtbot, template="inception", data="shapes:48")
    text = mode.data.fit_text.text()
    assert "no layer has the id" not in text
    assert "would not be enough: the network's output is the volume 28×28×256" in text
    assert not mode.data.fit_button.isVisibleTo(mode.left)
