"""The exact linear-separability test for labelled points of the plane.

Two finite sets are strictly separable by a line iff some direction d puts every + point's
projection d·x above every − point's. The order of the projections only changes where d is
normal to the line through two points, so the circle of directions falls into arcs on which
the answer is constant: testing one direction inside every arc decides the question exactly
(up to floating point) in O(n³) for n points.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

_CHUNK = 4096  # directions tested at once


@dataclass(frozen=True)
class Separability:
    """``separable``; when it is, ``w`` and ``b`` of a line with every + point on its positive
    side (w·x + b > 0) and every − point on its negative side, centred in the widest gap found."""
    separable: bool
    w: Optional[np.ndarray] = None
    b: float = 0.0


def _critical_angles(x: np.ndarray) -> np.ndarray:
    """The directions (angles in [0, 2π)) normal to a line through two distinct points."""
    i, j = np.triu_indices(len(x), k=1)
    diff = x[j] - x[i]
    diff = diff[np.any(diff != 0, axis=1)]
    along = np.arctan2(diff[:, 1], diff[:, 0])
    normal = np.concatenate([along + np.pi / 2, along - np.pi / 2])
    return np.unique(np.mod(normal, 2 * np.pi))


def _candidate_angles(x: np.ndarray) -> np.ndarray:
    """One angle inside each arc between consecutive critical angles (wrapping round)."""
    crit = _critical_angles(x)
    if len(crit) == 0:
        return np.array([0.0, np.pi])
    nxt = np.append(crit[1:], crit[0] + 2 * np.pi)
    mids = (crit + nxt) / 2
    return mids if len(crit) > 1 else np.array([crit[0] + np.pi / 2, crit[0] - np.pi / 2])


def linear_separability(x, t) -> Separability:
    """Whether the points ``x`` (n, 2) with targets ``t`` (n,) in {−1, +1} are strictly separable
    by a line, and such a line if they are. A set with one class (or none) is separable."""
    x = np.asarray(x, dtype=np.float64).reshape(-1, 2)
    t = np.asarray(t).reshape(-1)
    pos, neg = x[t > 0], x[t <= 0]
    if len(pos) == 0 or len(neg) == 0:
        # every point on one side of a line far away
        side = 1.0 if len(neg) == 0 else -1.0
        far = float(np.abs(x).max(initial=0.0)) + 1.0
        return Separability(True, np.array([0.0, side]), side * far)
    scale = float(np.abs(x).max()) or 1.0
    best_gap, best = 0.0, None
    angles = _candidate_angles(x)
    for lo in range(0, len(angles), _CHUNK):
        a = angles[lo:lo + _CHUNK]
        d = np.stack([np.cos(a), np.sin(a)], axis=1)          # (k, 2)
        low_pos = (pos @ d.T).min(axis=0)                      # (k,)
        high_neg = (neg @ d.T).max(axis=0)
        gap = low_pos - high_neg
        k = int(np.argmax(gap))
        if gap[k] > best_gap:
            best_gap, best = float(gap[k]), (d[k], float(low_pos[k] + high_neg[k]) / 2)
    if best is None or best_gap <= 1e-12 * scale:
        return Separability(False)
    d, middle = best
    return Separability(True, d.copy(), -middle)


def is_linearly_separable(x, t) -> bool:
    return linear_separability(x, t).separable
