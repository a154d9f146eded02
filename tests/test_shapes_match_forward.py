"""Every layer kind's shape rule (designer.model) equals the shape its engine forward produces,
for several settings each. Model shapes are (W, H, D) / (n,); engine arrays (N, D, H, W) / (N, n)."""
from __future__ import annotations

import numpy as np
import pytest

from designer.model import KINDS
from designer.engine.layers import engine_shape, make_layer

VOLUME, VECTOR = (9, 7, 4), (12,)

CASES = {
    "input": [({"width": 9, "height": 7, "depth": 4}, None), ({"features": 12}, None)],
    "conv": [({"filters": 3}, VOLUME), ({"filters": 2, "kernel": [2, 4], "stride": [2, 1]}, VOLUME),
             ({"filters": 5, "kernel": 3, "padding": "same"}, VOLUME),
             ({"filters": 2, "kernel": 4, "padding": "same", "stride": 2}, VOLUME),
             ({"filters": 1, "kernel": [3, 1], "padding": [1, 2], "stride": 3}, VOLUME),
             ({"filters": 6, "kernel": 5, "padding": 2}, (28, 28, 1))],
    "pool": [({"mode": m, **cfg}, VOLUME) for m in ("max", "avg", "l2")
             for cfg in ({}, {"size": 3, "stride": 2}, {"size": [2, 3], "stride": [1, 2]})]
            + [({"mode": m, "size": 3, "stride": 2, "padding": 1}, VOLUME) for m in ("max", "avg")]
            + [({"mode": "max", "size": 3, "stride": 2}, (55, 55, 2))],
    "dense": [({"units": 5}, VOLUME), ({"units": 3, "bias": False}, VECTOR)],
    "flatten": [({}, VOLUME), ({}, VECTOR)],
    "maxout": [({"pieces": 2}, VOLUME), ({"pieces": 3}, VECTOR), ({"pieces": 4}, VOLUME)],
    "lrn": [({}, VOLUME), ({"size": 2}, VECTOR)],
    "batchnorm": [({}, VOLUME), ({}, VECTOR)],
    "dropout": [({"rate": 0.5}, VOLUME), ({}, VECTOR)],
}
for _t in ["leaky_relu", "elu", "softmax"] + [t for t, k in KINDS.items() if k.family == "activation" and not k.keys]:
    CASES[_t] = [({}, VOLUME), ({}, VECTOR)]  # every activation without settings, new ones too


def test_every_kind_is_covered():
    # Every kind the engine runs (the merges join here once the engine has them).
    from designer.engine.layers import LAYER_CLASSES
    assert set(CASES) == set(KINDS) & (set(LAYER_CLASSES) | {"input"})


@pytest.mark.parametrize("type_,cfg,in_shape",
                         [(t, c, s) for t, cases in CASES.items() for c, s in cases], ids=str)
@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_rule_equals_forward(type_, cfg, in_shape, train):
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    outcome = kind.rule(resolved, [in_shape])
    assert not outcome.errors, outcome.errors
    layer = make_layer(type_, resolved, in_shape, outcome.shape, np.float32)
    batch = 2
    x_shape = engine_shape(outcome.shape if type_ == "input" else in_shape)
    x = np.random.default_rng(0).normal(size=(batch,) + x_shape).astype(np.float32)
    out, _ = layer.forward(x, train)
    assert out.shape == (batch,) + engine_shape(outcome.shape)
    assert out.dtype == np.float32
