"""Inverted dropout: in training each value is kept with probability 1 − rate and scaled by
1/(1 − rate), so evaluation is the identity. The mask comes from the net's random generator."""
from __future__ import annotations


from .base import Layer, batch_last, logical


class Dropout(Layer):
    type = "dropout"  # in evaluation its output is its input: keeps_output stays True

    def forward(self, x, train=False):
        rate = self.cfg["rate"]
        if not train or rate == 0:
            return x, None
        keep = 1.0 - rate
        m = batch_last(x)
        mask = (self.rng.random(m.shape, dtype=self.dtype) < keep) * self.dtype.type(1.0 / keep)
        return logical(m * mask), mask

    def backward(self, dout, mask):
        if mask is None:
            return dout, {}
        return logical(batch_last(dout) * mask), {}
