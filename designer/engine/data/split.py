"""Training/validation split, shuffled and the same for the same seed."""
from __future__ import annotations

import numpy as np

from .dataset import DataError, Dataset


def _quotas(counts: np.ndarray, total: int, frac: float) -> np.ndarray:
    """Per-class validation counts that add up to ``total``: floors of count·frac, then one more
    for the classes with the largest remainders."""
    exact = counts * frac
    quotas = np.floor(exact).astype(np.int64)
    rest = total - int(quotas.sum())
    if rest > 0:
        order = np.argsort(-(exact - quotas), kind="stable")
        quotas[order[:rest]] += 1
    return np.minimum(quotas, counts)


def split(dataset: Dataset, val_split: float, seed: int = 0, stratify: bool = True):
    """(train, val): a fraction ``val_split`` of the samples (rounded, at least one) goes to
    validation, chosen by a permutation from ``seed``. With class labels and ``stratify``, each
    class gives its share. ``val_split`` 0 returns the whole data set (in file order) and an
    empty validation set. Both parts keep the permutation's order."""
    v = float(val_split)
    if not 0.0 <= v < 1.0:
        raise DataError(f"the validation split {val_split} must be at least 0 and below 1")
    n = len(dataset)
    if v == 0.0:
        return dataset, dataset.subset(np.zeros(0, dtype=np.int64))
    n_val = min(max(1, int(round(n * v))), n - 1)
    if n < 2:
        raise DataError(f"the data {dataset.name} has {n} sample(s), too few to split off a "
                        f"validation set; use a validation split of 0")
    perm = np.random.default_rng(seed).permutation(n)
    is_val = np.zeros(n, dtype=bool)
    if stratify and not dataset.has_targets:
        labels = dataset.y[perm]
        counts = np.bincount(labels)
        quotas = _quotas(counts, n_val, n_val / n)
        for c in np.flatnonzero(quotas):
            is_val[perm[labels == c][: quotas[c]]] = True
    else:
        is_val[perm[:n_val]] = True
    in_val = is_val[perm]
    return dataset.subset(perm[~in_val]), dataset.subset(perm[in_val])
