"""The torchrun training folder, run: `torchrun --standalone --nproc_per_node=2 train.py` on CPU and a
one-process `python train.py` give `nn-designer train`'s weights and history (the contract of
docs/cli.md: 1e-4 relative in float32, 1e-9 in float64) for LeNet-5 on 2,000 MNIST images with the
plateau schedule and weight decay; a run stopped after epoch 1 and resumed ends where the
uninterrupted one does; an image folder streams through DataLoader workers; AlexNet's recipe
(dropout, batchnorm, augmentation) runs on 2 processes and writes weights the app loads.

Each run costs seconds of start-up, so runs are shared between the tests (module fixtures)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.cli import main  # noqa: E402
from designer.engine.data.idx import read_idx  # noqa: E402
from designer.engine.net import EngineNet  # noqa: E402
from designer.model import load_model, load_weights, loads, save_weights  # noqa: E402
from data_support import write_idx_pair  # noqa: E402
from torchrun_support import assert_same_run, history, train_py  # noqa: E402

OPTIONS = ["--epochs", "2", "--batch-size", "64", "--lr", "0.01", "--momentum", "0.9", "--weight-decay", "0.0005",
           "--schedule", "plateau:patience=0,threshold=1", "--seed", "3"]


@pytest.fixture(scope="module")
def mnist2k(mnist_dir, tmp_path_factory):
    """The first 2,000 test images of MNIST, as IDX files of their own (gzipped, as published)."""
    folder = tmp_path_factory.mktemp("mnist2k")
    images = read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz", 2051, "images")[:2000]
    labels = read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz", 2049, "labels")[:2000]
    write_idx_pair(folder, images, labels, prefix="train")
    return folder


@pytest.fixture(scope="module")
def lenet(tmp_path_factory):
    """LeNet-5's training folder, exported with starting weights (which train.py then starts from)."""
    root = tmp_path_factory.mktemp("lenet")
    start = root / "start.npz"
    save_weights(start, EngineNet(load_model("lenet5"), seed=11).state_dict())
    assert main(["export", "lenet5", "--to", "torchrun", "--weights", str(start), "-o", str(root / "folder")]) == 0
    return root


@pytest.fixture(scope="module")
def runs(lenet, mnist2k):
    """name -> folder holding out.npz and history.csv, each run made once, when first asked for."""
    made = {}

    def get(name):
        if name not in made:
            out = lenet / name
            out.mkdir()
            files = ["--out", out / "out.npz", "--history", out / "history.csv"]
            kind, dtype = name.split("-")
            if kind == "engine":
                assert main(["train", "lenet5", "--data", str(mnist2k), *OPTIONS, "--dtype", dtype, "--weights",
                             str(lenet / "start.npz"), "--quiet", *map(str, files)]) == 0
            elif kind == "torchrun":
                train_py(lenet / "folder", "--data", mnist2k, *OPTIONS, "--dtype", dtype, "--checkpoint",
                         out / "run.ckpt", *files, processes=2)
            elif kind == "python":
                train_py(lenet / "folder", "--data", mnist2k, *OPTIONS, "--dtype", dtype, *files)
            else:  # resumed: stopped after epoch 1, then continued from its checkpoint to epoch 2
                train_py(lenet / "folder", "--data", mnist2k, *OPTIONS, "--dtype", dtype, "--epochs", "1",
                         "--checkpoint", out / "run.ckpt", processes=2)
                train_py(lenet / "folder", "--resume", out / "run.ckpt", "--epochs", "2", "--checkpoint",
                         out / "run.ckpt", *files, processes=2)
            made[name] = out
        return made[name]

    return get


@pytest.mark.slow
def test_torchrun_on_two_processes_gives_the_engines_weights_and_history(runs):
    assert_same_run(runs("torchrun-float32"), runs("engine-float32"), "float32")


@pytest.mark.slow
def test_one_plain_process_gives_the_engines_weights_and_history_in_float64(runs):
    assert_same_run(runs("python-float64"), runs("engine-float64"), "float64")


@pytest.mark.slow
def test_a_run_stopped_after_epoch_1_and_resumed_ends_as_the_uninterrupted_one(runs):
    resumed, whole = runs("resumed-float32"), runs("torchrun-float32")
    got, want = np.load(resumed / "out.npz"), np.load(whole / "out.npz")
    assert all(np.array_equal(got[k], want[k]) for k in want.files)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in rows]  # noqa: E731
    assert strip(history(resumed / "history.csv")) == strip(history(whole / "history.csv"))
    saved = torch.load(resumed / "run.ckpt")
    assert len(saved["history"]) == 2 and saved["settings"]["schedule"] == "plateau:patience=0,threshold=1"
    # The plateau read the validation accuracy of all the samples (both processes'): epoch 1 set the
    # best, epoch 2 could not beat it by the threshold of 1, so the rate was divided by 10 after it.
    assert saved["schedule"]["best"] == float(history(whole / "history.csv")[0]["val_acc"])
    assert saved["schedule"]["lr"] == pytest.approx(0.001) and saved["schedule"]["bad_epochs"] == 0


@pytest.mark.slow
def test_the_trained_weights_load_in_nn_designer(runs, mnist2k, capsys):
    out = runs("torchrun-float32") / "out.npz"
    assert main(["predict", "lenet5", "--weights", str(out), "--data", str(mnist2k), "-o",
                 str(out.with_name("pred.npy"))]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert set(load_weights(out, load_model("lenet5"))) == set(EngineNet(load_model("lenet5")).state_dict())


TINY = {"format": "nn-designer", "version": 1, "name": "tiny", "layers": [
    {"type": "input", "width": 12, "height": 10, "depth": 1},
    {"type": "conv", "filters": 4, "kernel": 3}, {"type": "relu"}, {"type": "pool", "size": 2},
    {"type": "dense", "units": 2}]}
RECIPE = {"format": "nn-designer", "version": 1, "name": "small AlexNet", "layers": [
    {"type": "input", "width": 24, "height": 24, "depth": 3},
    {"type": "conv", "filters": 6, "kernel": 5, "padding": 2}, {"type": "batchnorm"}, {"type": "relu"},
    {"type": "pool", "size": 2}, {"type": "dense", "units": 16}, {"type": "relu"},
    {"type": "dropout", "rate": 0.5}, {"type": "dense", "units": 2}, {"type": "softmax"}]}


def image_folder(root, n, size, rgb, seed=0):
    """``n`` generated PNGs in two class folders: bright squares and dark ones, with noise."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    for i in range(n):
        label = i % 2
        pixels = rng.integers(0, 90, (*size, 3)).astype(np.uint8) + (120 if label else 0)
        folder = root / ("bright" if label else "dark")
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels if rgb else pixels[:, :, 0]).save(folder / f"{i:03d}.png")
    return root


@pytest.mark.slow
def test_an_image_folder_streams_through_two_workers_as_the_engine_reads_it(tmp_path):
    data = image_folder(tmp_path / "images", 200, (10, 12), rgb=False)
    design = tmp_path / "tiny.json"
    design.write_text(json.dumps(TINY))
    assert main(["export", str(design), "--to", "torchrun", "-o", str(tmp_path / "folder")]) == 0
    options = ["--data", data, "--epochs", "2", "--batch-size", "20", "--lr", "0.05", "--dtype", "float64",
               "--seed", "1"]
    (tmp_path / "engine").mkdir()
    (tmp_path / "streamed").mkdir()
    assert main(["train", str(design), *map(str, options), "--quiet", "--out", str(tmp_path / "engine" / "out.npz"),
                 "--history", str(tmp_path / "engine" / "history.csv")]) == 0
    done = train_py(tmp_path / "folder", *options, "--workers", "2", "--out", tmp_path / "streamed" / "out.npz",
                    "--history", tmp_path / "streamed" / "history.csv")
    assert done.stdout.startswith("Trained 2 epochs: validation accuracy")
    assert_same_run(tmp_path / "streamed", tmp_path / "engine", "float64")


@pytest.mark.slow
def test_alexnets_recipe_with_dropout_and_batchnorm_runs_on_two_processes(tmp_path):
    data = image_folder(tmp_path / "images", 40, (30, 32), rgb=True, seed=2)  # resized and cropped to 24×24
    design = tmp_path / "alexnet-small.json"
    design.write_text(json.dumps(RECIPE))
    assert main(["export", str(design), "--to", "torchrun", "-o", str(tmp_path / "folder")]) == 0
    done = train_py(tmp_path / "folder", "--data", data, "--epochs", "2", "--batch-size", "8", "--lr", "0.01",
                    "--momentum", "0.9", "--weight-decay", "0.0005", "--schedule", "plateau", "--augment",
                    "crop=4,flip", "--workers", "1", "--out", tmp_path / "out.npz", "--history",
                    tmp_path / "history.csv", processes=2)
    assert done.stdout.strip().startswith("Trained 2 epochs")
    assert done.stderr.count("epoch 2/2:") == 1  # only rank 0 reports
    network = loads(json.dumps(RECIPE))
    arrays = load_weights(tmp_path / "out.npz", network)
    assert {"1.weight", "2.running_mean", "2.running_var", "8.bias"} <= set(arrays)
    assert not np.allclose(arrays["2.running_var"], 1.0)  # the batch statistics were kept
    net = EngineNet(network)
    net.load_state_dict(arrays)
    out = net.predict(np.random.default_rng(0).random((3, 3, 24, 24), dtype=np.float32))
    assert np.all(np.isfinite(out)) and np.allclose(out.sum(axis=1), 1, atol=1e-5)
    assert [row["epoch"] for row in history(tmp_path / "history.csv")] == ["1", "2"]


@pytest.mark.slow
def test_a_diverging_run_stops_where_the_engines_does(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "points.npz", x=(rng.normal(size=(40, 2)) * 1e5).astype(np.float32), y=rng.integers(0, 2, 40))
    design = tmp_path / "line.json"
    design.write_text(json.dumps({"format": "nn-designer", "version": 1, "name": "line", "layers": [
        {"type": "input", "features": 2}, {"type": "dense", "units": 2}]}))
    assert main(["export", str(design), "--to", "torchrun", "-o", str(tmp_path / "folder")]) == 0
    options = ["--data", tmp_path / "points.npz", "--epochs", "5", "--batch-size", "10", "--lr", "1e10", "--loss",
               "mse", "--dtype", "float64", "--val-split", "0"]
    for name in ("engine", "ours"):
        (tmp_path / name).mkdir()
    def files(name):
        return ["--out", tmp_path / name / "out.npz", "--history", tmp_path / name / "history.csv"]
    assert main(["train", str(design), *map(str, options), "--quiet", *map(str, files("engine"))]) == 1
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    done = subprocess.run([sys.executable, str(tmp_path / "folder" / "train.py"), *map(str, options + files("ours"))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "NaN or infinite in epoch 3" in done.stdout
    assert_same_run(tmp_path / "ours", tmp_path / "engine", "float64")  # two epochs, then the same weights


@pytest.mark.slow
def test_bad_input_is_one_sentence_with_status_2(lenet, tmp_path):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    (tmp_path / "x.npz").write_bytes(b"")
    np.savez(tmp_path / "x.npz", x=np.zeros((4, 3, 5, 5), np.float32), y=np.zeros(4, np.int64))
    done = subprocess.run([sys.executable, str(lenet / "folder" / "train.py"), "--data", str(tmp_path / "x.npz")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.startswith("train.py: ") and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

