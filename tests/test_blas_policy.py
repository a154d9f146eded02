"""One BLAS-thread policy for every training run (designer/engine/blas.py): ``Trainer.run()``
applies it while it runs, in the app and on the command line alike, and restores the previous
number of threads when it ends, also when runs overlap."""
from __future__ import annotations

import os

import pytest

from designer.engine import blas
from designer.engine.data import load_data
from designer.engine.training import TrainConfig, Trainer
from designer.model import load_model

pytestmark = pytest.mark.skipif(blas.blas_threads() is None, reason="no OpenBLAS to ask")


@pytest.fixture(autouse=True)
def threads_put_back():
    """These tests set the number of threads themselves: put back the number they found."""
    found = blas.blas_threads()
    yield
    blas.set_blas_threads(found)


def trainer() -> Trainer:
    return Trainer(load_model("perceptron"), load_data("blobs:60"), TrainConfig(epochs=2, batch_size=16, loss="mse"))


def test_a_run_uses_the_policy_and_restores_the_threads_it_found():
    before = blas.training_threads() + 1
    blas.set_blas_threads(before)
    seen = [blas.blas_threads() for _event in trainer().run()]
    assert set(seen) == {blas.training_threads()}
    assert blas.blas_threads() == before


def test_overlapping_runs_restore_once_the_last_one_ends():
    before = blas.training_threads() + 1
    blas.set_blas_threads(before)
    first, second = trainer().run(), trainer().run()
    next(first)
    next(second)
    list(first)                                   # the first ends while the second still runs
    assert blas.blas_threads() == blas.training_threads()
    second.close()                                # abandoned: still restored
    assert blas.blas_threads() == before


def test_the_policy_leaves_one_usable_core_and_counts_the_affinity():
    assert blas.training_threads() == max(1, blas.usable_cores() - 1)
    if hasattr(os, "sched_getaffinity"):
        assert blas.usable_cores() == len(os.sched_getaffinity(0))
