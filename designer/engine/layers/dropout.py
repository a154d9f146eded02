"""Inverted dropout: in training each value is kept with probability 1 − rate and scaled by
1/(1 − rate), so evaluation is the identity. The mask comes from the net's random generator."""
from __future__ import annotations

import numpy as np

from .base import Layer


class Dropout(Layer):
    type = "dropout"

    def forward(self, x, train=False):
        rate = self.cfg["rate"]
        if not train or rate == 0:
            return x, None
        keep = 1.0 - rate
        mask = (self.rng.random(x.shape, dtype=self.dtype) < keep) * self.dtype.type(1.0 / keep)
        return x * mask, mask

    def backward(self, dout, mask):
        if mask is None:
            return dout, {}
        return dout * mask, {}
