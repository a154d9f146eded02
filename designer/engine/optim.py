"""Stochastic gradient descent in the course's form.

    Δw(n) = −η·(∂E/∂w + λ·w) + α·Δw(n−1),   w ← w + Δw(n)

with learning rate η (``lr``, may change between steps), momentum α and L2 weight decay λ.
The optimizer keeps Δw(n−1) per parameter (its *velocity*).

PyTorch's SGD keeps v ← μ·v + (g + λw) and steps w ← w − lr·v. With a constant learning rate the
two are the same (Δw = −lr·v); when the rate changes, PyTorch rescales the remembered momentum by
the new rate, the course's form keeps the step that was taken.
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError

CHUNK = 1 << 16  # values per chunk of the update: the largest temporary is this, not a weight


class SGD:
    def __init__(self, params: dict, lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        self.params = params  # key -> the live arrays, updated in place
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocity = {k: np.zeros(w.shape, w.dtype) for k, w in params.items()}

    def step(self, grads: dict) -> bool:
        """Apply one update from ``grads`` (key -> ∂E/∂w), unless it would make a weight NaN or
        infinite (a non-finite gradient, or an overflow): then no weight changes and False is
        returned (the velocities hold the refused step: ``reset()`` them). The weights are never
        copied: the velocities are computed first, then every w + Δw is checked in chunks, then
        applied, so a diverging run keeps its last good weights without a copy of them."""
        scratch = None
        for key, w in self.params.items():
            g, v = grads[key].reshape(-1), self.velocity[key].reshape(-1)
            t = w.dtype.type
            flat = w.reshape(-1)
            if scratch is None or scratch.dtype != w.dtype:
                scratch = np.empty(min(CHUNK, max(v.size for v in self.velocity.values())), w.dtype)
            for lo in range(0, v.size, CHUNK):
                hi = min(v.size, lo + CHUNK)
                s = scratch[:hi - lo]
                if self.weight_decay:  # the same rounding as (g + λw)·η, without a weight-sized temporary
                    np.multiply(flat[lo:hi], t(self.weight_decay), out=s)
                    s += g[lo:hi]
                else:
                    s[...] = g[lo:hi]
                if self.momentum:
                    v[lo:hi] *= t(self.momentum)
                    s *= t(self.lr)
                    v[lo:hi] -= s
                else:
                    np.multiply(s, t(-self.lr), out=v[lo:hi])
                np.add(flat[lo:hi], v[lo:hi], out=s)
                if not np.isfinite(s).all():
                    return False
        for key, w in self.params.items():
            w += self.velocity[key]
        return True

    def reset(self) -> None:
        """Forget the remembered steps: every velocity becomes 0 (in place)."""
        for v in self.velocity.values():
            v.fill(0)

    def state_dict(self) -> dict:
        """The velocities (Δw of the last step), key -> array copy."""
        return {k: v.copy() for k, v in self.velocity.items()}

    def load_state_dict(self, state: dict) -> None:
        for key, v in self.velocity.items():
            if key not in state:
                raise UserError(f'the optimizer state has no velocity for "{key}"')
            src = np.asarray(state[key])
            if src.shape != v.shape:
                raise UserError(f'the optimizer velocity "{key}" has shape {list(src.shape)}, '
                                 f'expected {list(v.shape)}')
            np.copyto(v, src, casting="same_kind")
