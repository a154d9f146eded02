"""The README's small residual network (docs/examples/mnist-resnet.json: two residual blocks,
the second with a strided 1×1 projection shortcut, batchnorm) trained with ``nn-designer train``
on the real MNIST test file (10,000 images; 80/20 split, seed 0) with the README's recipe reaches
at least 98.5 % validation accuracy. Skips when ../shared/data/mnist is absent."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from designer.cli import main
from designer.model import load_model

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "mnist-resnet.json"
# The recipe the README gives.
RECIPE = ["--epochs", "10", "--batch-size", "64", "--lr", "0.05", "--momentum", "0.9",
          "--weight-decay", "5e-4", "--schedule", "step:step_size=7,gamma=0.1", "--augment", "shift=2",
          "--val-split", "0.2",
          "--seed", "0"]


def test_the_example_is_a_residual_network():
    network = load_model(str(EXAMPLE))
    report = network.report()
    assert not report.problems
    adds = [info for info in report.layers if info.type == "add"]
    assert len(adds) == 2
    # the first block's shortcut is the identity, the second's a strided 1×1 convolution
    assert network.layers[adds[0].sources[1]].type == "pool"
    shortcut = network.layers[adds[1].sources[1] - 1]
    assert shortcut.type == "conv" and shortcut.resolved()["kernel"] == 1 and shortcut.resolved()["stride"] == 2


@pytest.mark.slow
@pytest.mark.timeout(900)  # under a minute on 2 idle cores; generous for a busy machine
def test_the_small_resnet_reaches_98_5_percent_on_mnist(mnist_dir, tmp_path, capsys):
    history = tmp_path / "history.csv"
    code = main(["train", str(EXAMPLE), "--data", str(mnist_dir), *RECIPE, "--history", str(history),
                 "--out", str(tmp_path / "w.npz"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    rows = list(csv.DictReader(history.open()))
    assert len(rows) == 10
    acc = float(rows[-1]["val_acc"])
    assert acc >= 0.985, f"validation accuracy {acc:.4f} after 10 epochs"
    print(f"small ResNet on MNIST: {out.strip()}")
