"""LeNet-5 on the real MNIST test file (10,000 images; 80/20 split, seed 0) with the course's
recipe: 15 epochs, lr 0.05, momentum 0.9, batch 64 must reach at least 97 % validation accuracy
(PyTorch reaches 97.4–98.4 % with it). Skips when ../shared/data/mnist is absent."""
from __future__ import annotations

import pytest

from designer.engine.data import load_data
from designer.engine.progress import EpochProgress, Finished
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model


@pytest.mark.slow
@pytest.mark.timeout(900)  # about a minute on 2 idle cores; generous for a busy machine
def test_lenet5_reaches_97_percent_on_mnist(mnist_dir):
    data = load_data(str(mnist_dir))
    assert len(data) == 10000
    config = TrainConfig(epochs=15, batch_size=64, lr=0.05, momentum=0.9, val_split=0.2, seed=0)
    trainer = Trainer(load_model("lenet5"), data, config)
    epochs = []
    for event in trainer.run():
        if isinstance(event, EpochProgress):
            epochs.append(event)
        elif isinstance(event, Finished):
            finished = event
    assert finished.reason == "completed", finished.message
    assert len(epochs) == 15
    last = epochs[-1]
    assert last.confusion.sum() == 2000
    assert last.val_acc >= 0.97, f"validation accuracy {last.val_acc:.4f} after 15 epochs"
    print(f"LeNet-5 on MNIST: validation accuracy {100 * last.val_acc:.2f} % "
          f"({sum(e.seconds for e in epochs):.0f} s)")
