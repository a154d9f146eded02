"""The NumPy engine: layers, the network runner, losses, initialisation, SGD, the training loop
and its checkpoints, the settings of a run (no Qt)."""
from .losses import LOSSES, LossError, cross_entropy, make_targets, mse
from .net import EngineError, EngineNet
from .optim import SGD

# Imported on first use: the training loop and its helpers are not needed to run a network.
_AUGMENT = ("Augment",)
_MEMORY = ("memory_problem",)
_PROCESS = ("engine_running",)
_PROGRESS = ("BatchProgress", "EpochProgress", "Finished", "clock_text", "write_history")
_SETTINGS = ("SETTING", "Setting", "cli_settings", "defaults", "panel_settings")
_TRAINING = ("TrainConfig", "Trainer", "predicted_classes")


def __getattr__(name):
    if name in _AUGMENT:
        from . import augment as module
    elif name in _MEMORY:
        from . import memory as module
    elif name in _PROCESS:
        from . import process as module
    elif name in _PROGRESS:
        from . import progress as module
    elif name in _SETTINGS:
        from . import settings as module
    elif name in _TRAINING:
        from . import training as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(module, name)


__all__ = ["EngineNet", "EngineError", "SGD", "LOSSES", "LossError", "cross_entropy",
           "make_targets", "mse",
           "checkpoint",  # a module: ckpt.load, ckpt.data_spec
           *_AUGMENT, *_MEMORY, *_PROCESS, *_PROGRESS, *_SETTINGS, *_TRAINING]
