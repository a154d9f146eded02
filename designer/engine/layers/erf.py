"""The error function in NumPy (which has none), for the exact GELU x·Φ(x) = x·(1 + erf(x/√2))/2.

W. J. Cody's rational approximations (SPECFUN's CALERF, Math. Comp. 23, 1969): erf on
|x| ≤ 0.46875, erfc = e^(−x²)·R(x) on 0.46875 < |x| ≤ 4 and an asymptotic form beyond, each
accurate to about one unit in the last place of a float64; e^(−x²) is split into two factors
as Cody does, so the large-|x| tail keeps its relative accuracy. It is computed in the array's
own dtype: float32 for training, float64 for the gradient checks.
"""
from __future__ import annotations

import numpy as np

_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
      3.20937758913846947e03, 1.85777706184603153e-1)
_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
      2.84423683343917062e03)
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)
_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
      1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
      6.05183413124413191e-2, 2.33520497626869185e-3)
_SQRPI = 5.6418958354775628695e-1  # 1/√π
_SMALL, _MIDDLE = 0.46875, 4.0
_BIG = 6.0  # erfc(6) < 2.2e-17: erf is ±1 in float64 beyond


def _small(x: np.ndarray) -> np.ndarray:
    z = x * x
    num, den = _A[4] * z, z
    for i in range(3):
        num = (num + _A[i]) * z
        den = (den + _B[i]) * z
    return x * (num + _A[3]) / (den + _B[3])


def _exp_square(y: np.ndarray) -> np.ndarray:
    """e^(−y²) as e^(−t²)·e^(−(y − t)(y + t)) with t = y rounded down to 1/16 (Cody's split)."""
    t = np.floor(y * 16) / 16
    return np.exp(-t * t) * np.exp(-(y - t) * (y + t))


def _erfc_middle(y: np.ndarray) -> np.ndarray:
    num, den = _C[8] * y, y
    for i in range(7):
        num = (num + _C[i]) * y
        den = (den + _D[i]) * y
    return _exp_square(y) * (num + _C[7]) / (den + _D[7])


def _erfc_large(y: np.ndarray) -> np.ndarray:
    z = 1 / (y * y)
    num, den = _P[5] * z, z
    for i in range(4):
        num = (num + _P[i]) * z
        den = (den + _Q[i]) * z
    r = z * (num + _P[4]) / (den + _Q[4])
    return _exp_square(y) * (_SQRPI - r) / y


def erf(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise, a new array of x's dtype (float32 or float64)."""
    x = np.asarray(x)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float64)
    x = x.astype(dtype, copy=False)
    out = np.empty_like(x)
    y = np.abs(x)
    small = y <= _SMALL
    out[small] = _small(x[small])
    middle = (y > _SMALL) & (y <= _MIDDLE)
    large = (y > _MIDDLE) & (y < _BIG)
    sign = np.sign(x)
    out[middle] = sign[middle] * (1 - _erfc_middle(y[middle]))
    out[large] = sign[large] * (1 - _erfc_large(y[large]))
    beyond = y >= _BIG
    out[beyond] = sign[beyond]
    out[np.isnan(x)] = np.nan  # no mask above holds a NaN
    return out
