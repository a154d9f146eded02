"""Local response normalisation (exactly torch.nn.LocalResponseNorm) and batch normalisation
(torch.nn.BatchNorm1d / BatchNorm2d), batch-last: channels are the first memory axis."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical


def channel_window_sum(a: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[c] = sum of a[c − before … c + after] over the first axis, zero outside."""
    c = a.shape[0]
    padded = np.zeros((c + before + after,) + a.shape[1:], a.dtype)
    padded[before:before + c] = a
    out = padded[0:c].copy()
    for t in range(1, before + after + 1):
        out += padded[t:t + c]
    return out


class LRN(Layer):
    """b_c = a_c / (k + α/n · Σ a_c'²)^β, the sum over the n channels c − n//2 … c + (n−1)//2."""

    type = "lrn"
    keeps_output = False

    def forward(self, x, train=False):
        n, alpha, beta, k = self.cfg["size"], self.cfg["alpha"], self.cfg["beta"], self.cfg["k"]
        m = batch_last(x)
        s = channel_window_sum(m * m, n // 2, (n - 1) // 2)
        s *= self.dtype.type(alpha / n)
        s += self.dtype.type(k)
        scale = s ** self.dtype.type(-beta)
        return logical(m * scale), (m, s, scale)

    def backward(self, dout, cache):
        m, s, scale = cache
        n, alpha, beta = self.cfg["size"], self.cfg["alpha"], self.cfg["beta"]
        d = batch_last(dout)
        inner = d * m * scale / s
        back = channel_window_sum(inner, (n - 1) // 2, n // 2)
        dx = d * scale - self.dtype.type(2 * alpha * beta / n) * m * back
        return logical(dx), {}


class BatchNorm(Layer):
    """Training: batch mean and biased variance normalise; the running variance takes the
    unbiased one (n/(n−1), skipped when a channel has a single value), weighted by momentum as
    PyTorch. Evaluation: the running statistics. Its arrays (``weight``, ``bias``, ``running_mean``,
``running_var``) come from the kind's declaration (``make_layer``)."""

    type = "batchnorm"
    keeps_output = False

    def forward(self, x, train=False):
        eps, mom = self.cfg["eps"], self.cfg["momentum"]
        m = batch_last(x)
        flat = m.reshape(m.shape[0], -1)
        t = self.dtype.type
        if train:
            count = flat.shape[1]
            mean = flat.mean(axis=1)
            xc = flat - mean[:, None]
            var = np.einsum("ij,ij->i", xc, xc) / t(count)
            unbiased = var * t(count / (count - 1)) if count > 1 else var
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= t(1 - mom)
            rm += t(mom) * mean
            rv *= t(1 - mom)
            rv += t(mom) * unbiased
        else:
            mean, var = self.buffers["running_mean"], self.buffers["running_var"]
            xc = flat - mean[:, None]
        inv = (1 / np.sqrt(var + t(eps))).astype(self.dtype)
        xhat = xc * inv[:, None]
        out = xhat * self.params["weight"][:, None] + self.params["bias"][:, None]
        return logical(out.reshape(m.shape)), (xhat, inv, train)

    def backward(self, dout, cache):
        xhat, inv, train = cache
        d = batch_last(dout)
        shape = d.shape
        d = d.reshape(shape[0], -1)
        grads = {"weight": np.einsum("ij,ij->i", d, xhat), "bias": d.sum(axis=1)}
        g = (self.params["weight"] * inv)[:, None]
        if not train:
            return logical((d * g).reshape(shape)), grads
        count = d.shape[1]
        t = self.dtype.type
        dx = (d - (grads["bias"] / t(count))[:, None] - xhat * (grads["weight"] / t(count))[:, None]) * g
        return logical(dx.reshape(shape)), grads
