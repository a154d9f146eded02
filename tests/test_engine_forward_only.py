"""Evaluation-mode (forward-only) passes compute what training-mode passes compute, without
what only a backward pass reads (a max pool's indices of its windows' largest values)."""
from __future__ import annotations

import numpy as np
import pytest
import engine_checks_support as checks

MAX_CASES = checks.POOL_CASES + [dict(size=3, stride=2, padding=1, ceil=True), dict(size=2, dilation=2),
                                 dict(size=[2, 3], stride=[2, 1], ceil=True)]


@pytest.mark.parametrize("cfg", MAX_CASES, ids=str)
def test_an_evaluation_max_pool_equals_the_training_one_and_keeps_no_indices(cfg):
    layer = checks.build("pool", (7, 6, 3), mode="max", **cfg)
    layer.reuse_buffers = True  # as in a net, whose evaluation passes drop their caches
    x = np.random.default_rng(0).normal(size=(5, 3, 6, 7))
    x[0, 0] = -np.inf if "padding" in cfg else x[0, 0]  # a window of -inf only: still -inf, not the fill
    x[1, 1, 0, 0] = np.nan  # NaN propagates alike
    trained, (idx, _) = layer.forward(x, True)
    evaluated, (none, _) = layer.forward(x, False)
    assert idx is not None and none is None
    np.testing.assert_array_equal(evaluated, trained)
