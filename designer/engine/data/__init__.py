"""Data sets for the NumPy engine: built-in generated sets and readers for MNIST-format IDX,
CIFAR-10/100 batches, image folders, NPZ and CSV files.

``load_data(spec, seed=0, progress=None) -> Dataset`` reads or generates; ``check_fits`` and
``check_outputs`` tie a data set to a network; ``suggest_input`` gives the input layer that fits;
``split`` makes the validation set. Every bad file raises ``DataError`` (a ``UserError``).
"""
from .builtin import BUILTIN_SETS, DEFAULT_SIZES, MAX_SIZE, make_builtin, parse_builtin
from .dataset import DataError, Dataset, check_fits, check_outputs, suggest_input
from .loader import load_data
from .split import split

__all__ = ["BUILTIN_SETS", "DEFAULT_SIZES", "MAX_SIZE", "parse_builtin", "DataError", "Dataset", "check_fits", "check_outputs", "load_data",
           "make_builtin", "split", "suggest_input"]
