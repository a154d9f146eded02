"""Every layer kind's shape rule (designer.model) equals the shape its engine forward produces,
for several settings each. Model shapes are (W, H, D) / (n,); engine arrays (N, D, H, W) / (N, n)."""
from __future__ import annotations

import pytest
from engine_checks_support import CASES, check_rule_equals_forward

from designer.model import KINDS


def test_every_kind_is_covered():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("type_,cfg,in_shape",
                         [(t, c, s) for t, cases in CASES.items() for c, s in cases], ids=str)
@pytest.mark.parametrize("train", [False, True], ids=["eval", "train"])
def test_rule_equals_forward(type_, cfg, in_shape, train):
    check_rule_equals_forward(type_, cfg, in_shape, train)
