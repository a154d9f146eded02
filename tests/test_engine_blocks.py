"""The block-by-block, multi-threaded paths of the engine (designer/engine/blocks.py).

The layers split their element-wise work, im2col/col2im and pooling into blocks run on a small
thread pool, but only for large batches; the gradient checks use small ones. Here blocks are
made tiny and the threshold zero, so that the same gradient checks, PyTorch equality tests and
shape-rule tests run through the split, threaded path."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import engine_checks_support as checks

from designer.engine import blocks


@pytest.fixture
def tiny_blocks(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 5)
    monkeypatch.setattr(blocks, "MIN_SPLIT", 0)
    # every core, whatever the BLAS takes: the threaded paths run even where it takes them all
    monkeypatch.setattr(blocks, "_threads", max(2, blocks.usable_cores()))


def test_blockwise_covers_the_range_once_in_several_threads(tiny_blocks):
    seen = np.zeros(300, int)
    names = set()
    lock = threading.Lock()

    def run(a, z):
        time.sleep(0.001)  # long enough for the helper thread to take pieces too
        with lock:
            seen[a:z] += 1
            names.add(threading.current_thread().name)
    blocks.blockwise(run, 300, unit=3)
    assert (seen == 1).all()
    assert len(names) > 1


def test_helpers_leave_the_cores_the_blas_takes(monkeypatch):
    """Block threads: the cores the BLAS threads leave, plus the caller's; all of them when the
    BLAS cannot be asked; set_threads overrides."""
    monkeypatch.setattr(blocks, "usable_cores", lambda: 8)
    for blas_threads, expected in ((8, 1), (7, 2), (1, 8), (None, 8), (16, 1)):
        monkeypatch.setattr(blocks, "blas_threads", lambda b=blas_threads: b)
        assert blocks.cores() == expected, blas_threads
    try:
        blocks.set_threads(3)
        assert blocks.cores() == 3
    finally:
        blocks.set_threads(None)


def test_blockwise_does_not_wait_for_a_helper_that_never_starts(tiny_blocks, monkeypatch):
    """On a busy machine a helper may start late: the caller takes every piece itself."""
    class Idle:
        def submit(self, fn):
            return None  # the helper never runs
    monkeypatch.setattr(blocks, "cores", lambda: 2)
    monkeypatch.setattr(blocks, "pool", lambda: Idle())
    seen = np.zeros(100, int)
    blocks.blockwise(lambda a, z: seen.__setitem__(slice(a, z), seen[a:z] + 1), 100)
    assert (seen == 1).all()


def test_blockwise_raises_what_a_block_raised(tiny_blocks):
    def run(a, z):
        if a <= 500 < z:
            raise ValueError("block failed")
    with pytest.raises(ValueError, match="block failed"):
        blocks.blockwise(run, 1000)


def test_blockwise_runs_small_work_in_one_piece():
    pieces = []
    blocks.blockwise(lambda a, z: pieces.append((a, z)), 10)
    assert pieces == [(0, 10)]


@pytest.mark.parametrize("cfg", checks.CONV_CASES, ids=str)
def test_conv_gradients_in_blocks(tiny_blocks, cfg):
    checks.check_conv(cfg)


@pytest.mark.parametrize("cfg", checks.GROUP_CASES, ids=str)
def test_grouped_conv_in_blocks(tiny_blocks, cfg):
    checks.check_grouped_conv_gradients(cfg)


@pytest.mark.parametrize("cfg", checks.GROUP_CASES, ids=str)
@pytest.mark.slow
def test_grouped_conv_in_blocks_matches_torch(tiny_blocks, cfg):
    checks.check_grouped_conv_matches_torch(cfg)


@pytest.mark.parametrize("mode,cfg", [(m, c) for m in ("max", "avg", "l2") for c in checks.POOL_CASES
                                      if not (m == "l2" and "padding" in c)], ids=str)
@pytest.mark.slow
def test_pool_gradients_in_blocks(tiny_blocks, mode, cfg):
    checks.check_pool(mode, cfg)


@pytest.mark.parametrize("mode,cfg", checks.MODES, ids=str)
@pytest.mark.slow
def test_ceil_pool_in_blocks(tiny_blocks, mode, cfg):
    checks.check_ceil_pool_gradients(mode, cfg)


@pytest.mark.parametrize("mode,cfg", checks.MODES, ids=str)
def test_ceil_pool_in_blocks_matches_torch(tiny_blocks, mode, cfg):
    checks.check_ceil_pool_matches_torch(mode, cfg)


@pytest.mark.parametrize("type_,cfg", [
    ("relu", {}), ("leaky_relu", {"alpha": 0.2}), ("leaky_relu", {"alpha": 1.5}), ("elu", {"alpha": 0.7}),
    ("elu", {"alpha": 2.0}), ("sigmoid", {}), ("tanh", {}), ("maxout", {"pieces": 2}),
    ("batchnorm", {"momentum": 0.1})], ids=str)
@pytest.mark.parametrize("shape", [(3, 2, 6), (6,)], ids=["volume", "vector"])
@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_pointwise_gradients_in_blocks(tiny_blocks, type_, cfg, shape, train):
    checks.check_pointwise(type_, cfg, shape, train)


@pytest.mark.parametrize("type_,cfg,in_shape",
                         [(t, c, s) for t, cases in checks.CASES.items() for c, s in cases], ids=str)
def test_rule_equals_forward_in_blocks(tiny_blocks, type_, cfg, in_shape):
    checks.check_rule_equals_forward(type_, cfg, in_shape, True)


@pytest.mark.slow
def test_whole_net_in_blocks(tiny_blocks):
    checks.check_whole_net("cross_entropy", "softmax")


@pytest.fixture
def rebuilt_columns(monkeypatch):
    """Every convolution works a single output row at a time (as a large one does a tile of
    rows): it keeps only its input and rebuilds each tile's columns in backward."""
    from designer.engine.layers import conv
    monkeypatch.setattr(conv, "TILE", 1)


@pytest.mark.parametrize("cfg", checks.CONV_CASES, ids=str)
def test_conv_gradients_with_rebuilt_columns(rebuilt_columns, cfg):
    checks.check_conv(cfg)


@pytest.mark.parametrize("cfg", checks.GROUP_CASES, ids=str)
def test_grouped_conv_with_rebuilt_columns(rebuilt_columns, cfg):
    checks.check_grouped_conv_matches_torch(cfg)


def test_whole_net_with_rebuilt_columns(rebuilt_columns):
    checks.check_whole_net("cross_entropy", "softmax")


def test_set_threads_limits_the_helpers(tiny_blocks):
    names = set()
    try:
        blocks.set_threads(1)
        blocks.blockwise(lambda a, z: names.add(threading.current_thread().name), 50)
    finally:
        blocks.set_threads(None)
    assert names == {threading.current_thread().name}
