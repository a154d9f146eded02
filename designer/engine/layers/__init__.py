"""Engine layers: one class per layer kind of ``designer.model.KINDS``, in ``LAYER_CLASSES``.

A class registers itself by setting ``type`` (``base.Layer.__init_subclass__``), so a new kind's
class in one of these modules is all the engine needs; a new module is imported here.
"""
from __future__ import annotations

# Every module holding layer classes, imported so that its classes register.
from . import (activations, channel_scale, channels, conv, dense, dropout, global_pool, maxout,  # noqa: F401
               modern_activations, normalisation, pool)
from .base import LAYER_CLASSES, Layer
from .merge import MergeLayer
from .softmax import softmax


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
    layer.started()
    return layer


__all__ = ["LAYER_CLASSES", "Layer", "MergeLayer", "make_layer", "softmax"]
