"""Softmax and log-softmax over features (or channels), dim 1. Cross-entropy folds a final
softmax or log-softmax into the loss instead of running this layer's backward (see losses)."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical


def softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


class Softmax(Layer):
    type = "softmax"

    def forward(self, x, train=False):
        out = softmax(batch_last(x), axis=0)
        return logical(out), out

    def backward(self, dout, out):
        d = batch_last(dout)
        return logical(out * (d - (d * out).sum(axis=0, keepdims=True))), {}


def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    """x − max − log Σ e^(x − max): finite wherever x is, however small the probability."""
    shifted = x - x.max(axis=axis, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


class LogSoftmax(Layer):
    type = "log_softmax"

    def forward(self, x, train=False):
        out = log_softmax(batch_last(x), axis=0)
        return logical(out), out

    def backward(self, dout, out):
        # dx = dout − softmax·Σ dout, softmax = e^out
        d = batch_last(dout)
        return logical(d - np.exp(out) * d.sum(axis=0, keepdims=True)), {}
