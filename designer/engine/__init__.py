"""The NumPy engine: layers, the network runner, losses, initialisation, SGD (no Qt)."""
from .losses import LOSSES, LossError, cross_entropy, make_targets, mse
from .net import EngineError, EngineNet
from .optim import SGD

__all__ = ["EngineNet", "EngineError", "SGD", "LOSSES", "LossError", "cross_entropy",
           "make_targets", "mse"]
