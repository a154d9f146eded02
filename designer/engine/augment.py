"""Image augmentation for training batches, as AlexNet's recipe uses it: random crops of the
image padded with zeros, horizontal flips, and small shifts.

``Augment(crop_padding=P, flip=True, shift=S)(x, rng)`` takes a batch (N, D, H, W) and returns a
new one of the same shape: each image is moved by a random offset (a crop of the image padded by
P on every side is the image moved by −P … P rows and columns; a shift adds −S … S more; what
moves in is zero) and, with ``flip``, mirrored left–right with probability ½. Offsets and flips
are drawn from ``rng`` (a ``numpy.random.Generator``), so the same generator state gives the same
batch. The work is done for the whole batch at once, without a loop over images.

Specs in text, for settings and the command line: ``"crop=4,flip"``, ``"shift=2"``,
``"crop=4,flip,shift=2"``; ``""`` or ``"none"`` is no augmentation.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from designer.errors import UserError


class AugmentError(UserError):
    """An augmentation setting that cannot be used."""


@dataclass(frozen=True)
class Augment:
    crop_padding: int = 0
    flip: bool = False
    shift: int = 0

    def __post_init__(self):
        for key in ("crop_padding", "shift"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise AugmentError(f"the augmentation setting {key} must be a whole number of pixels "
                                   f"from 0, not {value!r}")

    @property
    def enabled(self) -> bool:
        return bool(self.crop_padding or self.shift or self.flip)

    def __call__(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if x.ndim != 4:
            raise AugmentError(f"augmentation works on batches of images (N, D, H, W), not arrays "
                               f"of shape {x.shape}")
        if not self.enabled or len(x) == 0:
            return x.copy()
        n = len(x)
        out = x
        reach = self.crop_padding + self.shift
        if reach:
            dy = np.zeros(n, dtype=np.int64)
            dx = np.zeros(n, dtype=np.int64)
            for r in (self.crop_padding, self.shift):
                if r:
                    dy += rng.integers(-r, r + 1, n)
                    dx += rng.integers(-r, r + 1, n)
            out = translate(x, dy, dx, reach)
        if self.flip:
            mirror = rng.random(n) < 0.5
            if out is x:
                out = x.copy()
            out[mirror] = out[mirror, :, :, ::-1]
        return out

    def to_spec(self) -> str:
        parts = []
        if self.crop_padding:
            parts.append(f"crop={self.crop_padding}")
        if self.flip:
            parts.append("flip")
        if self.shift:
            parts.append(f"shift={self.shift}")
        return ",".join(parts) or "none"

    @classmethod
    def parse(cls, spec) -> "Augment":
        """``"crop=4,flip,shift=2"`` → Augment(4, True, 2); an Augment or None passes through."""
        if spec is None:
            return cls()
        if isinstance(spec, Augment):
            return spec
        if isinstance(spec, dict):
            try:
                return cls(**spec)
            except TypeError:
                raise AugmentError(f"unknown augmentation settings {sorted(spec)}; use crop_padding, "
                                   f"flip, shift") from None
        kw = {}
        for item in str(spec).replace(";", ",").split(","):
            item = item.strip().lower()
            if not item or item == "none":
                continue
            key, sep, value = (s.strip() for s in item.partition("="))
            if key in ("crop", "crop_padding", "shift") and sep:
                try:
                    kw["shift" if key == "shift" else "crop_padding"] = int(value)
                except ValueError:
                    raise AugmentError(f"the augmentation '{item}' needs a whole number of pixels "
                                       f"after '='") from None
            elif key in ("flip", "hflip") and not sep:
                kw["flip"] = True
            else:
                raise AugmentError(f"unknown augmentation '{item}'; use crop=P (pad by P and crop "
                                   f"back), flip, shift=S, separated by commas")
        return cls(**kw)


def translate(x: np.ndarray, dy: np.ndarray, dx: np.ndarray, reach: int) -> np.ndarray:
    """Each image i of (N, D, H, W) moved down by dy[i] and right by dx[i] (|d| ≤ reach), zeros
    moving in: a window of the zero-padded batch, picked per image by fancy indexing."""
    n, d, h, w = x.shape
    padded = np.zeros((n, d, h + 2 * reach, w + 2 * reach), dtype=x.dtype)
    padded[:, :, reach:reach + h, reach:reach + w] = x
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))  # (N, D, 2r+1, 2r+1, H, W)
    return windows[np.arange(n), :, reach - dy, reach - dx]


class SeededAugment:
    """An Augment with its own generator: ``aug(x)`` for the training loop. ``rng`` is the
    generator (its ``bit_generator.state`` can be saved and restored with a checkpoint)."""

    def __init__(self, augment: Augment, seed: int = 0):
        self.augment = augment
        self.rng = np.random.default_rng(seed)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.augment(x, self.rng)


def make_augment(spec, seed: int = 0):
    """A one-argument batch function for ``spec`` (text, dict or Augment), or None when the spec
    asks for nothing."""
    augment = Augment.parse(spec)
    return SeededAugment(augment, seed) if augment.enabled else None
