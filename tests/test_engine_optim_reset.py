"""SGD.reset forgets the remembered steps in place; a diverged run uses it."""
from __future__ import annotations

import numpy as np

from designer.engine.optim import SGD


def test_reset_zeroes_the_velocities_in_place():
    w = {"0.weight": np.ones((2, 3), np.float32), "0.bias": np.ones(2, np.float32)}
    opt = SGD(w, lr=0.1, momentum=0.9)
    opt.step({k: np.full_like(v, 2.0) for k, v in w.items()})
    arrays = dict(opt.velocity)
    assert all(v.any() for v in arrays.values())
    opt.reset()
    assert all(opt.velocity[k] is arrays[k] and not arrays[k].any() for k in arrays)
    before = {k: v.copy() for k, v in w.items()}
    opt.step({k: np.ones_like(v) for k, v in w.items()})  # a plain step, as after a fresh start
    for k in w:
        np.testing.assert_allclose(w[k], before[k] - 0.1)
