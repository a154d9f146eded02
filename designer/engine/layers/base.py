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

Scratch buffers. With ``reuse_scratch`` set (the net sets it), a layer keeps its large scratch
arrays (im2col columns, padded inputs) between calls, one flat buffer per name sized by the
largest request (views of it serve smaller batches); the cache of a forward pass is then only
valid until the layer's next forward, which is how a training step uses it. A layer never
returns a scratch array as its output.
"""
from __future__ import annotations

import threading

import numpy as np

from ...model import array_shape  # model (W, H, D) -> the engine's (D, H, W)


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


_local = threading.local()


def shared_buffer(shape: tuple, dtype, name: str = "") -> np.ndarray:
    """A transient array of ``shape`` from one flat buffer per thread, name and dtype, shared by
    all layers (as large as the largest request); valid until the next call for the same name
    in the same thread."""
    size = int(np.prod(shape))
    key = (name, np.dtype(dtype).str)
    buffers = _local.__dict__.setdefault("buffers", {})
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = None  # free the old one before allocating the larger
        flat = buffers[key] = np.empty(size, dtype)
    return flat[:size].reshape(shape)


# The engine's registry: layer type -> the class that computes it. A class registers itself by
# defining ``type`` (``Layer.__init_subclass__``); ``make_layer`` builds from it.
LAYER_CLASSES: dict = {}


class Layer:
    """One layer of the engine: a subclass that sets ``type`` (a kind of ``designer.model.KINDS``)
    is that kind's class in ``LAYER_CLASSES``. ``make_layer`` allocates ``params`` / ``buffers``."""

    type = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        type_ = cls.__dict__.get("type")  # only a class that names its own kind (not a subclass of one)
        if type_:
            if type_ in LAYER_CLASSES:
                raise TypeError(f"two engine classes for the layer type {type_!r}: "
                                f"{LAYER_CLASSES[type_].__name__} and {cls.__name__}")
            LAYER_CLASSES[type_] = cls

    def __init__(self, cfg: dict, in_shape: tuple, out_shape: tuple, dtype=np.float32):
        self.cfg = cfg
        self.in_shape = array_shape(in_shape) if in_shape is not None else None
        self.out_shape = array_shape(out_shape)
        self.dtype = np.dtype(dtype)
        self.params: dict = {}
        self.buffers: dict = {}
        # False for the first layer that has parameters: nothing before it needs a gradient.
        self.need_dx = True
        # Random generator for layers that draw numbers (dropout); the net sets its own.
        self.rng = np.random.default_rng(0)
        self.reuse_scratch = False
        self._scratch_memory: dict = {}  # name -> flat scratch buffer
        self._shapes: dict = {}   # name -> (shape, fill) last handed out

    # True when the cache of forward() holds the output array itself (so the next layer must
    # not overwrite its input in place).
    keeps_output = True
    # True for a layer that may compute in place, over its input (the net sets ``inplace`` when
    # nothing else references that array): relu and the clipping activations, whose backward
    # pass reads only their output.
    overwrites_input = False

    def scratch(self, name: str, shape: tuple, fill=None) -> np.ndarray:
        """A scratch array of ``shape``. With ``reuse_scratch`` the layer keeps one flat buffer
        per name (grown when a request is larger) and hands out a view of its start, so a name
        never holds more than its largest request; the view is valid until the next request of
        that name. ``fill`` is written whenever the view may not hold it everywhere (a new
        buffer, or a shape other than the last one handed out); with the same shape as last
        time only what the layer itself overwrote has changed (e.g. the inside of a padding)."""
        shape = tuple(int(d) for d in shape)
        if not self.reuse_scratch:
            return np.empty(shape, self.dtype) if fill is None else np.full(shape, fill, self.dtype)
        size = int(np.prod(shape))
        flat = self._scratch_memory.get(name)
        fresh = flat is None or flat.size < size
        if fresh:
            flat = self._scratch_memory[name] = np.empty(size, self.dtype)
        view = flat[:size].reshape(shape)
        if fill is not None and (fresh or self._shapes.get(name) != (shape, fill)):
            view.fill(fill)
        self._shapes[name] = (shape, fill)
        return view

    def pass_buffer(self, name: str, shape: tuple, train: bool, fill=None) -> np.ndarray:
        """A scratch array for what a forward pass keeps for its backward pass (columns, row
        columns, a padded input): in training the layer's own (``scratch``); in evaluation mode
        one buffer per thread shared by every layer (``shared_buffer``, ``fill`` written each
        time), so that a forward-only run (``predict``) holds the largest of them, not one per
        layer, and nothing only a backward pass would read."""
        if train or not self.reuse_scratch:
            return self.scratch(name, shape, fill)
        view = shared_buffer(shape, self.dtype, "forward-only " + name)
        if fill is not None:
            view.fill(fill)
        return view

    def padded_copy(self, name: str, m: np.ndarray, before: tuple, after: tuple, fill, train: bool) -> np.ndarray:
        """The batch-last ``m`` (C, H, W, N) with ``before`` (rows, columns) of ``fill`` above and
        to the left and ``after`` below and to the right, in a ``pass_buffer``: the layer's own
        buffer keeps its border from call to call (written when its shape changes); a shared one
        has only its border strips written, not the whole of it."""
        c, h, w, n = m.shape
        (py, px), (ey, ex) = before, after
        shape = (c, h + py + ey, w + px + ex, n)
        own = train or not self.reuse_scratch
        xp = self.pass_buffer(name, shape, train, fill if own else None)
        if not own:
            xp[:, :py] = fill
            xp[:, py + h:] = fill
            xp[:, py:py + h, :px] = fill
            xp[:, py:py + h, px + w:] = fill
        xp[:, py:py + h, px:px + w] = m
        return xp

    def scratch_bytes(self) -> int:
        """Bytes held by this layer's scratch buffers."""
        return sum(b.nbytes for b in self._scratch_memory.values())

    # Fans for initialisation, as torch.nn.init._calculate_fan_in_and_fan_out.
    def fans(self) -> tuple:
        w = self.params["weight"]
        receptive = int(np.prod(w.shape[2:])) if w.ndim > 2 else 1
        return w.shape[1] * receptive, w.shape[0] * receptive

    def started(self) -> None:
        """Called once its arrays exist at their ``start_value``: a class whose arrays start
        elsewhere (layer scale's γ at its ``init`` setting) sets them here."""

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
