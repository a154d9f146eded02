"""Weight initialisation, deterministic by the generator it is given.

* ``default``: PyTorch's default for Linear and Conv2d — kaiming_uniform(a=√5), which is
  U(−1/√fan_in, 1/√fan_in) for the weight, and the same range for the bias.
* ``he``: N(0, 2/fan_in) weights (kaiming_normal, ReLU gain), zero bias.
* ``xavier``: U(−a, a), a = √(6/(fan_in + fan_out)) (xavier_uniform), zero bias.

Batchnorm always starts at scale 1, shift 0, running mean 0, running variance 1. Numbers are drawn
in float64 and cast, so a float32 and a float64 net from one seed hold the same values.
"""
from __future__ import annotations

import math

import numpy as np

from ..errors import UserError

INITS = ("default", "he", "xavier")


def initialise(layer, how: str, rng: np.random.Generator) -> None:
    """Fill ``layer.params`` in place (a no-op for layers without parameters)."""
    if how not in INITS:
        raise UserError(f'unknown initialisation "{how}"; choose one of {", ".join(INITS)}')
    if not layer.params or layer.type == "batchnorm":
        return
    w = layer.params["weight"]
    fan_in, fan_out = layer.fans()
    if how == "default":
        bound = 1 / math.sqrt(fan_in)
        w[...] = rng.uniform(-bound, bound, w.shape)
        if "bias" in layer.params:
            layer.params["bias"][...] = rng.uniform(-bound, bound, layer.params["bias"].shape)
        return
    if how == "he":
        w[...] = rng.normal(0.0, math.sqrt(2.0 / fan_in), w.shape)
    else:
        a = math.sqrt(6.0 / (fan_in + fan_out))
        w[...] = rng.uniform(-a, a, w.shape)
    if "bias" in layer.params:
        layer.params["bias"][...] = 0
