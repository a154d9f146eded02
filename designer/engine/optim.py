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
from .blocks import blockwise


class SGD:
    def __init__(self, params: dict, lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0):
        self.params = params  # key -> the live arrays, updated in place
        self.lr = float(lr)
        self.momentum = float(momentum)
        self.weight_decay = float(weight_decay)
        self.velocity = {k: np.zeros(w.shape, w.dtype) for k, w in params.items()}

    def step(self, grads: dict) -> None:
        """Apply one update from ``grads`` (key -> ∂E/∂w).

        Block by block (``blockwise``): the arithmetic of each element is the same as in whole
        passes, but the temporary stays in the cache and the blocks are shared among the cores,
        which matters for large layers (AlexNet's fc6 holds 38 M weights)."""
        for key, w in self.params.items():
            t = w.dtype.type
            lr, mom, wd = t(self.lr), t(self.momentum), t(self.weight_decay)
            v = self.velocity[key]
            g = grads[key]
            if w.flags.c_contiguous and v.flags.c_contiguous:
                # flat views (a non-contiguous gradient is copied: conv weights, small)
                w, v, g = w.reshape(-1), v.reshape(-1), np.ascontiguousarray(g).reshape(-1)

            def run(a, z, w=w, v=v, g=g, lr=lr, mom=mom, wd=wd):
                w, v, g = w[a:z], v[a:z], g[a:z]
                if wd:
                    g = g + wd * w
                if mom:
                    v *= mom
                    v -= lr * g
                else:
                    np.multiply(g, -lr, out=v)
                w += v
            if w.ndim == 1:
                blockwise(run, w.size)
            else:
                run(0, len(w))

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
