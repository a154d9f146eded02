"""The torchrun training folder of a branched network (file format v2), run: a small residual net
(a 1×1 projection shortcut into an add, a concat, average and global pooling, a final softmax
folded into the loss) trained by one plain `python train.py` in float64 gives `nn-designer
train`'s weights and history to 1e-9, and by `torchrun --standalone --nproc_per_node=2` in
float32 to 1e-4 relative; a net whose output is an add (with a tanh as its last module) takes
the 0/1 targets of the mse loss, as the engine does, and a tanh output ±1; --seed draws the
engine's weights in the design's layer order; ResNet-20 (batchnorm) trains an epoch on
2 processes and writes weights `nn-designer predict` loads.

Each run costs seconds of start-up, so runs are shared between the tests (module fixtures)."""
from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.cli import main  # noqa: E402
from designer.engine.net import EngineNet  # noqa: E402
from designer.model import load_model, load_weights, loads, save_weights  # noqa: E402
from torchrun_support import assert_same_run, history, train_py  # noqa: E402


def design(name, layers):
    return {"format": "nn-designer", "version": 2, "name": name, "layers": layers}


# No batchnorm or dropout, so the contract is exact; average pools, so no max-pool tie can make
# float32 choose another element than the engine.
RESIDUAL = design("tiny residual", [
    {"type": "input", "width": 8, "height": 8, "depth": 1},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1},
    {"type": "relu", "id": "a"},
    {"type": "conv", "filters": 6, "kernel": 3, "stride": 2, "padding": 1},
    {"type": "relu"},
    {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "id": "main"},
    {"type": "conv", "inputs": ["a"], "filters": 6, "kernel": 1, "stride": 2, "id": "shortcut"},
    {"type": "add", "inputs": ["main", "shortcut"]},
    {"type": "relu", "id": "r"},
    {"type": "conv", "filters": 3, "kernel": 1, "id": "b1"},
    {"type": "conv", "inputs": ["r"], "filters": 3, "kernel": 3, "padding": 1},
    {"type": "tanh", "id": "b2"},
    {"type": "concat", "inputs": ["b1", "b2", "r"]},
    {"type": "pool", "mode": "avg", "size": 2},
    {"type": "global_pool", "mode": "avg"},
    {"type": "dense", "units": 3},
    {"type": "softmax"}])
# The output is an add, and the last module Net holds is a tanh on one of its branches: the mse
# targets must be the add's (0/1), not a tanh's (±1).
ENDS_IN_ADD = design("ends in an add", [
    {"type": "input", "features": 4},
    {"type": "dense", "units": 3, "id": "d"},
    {"type": "dense", "inputs": [0], "units": 3},
    {"type": "tanh", "id": "t"},
    {"type": "add", "inputs": ["d", "t"]}])
OPTIONS = ["--epochs", "2", "--batch-size", "20", "--lr", "0.05", "--momentum", "0.9", "--weight-decay", "0.001",
           "--schedule", "plateau:patience=0,threshold=1", "--seed", "5"]


def samples(path, shape, classes, n, seed):
    """``n`` random samples of ``shape`` whose class is decided by their mean, as an .npz file."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, *shape)).astype(np.float32)
    means = x.reshape(n, -1).mean(1)
    y = np.searchsorted(np.quantile(means, np.linspace(0, 1, classes + 1)[1:-1]), means)
    np.savez(path, x=x, y=y.astype(np.int64))
    return path


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """name -> (root, design file, data): the exported folder (root/folder), with starting weights
    from another seed than --seed (so that train.py must load them)."""
    root = tmp_path_factory.mktemp("graphs")
    made = {}
    for name, spec, shape, classes in (("residual", RESIDUAL, (1, 8, 8), 3), ("add", ENDS_IN_ADD, (4,), 2)):
        here = root / name
        here.mkdir()
        path = here / "design.json"
        path.write_text(json.dumps(spec))
        save_weights(here / "start.npz", EngineNet(loads(json.dumps(spec)), seed=11).state_dict())
        assert main(["export", str(path), "--to", "torchrun", "--weights", str(here / "start.npz"), "-o",
                     str(here / "folder")]) == 0
        made[name] = here, path, samples(here / "data.npz", shape, classes, 120, seed=len(name))
    return made


@pytest.fixture(scope="module")
def runs(folders):
    """(net, how, dtype) -> folder holding out.npz and history.csv, each run made once."""
    made = {}

    def get(name, how, dtype, *extra):
        key = (name, how, dtype, extra)
        if key not in made:
            root, path, data = folders[name]
            out = root / f"{how}-{dtype}"
            out.mkdir()
            files = ["--out", out / "out.npz", "--history", out / "history.csv"]
            options = [*OPTIONS, "--dtype", dtype, *extra]
            if how == "engine":
                assert main(["train", str(path), "--data", str(data), *options, "--weights", str(root / "start.npz"),
                             "--quiet", *map(str, files)]) == 0
            else:
                train_py(root / "folder", "--data", data, *options, *files,
                         processes=2 if how == "torchrun" else None)
            made[key] = out
        return made[key]

    return get


@pytest.mark.slow
def test_one_plain_process_trains_the_residual_net_as_the_engine_in_float64(runs):
    assert_same_run(runs("residual", "python", "float64"), runs("residual", "engine", "float64"), "float64")


@pytest.mark.slow
def test_torchrun_on_two_processes_trains_the_residual_net_as_the_engine_in_float32(runs):
    assert_same_run(runs("residual", "torchrun", "float32"), runs("residual", "engine", "float32"), "float32")


@pytest.mark.slow
def test_a_net_ending_in_an_add_takes_the_mse_targets_of_an_add(runs):
    """The tanh is Net's last module but not the output: with ±1 targets the weights would differ."""
    assert_same_run(runs("add", "python", "float64", "--loss", "mse"),
                    runs("add", "engine", "float64", "--loss", "mse"), "float64")


def loaded(folder, monkeypatch):
    """(train, model): the folder's train.py and model.py imported here, model.py as train.py
    finds it (the module "model" beside it), forgotten again after the test."""
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.delitem(sys.modules, "model", raising=False)
    spec = importlib.util.spec_from_file_location("train_under_test", folder / "train.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    model = importlib.import_module("model")
    monkeypatch.setitem(sys.modules, "model", model)  # removed at teardown: it was not there before
    return train, model


@pytest.mark.parametrize("name, last, signed", [("add", "add", False), ("residual", "softmax", False)])
def test_the_loss_reads_the_output_layer_not_the_last_module(folders, monkeypatch, name, last, signed):
    root = folders[name][0]
    train, model = loaded(root / "folder", monkeypatch)
    loss = train.Loss(model.Net().double(), "mse", model.INPUT_SHAPE)
    assert loss.signed is signed and loss.folds is (last == "softmax")


def test_a_tanh_output_of_a_branched_net_takes_signed_targets(tmp_path, monkeypatch):
    spec = design("ends in tanh", [*ENDS_IN_ADD["layers"], {"type": "tanh"}])
    path = tmp_path / "design.json"
    path.write_text(json.dumps(spec))
    assert main(["export", str(path), "--to", "torchrun", "-o", str(tmp_path / "folder")]) == 0
    train, model = loaded(tmp_path / "folder", monkeypatch)
    assert train.Loss(model.Net().double(), "mse", model.INPUT_SHAPE).signed


@pytest.mark.parametrize("how", ["default", "he", "xavier"])
def test_initialisation_from_the_seed_draws_the_engines_weights_for_a_branched_net(folders, monkeypatch, how):
    """train.py draws in the design's layer order through LAYERS, as the engine's graph does (the
    runs above start from weights, so this is where --seed without --weights is checked)."""
    root, path, _ = folders["residual"]
    train, model = loaded(root / "folder", monkeypatch)
    net = model.Net().double()
    train.initialise(net, model.LAYERS, how, 4)
    want = EngineNet(load_model(str(path)), np.float64, seed=4, init=how).state_dict()
    got = {f"{i}.{key}": value.numpy() for i, name in model.LAYERS.items()
           for key, value in net.get_submodule(name).state_dict().items()}
    assert sorted(got) == sorted(want)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


@pytest.mark.slow
def test_resnet20_trains_an_epoch_on_two_processes_and_predict_loads_its_weights(tmp_path, capsys):
    data = samples(tmp_path / "tiny.npz", (3, 32, 32), 10, 24, seed=7)
    assert main(["export", "resnet20", "--to", "torchrun", "-o", str(tmp_path / "folder")]) == 0
    done = train_py(tmp_path / "folder", "--data", data, "--epochs", "1", "--batch-size", "8", "--lr", "0.01",
                    "--val-split", "0.25", "--out", tmp_path / "out.npz", "--history", tmp_path / "history.csv",
                    processes=2)
    assert done.stdout.strip().startswith("Trained 1 epoch")
    network = load_model("resnet20")
    arrays = load_weights(tmp_path / "out.npz", network)
    assert set(arrays) == set(EngineNet(network).state_dict())
    bn = next(i for i, layer in enumerate(network.layers) if layer.type == "batchnorm")
    assert not np.allclose(arrays[f"{bn}.running_var"], 1.0)  # the batch statistics were kept
    capsys.readouterr()
    assert main(["predict", "resnet20", "--weights", str(tmp_path / "out.npz"), "--data", str(data), "-o",
                 str(tmp_path / "pred.npy")]) == 0
    out = np.load(tmp_path / "pred.npy")
    assert out.shape == (24, 10) and np.all(np.isfinite(out))
    assert [row["epoch"] for row in history(tmp_path / "history.csv")] == ["1"]
