"""The engine's process-wide settings (designer/engine/process.py) belong to a context that a run
or a benchmark enters: building a net, exporting or a Learn lesson change nothing in the process;
a run applies them while it runs and leaves the process as it found it."""
from __future__ import annotations

import pytest

from designer.commands.bench import bench
from designer.engine import blas, heap, process
from designer.engine.data import load_data
from designer.engine.net import EngineNet
from designer.engine.training import TrainConfig, Trainer
from designer.export import export_network
from designer.model import load_model

needs_blas = pytest.mark.skipif(blas.blas_threads() is None, reason="no OpenBLAS to ask")


@pytest.fixture(autouse=True)
def threads_put_back():
    found = blas.blas_threads()
    yield
    if found is not None:
        blas.set_blas_threads(found)
    assert not process.entered()


def process_state():
    return blas.blas_threads(), heap.kept(), process.entered()


@needs_blas
def test_building_nets_and_exporting_change_nothing_in_the_process(tmp_path):
    blas.set_blas_threads(blas.training_threads() + 1)
    before = process_state()
    assert before[1:] == (False, False)
    EngineNet(load_model("lenet5"), seed=0).state_dict()
    pytest.importorskip("onnx")
    export_network(load_model("lenet5"), "onnx", tmp_path / "m.onnx")
    assert process_state() == before


@needs_blas
def test_a_run_holds_the_settings_while_it_runs_and_restores_them():
    found = blas.training_threads() + 1
    blas.set_blas_threads(found)
    trainer = Trainer(load_model("perceptron"), load_data("blobs:60"),
                      TrainConfig(epochs=2, batch_size=16, loss="mse"))
    inside = [(blas.blas_threads(), heap.kept() or heap._glibc() is None, process.entered())
              for _event in trainer.run()]
    assert set(inside) == {(blas.training_threads(), True, True)}
    assert process_state() == (found, False, False)


@needs_blas
def test_a_benchmark_keeps_the_heap_settings_and_the_processs_blas_threads(monkeypatch):
    found = blas.training_threads() + 1
    blas.set_blas_threads(found)
    seen = []
    real = heap.keep_freed_memory

    def keep():
        seen.append(blas.blas_threads())
        return real()

    monkeypatch.setattr(heap, "keep_freed_memory", keep)
    bench(load_model("perceptron"), batch_size=8, steps=2, warmup=1)
    assert seen == [found] and process_state() == (found, False, False)


def test_nested_users_share_one_setting_the_last_restores():
    with process.engine_running():
        with process.engine_running(training=False):
            assert process.entered()
        assert process.entered()
    assert not process.entered() and not heap.kept()
