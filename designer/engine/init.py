"""Weight initialisation, deterministic by the generator it is given.

* ``default``: PyTorch's default for Linear and Conv2d — kaiming_uniform(a=√5), which is
  U(−1/√fan_in, 1/√fan_in) for the weight, and the same range for the bias.
* ``he``: N(0, 2/fan_in) weights (kaiming_normal, ReLU gain), zero bias.
* ``xavier``: U(−a, a), a = √(6/(fan_in + fan_out)) (xavier_uniform), zero bias.

Only a weight with fans (a matrix or a filter bank) is drawn, with its bias. Every other array the
kind declares starts at a constant, whatever ``how`` says: a scale (a weight of one value per
channel, batchnorm's γ; scale_shift's ``scale``) and a running variance at 1, anything else
(shifts, running means) at 0 — unless the layer's class sets its own (``Layer.started``: layer
scale's γ starts at its ``init``).
Numbers are drawn in float64 and cast, so a float32 and a float64 net from one seed hold the same
values.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import UserError

INITS = ("default", "he", "xavier")


CHUNK = 1 << 20  # values drawn at a time: AlexNet's 38 M-weight layer never exists in float64


def fill(a: np.ndarray, draw) -> None:
    """a[...] = draw(shape) in float64, cast; row blocks keep the float64 copy small (the
    generator's stream is the same whether it is drawn at once or in pieces)."""
    rows = a.reshape(a.shape[0], -1) if a.ndim > 1 else a.reshape(1, -1)
    step = max(1, CHUNK // max(1, rows.shape[1]))
    for start in range(0, rows.shape[0], step):
        block = rows[start:start + step]
        block[...] = draw(block.shape)


def start_value(name: str, shape: tuple) -> float:
    """The constant an array of the kind's declaration starts at, before any drawing."""
    return 1.0 if name in ("running_var", "scale") or (name == "weight" and len(shape) == 1) else 0.0


def initialise(layer, how: str, rng: np.random.Generator) -> None:
    """Draw a weight with fans and its bias in place (``make_layer`` started every array at its
    ``start_value``)."""
    if how not in INITS:
        raise UserError(f'unknown initialisation "{how}"; choose one of {", ".join(INITS)}')
    w = layer.params.get("weight")
    if w is None or w.ndim < 2:
        return
    fan_in, fan_out = layer.fans()
    if how == "default":
        bound = 1 / math.sqrt(fan_in)
        fill(w, lambda shape: rng.uniform(-bound, bound, shape))
        if "bias" in layer.params:
            fill(layer.params["bias"], lambda shape: rng.uniform(-bound, bound, shape))
        return
    if how == "he":
        fill(w, lambda shape: rng.normal(0.0, math.sqrt(2.0 / fan_in), shape))
    else:
        a = math.sqrt(6.0 / (fan_in + fan_out))
        fill(w, lambda shape: rng.uniform(-a, a, shape))
    if "bias" in layer.params:
        layer.params["bias"][...] = 0
