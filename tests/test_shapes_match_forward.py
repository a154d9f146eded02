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
             ({"filters": 6, "kernel": 5, "padding": 2}, (28, 28, 1)),
             ({"filters": 6, "kernel": 3, "groups": 2}, VOLUME), ({"filters": 4, "groups": 4}, VOLUME)],
    "pool": [({"mode": m, **cfg}, VOLUME) for m in ("max", "avg", "l2")
             for cfg in ({}, {"size": 3, "stride": 2}, {"size": [2, 3], "stride": [1, 2]})]
            + [({"mode": m, "size": 3, "stride": 2, "padding": 1}, VOLUME) for m in ("max", "avg")]
            + [({"mode": "max", "size": 3, "stride": 2}, (55, 55, 2))]
            + [({"mode": m, "size": 3, "stride": 2, "ceil": True, **p}, VOLUME) for m in ("max", "avg")
               for p in ({}, {"padding": 1})] + [({"mode": "max", "size": 2, "ceil": True}, (55, 55, 2))],
    "global_pool": [({"mode": "avg"}, VOLUME), ({"mode": "max"}, (5, 3, 2))],
    # merges read a list of shapes
    "add": [({}, [VOLUME, VOLUME]), ({}, [VECTOR] * 3)],
    "concat": [({}, [VOLUME, (9, 7, 2), (9, 7, 1)]), ({}, [VECTOR, (3,)])],
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
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("type_,cfg,in_shape",
                         [(t, c, s) for t, cases in CASES.items() for c, s in cases], ids=str)
@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_rule_equals_forward(type_, cfg, in_shape, train):
    kind = KINDS[type_]
    resolved = kind.resolve(kind.check(cfg))
    shapes = in_shape if isinstance(in_shape, list) else [] if in_shape is None else [in_shape]
    outcome = kind.rule(resolved, shapes)
    assert not outcome.errors, outcome.errors
    layer = make_layer(type_, resolved, shapes, outcome.shape, np.float32)
    batch = 2
    rng = np.random.default_rng(0)
    xs = [rng.normal(size=(batch,) + engine_shape(s)).astype(np.float32) for s in shapes or [outcome.shape]]
    out, _ = layer.forward(xs if kind.is_merge else xs[0], train)
    assert out.shape == (batch,) + engine_shape(outcome.shape)
    assert out.dtype == np.float32
