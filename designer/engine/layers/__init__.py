"""Engine layers: one class per layer kind of ``designer.model.KINDS``."""
from __future__ import annotations

from .activations import ELU, LeakyReLU, ReLU, Sigmoid, Sign, Tanh
from .base import Identity, Layer, engine_shape
from .conv import Conv
from .dense import Dense, Flatten
from .dropout import Dropout
from .maxout import Maxout
from .normalisation import LRN, BatchNorm
from .pool import Pool
from .softmax import Softmax, softmax

LAYER_CLASSES = {cls.type: cls for cls in (
    Identity, Conv, Pool, Dense, Flatten, ReLU, LeakyReLU, ELU, Sigmoid, Tanh, Sign, Maxout,
    Dropout, LRN, BatchNorm, Softmax)}


def make_layer(type_: str, cfg: dict, in_shape, out_shape, dtype=None) -> Layer:
    """The engine layer for a model layer: its resolved settings and model shapes (W, H, D)."""
    import numpy as np
    return LAYER_CLASSES[type_](cfg, in_shape, out_shape, np.float32 if dtype is None else dtype)


__all__ = ["LAYER_CLASSES", "Layer", "make_layer", "engine_shape", "softmax"] + [
    c.__name__ for c in LAYER_CLASSES.values()]
