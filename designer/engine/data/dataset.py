"""The data set every reader returns, the one error they raise, and the checks that tie a data set
to a network's input and output layers.

Arrays are channels-first, as in the engine: images are ``x`` of shape (N, D, H, W), float32 in
[0, 1]; vectors are (N, F), float32, numeric values as given. ``y`` is either int64 (N,) class
labels (0, 1, 2, ...) or float32 (N, k) target vectors.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from designer.errors import UserError
from designer.model import plural

from . import rules


class DataError(UserError):
    """A data set that cannot be used; ``str(e)`` is one sentence naming the file and the problem."""


@dataclass(eq=False)
class Dataset:
    name: str
    x: np.ndarray
    y: np.ndarray
    classes: Optional[list]
    source: str

    def __len__(self) -> int:
        return int(self.x.shape[0])

    @property
    def sample_shape(self) -> tuple:
        """One sample's array shape: (D, H, W) for images, (F,) for vectors."""
        return tuple(self.x.shape[1:])

    @property
    def is_image(self) -> bool:
        return self.x.ndim == 4

    @property
    def volume(self) -> tuple:
        """One sample in the model's notation: (W, H, D) for images, (F,) for vectors."""
        if self.is_image:
            d, h, w = self.sample_shape
            return (w, h, d)
        return self.sample_shape

    @property
    def has_targets(self) -> bool:
        """True when ``y`` holds (N, k) target vectors rather than class labels."""
        return self.y.ndim == 2

    @property
    def num_classes(self) -> int:
        """The number of classes (``len(classes)``, else the largest label + 1); for target
        vectors, their length k (the number of outputs they need)."""
        if self.has_targets:
            return int(self.y.shape[1])
        if self.classes:
            return len(self.classes)
        return int(self.y.max()) + 1 if len(self.y) else 0

    def class_counts(self) -> np.ndarray:
        """How many samples each class has (labels only)."""
        if self.has_targets:
            raise ValueError("a data set of target vectors has no class counts")
        return np.bincount(self.y, minlength=self.num_classes)

    def subset(self, indices) -> "Dataset":
        """The samples at ``indices`` (in that order), as a new Dataset with the same name."""
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        return Dataset(self.name, self.x[idx], self.y[idx], self.classes, self.source)

    def describe(self) -> str:
        """'10000 samples of 28×28×1 images, 10 classes' and the like."""
        what = _data_text(self)
        if self.has_targets:
            tail = f"targets of length {self.y.shape[1]}"
        else:
            tail = plural(self.num_classes, "class", "classes")
        return f"{plural(len(self), 'sample', grouped=True)} of {what}, {tail}"


def _shape_text(shape) -> str:
    return "×".join(str(int(d)) for d in shape)


def _data_text(dataset: Dataset) -> str:
    if dataset.is_image:
        return f"{_shape_text(dataset.volume)} images"
    return f"vectors of {plural(dataset.volume[0], 'feature', grouped=True)}"


def _input_text(shape) -> str:
    if len(shape) == 1:
        return f"a vector of {plural(shape[0], 'feature', grouped=True)}"
    return _shape_text(shape)


def suggest_input(dataset: Dataset) -> dict:
    """The ``input`` layer settings that fit the data: {"width", "height", "depth"} for images,
    {"features"} for vectors (the layer's config, without "type")."""
    if dataset.is_image:
        w, h, d = dataset.volume
        return {"width": int(w), "height": int(h), "depth": int(d)}
    return {"features": int(dataset.volume[0])}


def check_fits(dataset: Dataset, input_shape) -> None:
    """Raise DataError unless one sample of the data is exactly the network's input shape
    (``input_shape`` is the model's (W, H, D) or (n,)); the rule is rules.check_input."""
    layout = dataset.source.partition("images read as ")[2]
    try:
        rules.check_input(dataset.name, dataset.volume, input_shape, layout)
    except rules.DataRefused as e:
        raise DataError(str(e)) from None


def check_outputs(dataset: Dataset, output_shape) -> None:
    """Raise DataError unless the network's last layer (``output_shape`` (n,)) can be trained on the
    data's labels or targets: n outputs for k-vectors with n = k, labels below n, or a single
    output for two classes (rules.check_output)."""
    targets = dataset.y.shape[1] if dataset.has_targets else None
    top = int(dataset.y.max()) + 1 if len(dataset) and targets is None else 0
    try:
        rules.check_output(dataset.name, output_shape, targets, top, dataset.num_classes)
    except rules.DataRefused as e:
        raise DataError(str(e)) from None
