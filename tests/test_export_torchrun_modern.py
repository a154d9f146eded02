"""The torchrun training folder of a network of the new layers (the activations, layer norm
over channels and over features, layer scale, scale_shift, a final log_softmax trained as NLL),
run by one plain `python train.py` in float64: `nn-designer train`'s weights and history to 1e-9;
and train.py refuses mse for a log_softmax output, as the engine does."""
from __future__ import annotations

import json

import pytest

torch = pytest.importorskip("torch")

from designer.cli import main  # noqa: E402
from designer.engine.net import EngineNet  # noqa: E402
from designer.model import loads, save_weights  # noqa: E402
from test_export_torchrun_graph import OPTIONS, samples  # noqa: E402
from torchrun_support import assert_same_run, train_py  # noqa: E402

MODERN = {"format": "nn-designer", "version": 2, "name": "modern", "layers": [
    {"type": "input", "width": 6, "height": 6, "depth": 2},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1},
    {"type": "layer_norm", "eps": 1e-6},
    {"type": "gelu"},
    {"type": "layer_scale", "init": 0.5},
    {"type": "hardswish"},
    {"type": "conv", "filters": 4, "kernel": 3, "stride": 2, "groups": 4},
    {"type": "scale_shift"},
    {"type": "relu6"},
    {"type": "flatten"},
    {"type": "dense", "units": 8},
    {"type": "silu"},
    {"type": "layer_norm"},
    {"type": "hardtanh", "min_val": -2.0, "max_val": 2.0},
    {"type": "gelu", "approximate": "tanh"},
    {"type": "hardsigmoid"},
    {"type": "dense", "units": 3},
    {"type": "log_softmax"}]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    here = tmp_path_factory.mktemp("modern")
    path = here / "design.json"
    path.write_text(json.dumps(MODERN))
    save_weights(here / "start.npz", EngineNet(loads(json.dumps(MODERN)), seed=11).state_dict())
    assert main(["export", str(path), "--to", "torchrun", "--weights", str(here / "start.npz"), "-o",
                 str(here / "folder")]) == 0
    return here, path, samples(here / "data.npz", (2, 6, 6), 3, 120, seed=3)


@pytest.mark.slow
def test_train_py_trains_the_modern_layers_as_the_engine_in_float64(folder):
    root, path, data = folder
    outs = {}
    for how in ("engine", "python"):
        out = outs[how] = root / how
        out.mkdir()
        files = ["--out", out / "out.npz", "--history", out / "history.csv"]
        options = [*OPTIONS, "--dtype", "float64"]
        if how == "engine":
            assert main(["train", str(path), "--data", str(data), *options, "--weights", str(root / "start.npz"),
                         "--quiet", *map(str, files)]) == 0
        else:
            train_py(root / "folder", "--data", data, *options, *files)
    assert_same_run(outs["python"], outs["engine"], "float64")


@pytest.mark.slow
def test_train_py_refuses_mse_for_a_log_softmax_output_in_one_sentence(folder):
    import os
    import subprocess
    import sys
    root, _path, data = folder
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, str(root / "folder" / "train.py"), "--data", str(data), "--loss", "mse",
                           "--epochs", "1", "--out", str(root / "mse.npz")], env=env, cwd=root / "folder",
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "ends in log_softmax" in done.stderr and "--loss cross_entropy" in done.stderr
