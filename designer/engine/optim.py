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


class SGD:
    def __init__(self, params: dict, lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        self.params = params  # key -> the live arrays, updated in place
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocity = {k: np.zeros(w.shape, w.dtype) for k, w in params.items()}

    def step(self, grads: dict) -> None:
        """Apply one update from ``grads`` (key -> ∂E/∂w)."""
        for key, w in self.params.items():
            g = grads[key]
            v = self.velocity[key]
            t = w.dtype.type
            if self.weight_decay:
                g = g + t(self.weight_decay) * w
            if self.momentum:
                v *= t(self.momentum)
                v -= t(self.lr) * g
            else:
                np.multiply(g, t(-self.lr), out=v)
            w += v

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
