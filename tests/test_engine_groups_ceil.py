"""Grouped convolutions and ceil-mode pooling in the engine: float64 gradient checks, and
forward outputs and gradients equal to PyTorch's Conv2d(groups=g) and MaxPool2d / AvgPool2d /
LPPool2d(ceil_mode=True). The layers are built directly from resolved settings and explicit
shapes, independent of the catalogue's shape rules."""
from __future__ import annotations

import numpy as np
import pytest

from engine_checks_support import (GROUP_CASES, MODES, check_ceil_pool_gradients, check_ceil_pool_matches_torch,
                                   check_grouped_conv_gradients, check_grouped_conv_matches_torch, pool_layer,
                                   torch_and_functional)

from designer.engine.layers.pool import ceil_size


@pytest.mark.parametrize("cfg", GROUP_CASES, ids=str)
def test_grouped_conv_gradients(cfg):
    check_grouped_conv_gradients(cfg)


@pytest.mark.parametrize("cfg", GROUP_CASES, ids=str)
def test_grouped_conv_matches_torch(cfg):
    check_grouped_conv_matches_torch(cfg)


@pytest.mark.parametrize("mode,cfg", MODES, ids=str)
def test_ceil_pool_gradients(mode, cfg):
    check_ceil_pool_gradients(mode, cfg)


@pytest.mark.parametrize("mode,cfg", MODES, ids=str)
def test_ceil_pool_matches_torch(mode, cfg):
    check_ceil_pool_matches_torch(mode, cfg)


@pytest.mark.parametrize("size,k,s,p", [(7, 2, 2, 0), (6, 3, 2, 1), (5, 2, 2, 1), (7, 4, 3, 2), (8, 2, 2, 0)])
def test_ceil_size_matches_torch(size, k, s, p):
    torch, F = torch_and_functional()
    x = torch.zeros(1, 1, size, size)
    assert ceil_size(size, k, s, p, True) == F.max_pool2d(x, k, s, p, ceil_mode=True).shape[-1]
    assert ceil_size(size, k, s, p, False) == F.max_pool2d(x, k, s, p).shape[-1]


def test_ceil_off_is_the_floor_rule():
    layer = pool_layer((7, 6, 1), mode="avg", size=2, ceil=False)
    out, _ = layer.forward(np.ones((1, 1, 6, 7)), False)
    assert out.shape == (1, 1, 3, 3)
