"""Merge layers: ``add`` (element-wise sum of inputs of one shape) and ``concat`` (volumes joined
on depth, vectors joined), batch-last (see ``base``).

A merge layer reads several outputs: ``forward(xs: list, train) -> (out, cache)`` and
``backward(dout, cache) -> (list of dx, one per input, {})``. The dx it returns may be views of
``dout`` (or ``dout`` itself): the net adds them up where an output feeds several layers without
ever writing into one it did not allocate.
"""
from __future__ import annotations

import numpy as np

from ...model import array_shape
from .base import Layer, batch_view, logical


class MergeLayer(Layer):
    """A layer with a list of inputs; ``in_shapes`` are their engine shapes (``in_shape`` the first's)."""

    merge = True
    keeps_output = False  # the output is a new array, and the cache never holds it

    def __init__(self, cfg, in_shapes: list, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shapes[0], out_shape, dtype)
        self.in_shapes = [array_shape(s) for s in in_shapes]


class Add(MergeLayer):
    type = "add"

    def forward(self, xs, train=False):
        # order="C" on the batch-last views: the sum comes out batch-last whatever the inputs' layouts.
        out = np.add(batch_view(xs[0]), batch_view(xs[1]), order="C")
        for x in xs[2:]:
            out += batch_view(x)
        return logical(out), len(xs)

    def backward(self, dout, n):
        return [dout] * n, {}


class Concat(MergeLayer):
    type = "concat"

    def __init__(self, cfg, in_shapes, out_shape, dtype=np.float32):
        super().__init__(cfg, in_shapes, out_shape, dtype)
        # Channels (or features) are the first memory axis: each input is one contiguous block.
        self.bounds = np.cumsum([s[0] for s in self.in_shapes])[:-1].tolist()

    def forward(self, xs, train=False):
        return logical(np.concatenate([batch_view(x) for x in xs], axis=0)), None

    def backward(self, dout, cache):
        return [logical(d) for d in np.split(batch_view(dout), self.bounds, axis=0)], {}


class Mul(MergeLayer):
    """The product of its inputs value by value; an input of engine shape (D, 1, 1) scales every
    position of the (D, H, W) ones (squeeze-and-excitation). Its gradient is dout times the
    product of the other inputs, summed over H×W for a broadcast input."""

    type = "mul"

    def forward(self, xs, train=False):
        views = [batch_view(x) for x in xs]
        out = np.multiply(views[0], views[1], order="C")
        for v in views[2:]:
            if np.broadcast_shapes(out.shape, v.shape) == out.shape:
                out *= v
            else:  # two 1×1×D inputs first, then a W×H×D one
                out = np.multiply(out, v, order="C")
        return logical(out), views

    def backward(self, dout, views):
        d = batch_view(dout)
        dxs = []
        for j, v in enumerate(views):
            g = d.copy()  # a new array per input: the net sums them where an output feeds several
            for k, other in enumerate(views):
                if k != j:
                    g *= other
            if v.shape != g.shape:  # broadcast over H×W: the gradient sums over the positions
                g = g.sum(axis=(1, 2), keepdims=True)
            dxs.append(logical(g))
        return dxs, {}
