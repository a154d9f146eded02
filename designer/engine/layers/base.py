"""The base of every engine layer, and helpers shared by the layer modules.

A layer works on channels-first batches: ``(N, D, H, W)`` for volumes, ``(N, n)`` for vectors.
``forward(x, train) -> (out, cache)`` and ``backward(dout, cache) -> (dx, grads)``, where
``grads`` maps parameter names (``weight``, ``bias``) to gradients of the same shapes as
``params``.

Memory layout. Arrays are *logically* channels-first, but the layers store them **batch-last**:
a volume batch lives in memory as ``(D, H, W, N)`` and a vector batch as ``(n, N)``, and what a
layer returns is the transposed view ``np.moveaxis(m, -1, 0)`` with the logical shape. Batch-last
is what NumPy is fastest with here: a convolution's product ``W @ cols`` comes out batch-last
with no transpose, im2col and col2im copy rows of W·N contiguous values, a 2×2 pooling window's
four values are four contiguous runs of N, and a dense layer is ``W @ x`` on the (features, N)
matrix. Every layer accepts any layout (a plain C-ordered array is converted once).

Scratch buffers. With ``reuse_buffers`` set (the net sets it), a layer keeps its large scratch
arrays (im2col columns, padded inputs) between calls; the cache of a forward pass is then only
valid until the layer's next forward, which is how a training step uses it.
"""
from __future__ import annotations

import numpy as np

from ...model.kinds_spatial import padding_of  # noqa: F401  (the layers' padding, as the model resolves it)


def engine_shape(shape: tuple) -> tuple:
    """Model shape (W, H, D) or (n,) -> engine per-sample shape (D, H, W) or (n,)."""
    if len(shape) == 3:
        w, h, d = shape
        return (d, h, w)
    return tuple(shape)


# Axis permutations by number of dimensions (np.moveaxis costs microseconds per call).
_TO_LAST = {nd: tuple(range(1, nd)) + (0,) for nd in range(1, 8)}
_TO_FIRST = {nd: (nd - 1,) + tuple(range(nd - 1)) for nd in range(1, 8)}


def batch_view(x: np.ndarray) -> np.ndarray:
    """Logical (N, ...) -> the (..., N) view (not necessarily contiguous)."""
    return x.transpose(_TO_LAST[x.ndim])


def batch_last(x: np.ndarray) -> np.ndarray:
    """Logical (N, ...) -> C-contiguous (..., N); a free view for our layers' outputs."""
    m = x.transpose(_TO_LAST[x.ndim])
    return m if m.flags.c_contiguous else np.ascontiguousarray(m)


def logical(m: np.ndarray) -> np.ndarray:
    """Batch-last (..., N) -> the logical (N, ...) view."""
    return m.transpose(_TO_FIRST[m.ndim])


class Layer:
    """One layer of the engine. Subclasses set ``params`` / ``buffers`` in ``__init__``."""

    type = ""

    def __init__(self, cfg: dict, in_shape: tuple, out_shape: tuple, dtype=np.float32):
        self.cfg = cfg
        self.in_shape = engine_shape(in_shape) if in_shape is not None else None
        self.out_shape = engine_shape(out_shape)
        self.dtype = np.dtype(dtype)
        self.params: dict = {}
        self.buffers: dict = {}
        # False for the first layer that has parameters: nothing before it needs a gradient.
        self.need_dx = True
        # Random generator for layers that draw numbers (dropout); the net sets its own.
        self.rng = np.random.default_rng(0)
        self.reuse_buffers = False
        self._buffers: dict = {}

    # True when the cache of forward() holds the output array itself (so the next layer must
    # not overwrite its input in place).
    keeps_output = True

    def scratch(self, name: str, shape: tuple, fill=None) -> np.ndarray:
        """A scratch array; with ``reuse_buffers`` the same one is returned while the shape
        holds (``fill`` is applied only when it is new)."""
        if self.reuse_buffers:
            key = (name, shape)
            buf = self._buffers.get(key)
            if buf is not None:
                return buf
            if len(self._buffers) > 8:
                self._buffers.clear()
        buf = np.empty(shape, self.dtype) if fill is None else np.full(shape, fill, self.dtype)
        if self.reuse_buffers:
            self._buffers[key] = buf
        return buf

    # Fans for initialisation, as torch.nn.init._calculate_fan_in_and_fan_out.
    def fans(self) -> tuple:
        w = self.params["weight"]
        receptive = int(np.prod(w.shape[2:])) if w.ndim > 2 else 1
        return w.shape[1] * receptive, w.shape[0] * receptive

    def forward(self, x: np.ndarray, train: bool = False):
        raise NotImplementedError

    def backward(self, dout: np.ndarray, cache):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.cfg})"


class Identity(Layer):
    """The input layer: passes its batch through."""

    type = "input"

    def forward(self, x, train=False):
        return x, None

    def backward(self, dout, cache):
        return dout, {}
