"""Local response normalisation (exactly torch.nn.LocalResponseNorm) and batch normalisation
(torch.nn.BatchNorm1d / BatchNorm2d), batch-last: channels are the first memory axis."""
from __future__ import annotations

import numpy as np

from .base import Layer, batch_last, logical
from ..blocks import blockwise


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
    PyTorch. Evaluation: the running statistics.

    Both passes go through the (channels, values) matrix a block of channels at a time
    (``blockwise``): a channel's statistics and its output are computed while its row is in the
    cache, the centred values only as a temporary of the block. The cache of a pass is the
    input, the mean used and inv = 1/√(var + eps). Its arrays (``weight``, ``bias``,
    ``running_mean``, ``running_var``) come from the kind's declaration (``make_layer``).

    ``clip`` (a relu, relu6 or hardtanh layer that is its only reader, ``plan``'s clips):
    each block of the output is clipped as it is written, the output is kept in the cache, and
    backward first passes each block of the gradient only where the output lies strictly
    inside the bounds, as the activation's own backward pass would."""

    type = "batchnorm"
    keeps_output = False

    def forward(self, x, train=False, clip=None):
        eps, mom = self.cfg["eps"], self.cfg["momentum"]
        m = batch_last(x)
        flat = m.reshape(m.shape[0], -1)
        rows, count = flat.shape
        t = self.dtype.type
        w, b = self.params["weight"], self.params["bias"]
        out = np.empty_like(flat)
        inv = np.empty(rows, self.dtype)
        mean = np.empty(rows, self.dtype) if train else self.buffers["running_mean"]
        var = np.empty(rows, self.dtype) if train else self.buffers["running_var"]

        def run(a, z):
            if train:
                np.mean(flat[a:z], axis=1, out=mean[a:z])
                xc = flat[a:z] - mean[a:z, None]
                var[a:z] = np.einsum("ij,ij->i", xc, xc) / t(count)
            inv[a:z] = 1 / np.sqrt(var[a:z] + t(eps))
            # y = x·α + β with α = weight·inv, β = bias − mean·α, as PyTorch's CPU kernel
            alpha = w[a:z] * inv[a:z]
            np.multiply(flat[a:z], alpha[:, None], out=out[a:z])
            out[a:z] += (b[a:z] - mean[a:z] * alpha)[:, None]
            if clip is not None:  # the activation after it (plan's clips), while the block is in the cache
                clip.clip_block(out[a:z], out[a:z])
        blockwise(run, rows, count)
        if train:
            unbiased = var * t(count / (count - 1)) if count > 1 else var
            rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
            rm *= t(1 - mom)
            rm += t(mom) * mean
            rv *= t(1 - mom)
            rv += t(mom) * unbiased
        kept = None if clip is None else (out, clip)
        return logical(out.reshape(m.shape)), (flat, mean.copy(), inv, train, kept)

    def backward(self, dout, cache):
        flat, mean, inv, train, kept = cache
        d = batch_last(dout)
        shape = d.shape
        d = d.reshape(shape[0], -1)
        rows, count = d.shape
        t = self.dtype.type
        w = self.params["weight"]
        dw, db = np.empty(rows, self.dtype), np.empty(rows, self.dtype)
        dx = np.empty_like(d)

        def run(a, z):
            # dx = g·(d − mean(d) − x̂·mean(d·x̂)) with g = weight·inv, x̂ = (x − mean)·inv
            xc = flat[a:z] - mean[a:z, None]
            da = d[a:z]
            if kept is not None:  # the clipping activation's gradient first (plan's clips)
                kept[1].gradient_block(dx[a:z], da, kept[0][a:z])
                da = dx[a:z]
            db[a:z] = da.sum(axis=1)
            dw[a:z] = np.einsum("ij,ij->i", da, xc) * inv[a:z]
            g = w[a:z] * inv[a:z]
            np.multiply(da, g[:, None], out=dx[a:z])
            if train:
                dx[a:z] -= (g * db[a:z] / t(count))[:, None]
                xc *= (g * inv[a:z] * dw[a:z] / t(count))[:, None]
                dx[a:z] -= xc
        blockwise(run, rows, count)
        return logical(dx.reshape(shape)), {"weight": dw, "bias": db}
