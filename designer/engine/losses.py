"""Losses (docs/model-format.md "Losses").

* ``cross_entropy(logits, targets)``: softmax over the last layer's outputs, then the mean over
  the batch of −Σₖ tₖ log pₖ. ``targets`` are int class labels (N,) or target rows (N, k).
  A network that ends with ``softmax`` or ``log_softmax`` (``FOLDED``) hands that layer's *input*
  here (it is folded into the loss, not applied twice); a log-softmax network trains on the NLL
  of its outputs, which is this. mse refuses a log-softmax network (``check_loss``).
* ``mse(out, targets)``: the course's E = ½ Σₖ (tₖ − oₖ)², summed over outputs, averaged over the
  batch. ``targets`` are rows (N, k), usually from ``make_targets``.

Each returns ``(loss: float, dE/d(input): ndarray, out)`` where ``out`` is what the network
outputs (the softmax probabilities for cross_entropy, ``out`` itself for mse).
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..model import plural
from .layers.softmax import softmax

LOSSES = ("cross_entropy", "mse")
# Last layers that cross_entropy folds into itself (it takes their input, the scores): a softmax,
# and a log-softmax, whose cross-entropy is the NLL of its log-probabilities (PyTorch's NLLLoss
# after LogSoftmax, which is CrossEntropyLoss on the scores).
FOLDED = ("softmax", "log_softmax")
SIGNED_OUTPUTS = ("sign", "tanh")


class LossError(UserError):
    """Targets that do not fit the network's outputs, or an unknown loss."""


def check_loss(loss: str, last_type: str) -> None:
    """Refuse a loss that cannot train a network ending in ``last_type``."""
    if loss == "mse" and last_type == "log_softmax":
        raise LossError("a network that ends in log_softmax outputs log-probabilities, which mse would "
                        "compare with 0/1 targets; train it with cross_entropy (the NLL of its outputs)")


def _is_labels(y: np.ndarray) -> bool:
    return y.ndim == 1 and (y.dtype.kind in "iub" or
                            (y.dtype.kind == "f" and np.all(np.equal(np.mod(y, 1), 0))))


def make_targets(y, n_out: int, last_type: str = "", dtype=np.float32) -> np.ndarray:
    """Target rows (N, n_out) for the mse loss.

    Int labels become one-hot rows (±1 instead of 1/0 when the last layer is ``sign`` or
    ``tanh``); with a single output and two classes the target is the class itself (0/1, or
    −1/+1). Rows (N, n_out) are used as given."""
    y = np.asarray(y)
    signed = last_type in SIGNED_OUTPUTS
    if y.ndim == 2:
        if y.shape[1] != n_out:
            raise LossError(f"the targets have {y.shape[1]} values per sample, but the network "
                            f"has {plural(n_out, 'output')}")
        return y.astype(dtype, copy=False)
    if y.ndim != 1 or not _is_labels(y):
        raise LossError(f"targets must be class labels (N,) or target rows (N, {n_out}), "
                        f"not an array of shape {list(y.shape)}")
    labels = y.astype(np.int64)
    if labels.size and labels.min() < 0:
        raise LossError(f"class labels must not be negative, but one is {labels.min()}")
    if n_out == 1:
        if labels.size and labels.max() > 1:
            raise LossError(f"a network with a single output takes two classes (0 and 1), "
                            f"but a label is {labels.max()}")
        t = labels.astype(dtype)
        return (2 * t - 1)[:, None] if signed else t[:, None]
    if labels.size and labels.max() >= n_out:
        raise LossError(f"class label {labels.max()} does not fit the network's {plural(n_out, 'output')} "
                        f"(labels 0 to {n_out - 1})")
    t = np.full((labels.size, n_out), -1 if signed else 0, dtype=dtype)
    t[np.arange(labels.size), labels] = 1
    return t


def cross_entropy(logits: np.ndarray, targets) -> tuple:
    """Softmax cross-entropy, mean over the batch: (loss, dE/dlogits, probabilities)."""
    n, k = logits.shape[0], logits.shape[1] if logits.ndim > 1 else 1
    if logits.ndim != 2 or k < 2:
        raise LossError("cross_entropy needs a network with at least two outputs (a softmax over "
                        "one output is always 1); use mse for a single output")
    probs = softmax(logits)
    y = np.asarray(targets)
    if y.ndim == 1:
        labels = make_labels(y, k)
        picked = probs[np.arange(n), labels]
        loss = -np.log(np.maximum(picked, np.finfo(probs.dtype).tiny)).astype(np.float64).sum() / n
        grad = probs.copy()
        grad[np.arange(n), labels] -= 1
    else:
        t = make_targets(y, k, dtype=probs.dtype)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -float((t * logp).astype(np.float64).sum()) / n
        grad = probs * t.sum(axis=1, keepdims=True) - t
    grad /= probs.dtype.type(n)
    return float(loss), grad, probs


def make_labels(y: np.ndarray, k: int) -> np.ndarray:
    if not _is_labels(y):
        raise LossError(f"class labels must be whole numbers, not {y.dtype} values")
    labels = y.astype(np.intp, copy=False)
    if labels.size and (labels.min() < 0 or labels.max() >= k):
        bad = labels.min() if labels.min() < 0 else labels.max()
        raise LossError(f"class label {bad} does not fit the network's {plural(k, 'output')} (labels 0 to {k - 1})")
    return labels


def mse(out: np.ndarray, targets: np.ndarray) -> tuple:
    """E = ½ Σₖ (tₖ − oₖ)² per sample, averaged over the batch: (loss, dE/dout, out)."""
    out2 = out.reshape(out.shape[0], -1)
    t = np.asarray(targets, dtype=out.dtype).reshape(out2.shape)
    diff = out2 - t
    n = out.shape[0]
    loss = 0.5 * float(np.square(diff, dtype=np.float64).sum()) / n
    return loss, (diff / out.dtype.type(n)).reshape(out.shape), out
