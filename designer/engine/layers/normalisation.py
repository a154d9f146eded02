"""Local response normalisation (exactly torch.nn.LocalResponseNorm) and batch normalisation
(torch.nn.BatchNorm1d / BatchNorm2d)."""
from __future__ import annotations

import numpy as np

from .base import Layer


def channel_window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[:, c] = sum of a[:, c − before … c + after] over channels, zero outside."""
    c = a.shape[1]
    padded = np.zeros((a.shape[0], c + before + after) + a.shape[2:], a.dtype)
    padded[:, before:before + c] = a
    out = padded[:, 0:c].copy()
    for t in range(1, before + after + 1):
        out += padded[:, t:t + c]
    return out


class LRN(Layer):
    """b_c = a_c / (k + α/n · Σ a_c'²)^β, the sum over the n channels c − n//2 … c + (n−1)//2."""

    type = "lrn"

    def forward(self, x, train=False):
        n, alpha, beta, k = self.cfg["size"], self.cfg["alpha"], self.cfg["beta"], self.cfg["k"]
        s = channel_window_sum(x * x, n // 2, (n - 1) // 2)
        s *= self.dtype.type(alpha / n)
        s += self.dtype.type(k)
        scale = s ** self.dtype.type(-beta)
        out = x * scale
        return out, (x, s, scale)

    def backward(self, dout, cache):
        x, s, scale = cache
        n, alpha, beta = self.cfg["size"], self.cfg["alpha"], self.cfg["beta"]
        inner = dout * x * scale / s
        back = channel_window_sum(inner, (n - 1) // 2, n // 2)
        dx = dout * scale - self.dtype.type(2 * alpha * beta / n) * x * back
        return dx, {}


class BatchNorm(Layer):
    """Training: batch mean and biased variance normalise; the running variance takes the
    unbiased one (n/(n−1), skipped when a channel has a single value), weighted by momentum as
    PyTorch. Evaluation: the running statistics."""

    type = "batchnorm"

    def __init__(self, cfg, in_shape, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shape, out_shape, dtype)
        d = self.in_shape[0]
        self.params["weight"] = np.ones(d, self.dtype)
        self.params["bias"] = np.zeros(d, self.dtype)
        self.buffers["running_mean"] = np.zeros(d, self.dtype)
        self.buffers["running_var"] = np.ones(d, self.dtype)

    def fans(self) -> tuple:
        d = self.in_shape[0]
        return d, d

    @staticmethod
    def _axes(x):
        return (0,) + tuple(range(2, x.ndim))

    def _bcast(self, v, x):
        return v.reshape((1, -1) + (1,) * (x.ndim - 2))

    def forward(self, x, train=False):
        eps, m = self.cfg["eps"], self.cfg["momentum"]
        axes = self._axes(x)
        if train:
            count = x.size // x.shape[1]
            mean = x.mean(axis=axes)
            xc = x - self._bcast(mean, x)
            var = (xc * xc).mean(axis=axes)
            unbiased = var * (count / (count - 1)) if count > 1 else var
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= self.dtype.type(1 - m)
            rm += self.dtype.type(m) * mean
            rv *= self.dtype.type(1 - m)
            rv += (self.dtype.type(m) * unbiased).astype(self.dtype)
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
            xc = x - self._bcast(mean, x)
        inv = (1 / np.sqrt(var + self.dtype.type(eps))).astype(self.dtype)
        xhat = xc * self._bcast(inv, x)
        out = xhat * self._bcast(self.params["weight"], x) + self._bcast(self.params["bias"], x)
        return out, (xhat, inv, train)

    def backward(self, dout, cache):
        xhat, inv, train = cache
        axes = self._axes(dout)
        grads = {"weight": (dout * xhat).sum(axis=axes), "bias": dout.sum(axis=axes)}
        g = self._bcast(self.params["weight"] * inv, dout)
        if not train:
            return dout * g, grads
        count = dout.size // dout.shape[1]
        dx = (dout - self._bcast(grads["bias"] / count, dout)
              - xhat * self._bcast(grads["weight"] / count, dout)) * g
        return dx, grads
