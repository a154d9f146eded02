"""Engine layers: one class per layer kind of ``designer.model.KINDS``."""
from __future__ import annotations

from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Sign, Tanh
from .base import Identity, Layer, engine_shape
from .conv import Conv
from .dense import Dense, Flatten
from .dropout import Dropout
from .global_pool import GlobalPool
from .maxout import Maxout
from .merge import Add, Concat, MergeLayer
from .normalisation import LRN, BatchNorm
from .pool import Pool
from .softmax import Softmax, softmax

LAYER_CLASSES = {cls.type: cls for cls in (
    Identity, Conv, Pool, GlobalPool, Dense, Flatten, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Sign,
    Maxout, Dropout, LRN, BatchNorm, Softmax, Add, Concat)}


def make_layer(type_: str, cfg: dict, in_shapes: list, out_shape, dtype=None) -> Layer:
    """The engine layer for a model layer: its resolved settings, the model shapes (W, H, D) of
    its inputs (a list, empty for the input layer) and of its output. A merge layer is given
    every input shape, any other layer the first."""
    import numpy as np

    from ...model import KINDS
    from ..init import start_value
    cls = LAYER_CLASSES[type_]
    dtype = np.float32 if dtype is None else dtype
    if issubclass(cls, MergeLayer):
        layer = cls(cfg, list(in_shapes), out_shape, dtype)
    else:
        layer = cls(cfg, in_shapes[0] if in_shapes else None, out_shape, dtype)
    # The arrays come from the kind's one declaration (the weights file's names and PyTorch's
    # layouts), at their start values until ``init.initialise`` draws the weights.
    kind = KINDS[type_]
    layer.params = {name: np.full(shape, start_value(name, shape), dtype) for name, shape in
                    (kind.param_shapes(cfg, in_shapes) or {}).items()}
    layer.buffers = {name: np.full(shape, start_value(name, shape), dtype) for name, shape in
                     (kind.buffer_shapes(cfg, in_shapes) or {}).items()}
    return layer


__all__ = ["LAYER_CLASSES", "Layer", "MergeLayer", "make_layer", "engine_shape", "softmax"] + [
    c.__name__ for c in LAYER_CLASSES.values()]
