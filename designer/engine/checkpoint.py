"""Training checkpoints: one ``.npz`` holding everything a run needs to continue exactly.

Arrays: ``weights/{key}`` (the weights-file keys, batchnorm running statistics included),
``optimizer/...`` (its state, e.g. the momentum velocities), ``perm`` (the current epoch's order when
stopped in the middle of an epoch). ``meta.json`` (a string array) holds the rest: config,
position (finished epochs, finished batches of the current epoch, the epoch's running sums),
history, schedule state, every random generator's state (shuffle, dropout, augmentation), and
fingerprints of the network and the data, so that a checkpoint is never resumed on others.
The training loop's own part of that (position, order, running sums, history) is one ``RunState``,
which the trainer holds and this module writes and reads.
"""
from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np

from ..atomic import write_bytes_atomic
from ..errors import UserError
from ..model import read_npz
from .data.builtin import parse_builtin
from .settings import check_settings

FORMAT = "nn-designer-checkpoint"
VERSION = 1


class CheckpointError(UserError):
    """A checkpoint file that cannot be used; one sentence naming the file."""


@dataclass
class RunState:
    """Where a run stands: everything of the training loop's own that a checkpoint saves (the
    weights, optimizer, schedule and random generators have their own state). The file keeps its
    names: ``perm`` for ``order``, ``sums`` for [loss_sum, correct, samples]."""

    epoch: int = 0            # finished epochs
    batch: int = 0            # finished batches of the current epoch
    order: Optional[np.ndarray] = None  # the current epoch's sample order, once drawn
    loss_sum: float = 0.0     # loss × samples of the current epoch so far
    correct: int = 0          # correctly classified samples of the current epoch so far
    samples: int = 0          # samples of the current epoch so far
    history: list = field(default_factory=list)  # one EpochProgress.record() per finished epoch

    def next_epoch(self, record: dict) -> None:
        """Close the current epoch with its history row; the next starts with no order or sums."""
        self.epoch += 1
        self.batch, self.order = 0, None
        self.loss_sum, self.correct, self.samples = 0.0, 0, 0
        self.history.append(record)

    def to_saved(self, arrays: dict) -> dict:
        """The meta.json entries (the order goes to ``arrays`` as ``perm``)."""
        if self.order is not None:
            arrays["perm"] = np.array(self.order, copy=True)
        return {"epoch": self.epoch, "batch": self.batch,
                "sums": [self.loss_sum, self.correct, self.samples], "history": self.history}

    @classmethod
    def from_saved(cls, meta: dict, arrays: dict) -> "RunState":
        """The state of checked meta.json entries and arrays (``load`` and ``_check_position``)."""
        sums = meta["sums"]
        return cls(int(meta["epoch"]), int(meta["batch"]),
                   np.array(arrays["perm"]) if "perm" in arrays else None,
                   float(sums[0]), int(sums[1]), int(sums[2]),
                   [dict(row) for row in meta["history"]])


# --------------------------------------------------------------------------- nested state <-> arrays
def _flatten(tree, prefix: str, arrays: dict):
    """Arrays of a nested dict go to ``arrays`` under "prefix/key/..."; the rest is returned as JSON."""
    if isinstance(tree, np.ndarray):
        arrays[prefix] = tree
        return {"__array__": prefix}
    if isinstance(tree, dict):
        return {str(k): _flatten(v, f"{prefix}/{k}", arrays) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return [_flatten(v, f"{prefix}/{i}", arrays) for i, v in enumerate(tree)]
    if isinstance(tree, np.generic):
        return tree.item()
    return tree


def _unflatten(meta, arrays: dict):
    if isinstance(meta, dict):
        if set(meta) == {"__array__"}:
            return arrays[meta["__array__"]]
        return {k: _unflatten(v, arrays) for k, v in meta.items()}
    if isinstance(meta, list):
        return [_unflatten(v, arrays) for v in meta]
    return meta


# --------------------------------------------------------------------------- fingerprints
def network_fingerprint(network) -> list:
    return [[layer.type, layer.resolved()] for layer in network.layers]


def data_fingerprint(dataset) -> dict:
    x = np.ascontiguousarray(dataset.x)
    y = np.ascontiguousarray(dataset.y)
    return {"samples": len(dataset), "shape": list(dataset.sample_shape),
            "crc32": zlib.crc32(y.data, zlib.crc32(x.data))}


def generators(trainer) -> list:
    """Every random generator the run draws from, in a fixed order (shared ones once)."""
    gens, seen = [trainer.rng], {id(trainer.rng)}
    for layer in [trainer.net, *trainer.net.layers]:
        g = getattr(layer, "rng", None)
        if isinstance(g, np.random.Generator) and id(g) not in seen:
            gens.append(g)
            seen.add(id(g))
    g = getattr(trainer.augment, "rng", None)
    if isinstance(g, np.random.Generator) and id(g) not in seen:
        gens.append(g)
    return gens


def data_spec(spec) -> str:
    """A data spec that still names the same data from another folder: a built-in set's name as
    given, a file or folder as its absolute path."""
    text = str(spec)
    if parse_builtin(text) is not None:
        return text
    return str(Path(text).expanduser().resolve())


# --------------------------------------------------------------------------- capture / restore
def capture(trainer) -> dict:
    """The trainer's complete state: {"meta": json-able dict, "arrays": {name: array}}."""
    arrays = {f"weights/{k}": v for k, v in trainer.net.state_dict().items()}  # copies already
    optimizer = _flatten(trainer.optimizer.state_dict(), "optimizer", arrays)
    meta = {
        "format": FORMAT, "version": VERSION,
        "config": trainer.config.to_dict(),
        **trainer.state.to_saved(arrays),
        "lr": trainer.optimizer.lr,
        "schedule": trainer.schedule.state_dict(),
        "optimizer": optimizer,
        "rngs": [g.bit_generator.state for g in generators(trainer)],
        "network": network_fingerprint(trainer.network),
        "data": trainer.data_fingerprint,
        "data_spec": trainer.data_spec,  # what to read to resume without --data (None: not known)
    }
    return {"meta": json.loads(json.dumps(meta)), "arrays": arrays}


def restore(trainer, data: dict) -> None:
    """Put a captured state back into a freshly built trainer (same network, data and config)."""
    source = data.get("source", "the checkpoint")
    try:
        _restore(trainer, data, source)
    except UserError:
        raise
    except (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError) as e:
        raise CheckpointError(f"{source}: is a damaged checkpoint (its state does not fit: "
                              f"{type(e).__name__} {e})") from None


def _restore(trainer, data: dict, source: str) -> None:
    meta, arrays = data["meta"], data["arrays"]
    if meta["network"] != json.loads(json.dumps(network_fingerprint(trainer.network))):
        raise CheckpointError(f"{source} was saved while training a different network")
    if meta["data"] != trainer.data_fingerprint:
        raise CheckpointError(f"{source} was saved while training on other data than {trainer.dataset.name}")
    saved = dict(meta["config"])
    now = trainer.config.to_dict()
    for key in now:
        if key != "epochs" and key in saved and saved[key] != now[key]:
            raise CheckpointError(f"{source} was saved with {key} {saved[key]!r}, not {now[key]!r}; "
                                  "a run resumes with the settings it started with (only epochs may change)")
    _check_position(trainer, meta, arrays, source)
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    try:
        trainer.net.load_state_dict(weights)
    except UserError as e:
        raise CheckpointError(f"{source}: {e}") from None
    trainer.optimizer.load_state_dict(_unflatten(meta["optimizer"], arrays))
    trainer.optimizer.lr = float(meta["lr"])
    trainer.schedule.load_state_dict(meta["schedule"])
    for g, state in zip(generators(trainer), meta["rngs"], strict=True):
        g.bit_generator.state = state
    trainer.state = RunState.from_saved(meta, arrays)


# --------------------------------------------------------------------------- files
def save(path, data: dict) -> None:
    """Write a captured state atomically as an .npz."""
    buf = io.BytesIO()
    payload = dict(data["arrays"])
    payload["meta.json"] = np.array(json.dumps(data["meta"]))
    np.savez(buf, **payload)
    write_bytes_atomic(path, buf.getvalue())


def load(path) -> dict:
    path = Path(path)
    arrays = read_npz(path, CheckpointError, "checkpoint")
    if "meta.json" not in arrays:
        raise CheckpointError(f"{path}: is not an NN Designer checkpoint (no meta.json inside)")
    try:
        meta = json.loads(str(arrays.pop("meta.json")))
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: is not a readable checkpoint ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: is not an NN Designer checkpoint")
    if meta.get("version") != VERSION:
        raise CheckpointError(f"{path}: is a checkpoint of version {meta.get('version')}, "
                              f"this NN Designer reads version {VERSION}")
    _check_meta(meta, path)
    return {"meta": meta, "arrays": arrays, "source": str(path)}


# --------------------------------------------------------------------------- strict checks
# A checkpoint's fields are checked as strictly as a model file, before anything is restored or
# allocated: epoch -1 made a run train 4 epochs while saying 3, rngs [] silently dropped exact
# resume, and a huge batch or RNG state, or a list where a number belongs, ended in a traceback.
MAX_EPOCHS = 10_000_000


def _damaged(path, what: str) -> CheckpointError:
    return CheckpointError(f"{path}: is a damaged checkpoint ({what})")


def _whole(value, path, what: str, top: int) -> int:
    """``value`` as a whole number from 0 to ``top``, or CheckpointError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        shown = json.dumps(value)[:40] if isinstance(value, (int, float, str, bool)) else _described(value)
        raise _damaged(path, f"its {what} must be a whole number from 0 to {top:,}, not {shown}")
    return value


def _described(value) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(type(value), "a number")


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


def _like(saved, template, path, what: str) -> None:
    """``saved`` has the structure and types of ``template`` (the state a fresh trainer has):
    the same keys, list lengths and kinds of value, whole numbers within 0 … 2¹²⁸, equal strings."""
    if isinstance(template, dict):
        if not isinstance(saved, dict) or set(saved) != set(template):
            raise _damaged(path, f"its {what} does not have the entries this run's state has")
        for key in template:
            _like(saved[key], template[key], path, f"{what}.{key}")
    elif isinstance(template, list):
        if not isinstance(saved, list) or len(saved) != len(template):
            raise _damaged(path, f"its {what} must be a list of {len(template)}, not {_described(saved)}"
                           + (f" of {len(saved)}" if isinstance(saved, list) else ""))
        for i, (a, b) in enumerate(zip(saved, template)):
            _like(a, b, path, f"{what}[{i}]")
    elif isinstance(template, bool):
        if not isinstance(saved, bool):
            raise _damaged(path, f"its {what} must be true or false, not {_described(saved)}")
    elif isinstance(template, int):
        _whole(saved, path, what, 2 ** 128)
    elif isinstance(template, float) or template is None:
        if not (_number(saved) or saved is None):
            raise _damaged(path, f"its {what} must be a finite number, not {_described(saved)}")
    elif isinstance(template, str) and saved != template:
        raise _damaged(path, f"its {what} is {json.dumps(saved)[:40]}, not {json.dumps(template)}")


def _check_position(trainer, meta: dict, arrays: dict, source: str) -> None:
    """What only a trainer tells: the batch within an epoch, the order of the samples, the state
    of each random generator and of the schedule and optimizer."""
    batches, n = trainer.batches, len(trainer.train_x)
    if meta["batch"] > batches:  # = batches: stopped at the end of an epoch, before the next
        raise _damaged(source, f"it stopped after batch {meta['batch']:,} of an epoch of {batches:,} batches")
    if meta["sums"][2] > n:
        raise _damaged(source, f"its running sums count {meta['sums'][2]:,} samples of an epoch of {n:,}")
    if "perm" in arrays:
        perm = np.asarray(arrays["perm"])
        if perm.shape != (n,) or perm.dtype.kind not in "iu" or not np.array_equal(np.sort(perm), np.arange(n)):
            raise _damaged(source, f"its perm is not an order of the {n:,} training samples")
    _like(meta["rngs"], [g.bit_generator.state for g in generators(trainer)], source, "rngs")
    _like(meta["schedule"], trainer.schedule.state_dict(), source, "schedule")
    template = _flatten(trainer.optimizer.state_dict(), "optimizer", current := {})
    _like(meta["optimizer"], template, source, "optimizer")
    for name, array in current.items():
        got = arrays.get(name)
        if got is None or np.shape(got) != array.shape or np.asarray(got).dtype.kind != "f":
            raise _damaged(source, f"its optimizer array {name} is missing or not {list(array.shape)} floats")


# What meta.json must hold, with its type; checked on loading so that a damaged file is one sentence.
_META_TYPES = {"config": dict, "epoch": int, "batch": int, "sums": list, "history": list,
               "lr": (int, float), "schedule": dict, "optimizer": dict, "rngs": list,
               "network": list, "data": dict}


def _check_meta(meta: dict, path) -> None:
    for key, expected in _META_TYPES.items():
        if not isinstance(meta.get(key), expected) or isinstance(meta.get(key), bool):
            raise CheckpointError(f"{path}: is a damaged checkpoint (its {key} is missing or of the wrong type)")
    epoch = _whole(meta["epoch"], path, "epoch", MAX_EPOCHS)
    _whole(meta["batch"], path, "batch", 2 ** 40)
    if not _number(meta["lr"]) or meta["lr"] <= 0:
        raise _damaged(path, "its lr must be a finite number above 0")
    sums = meta["sums"]
    if len(sums) != 3 or not _number(sums[0]) or sums[0] < 0:
        raise _damaged(path, "its sums must be [loss, correct, samples] of numbers 0 or more")
    _whole(sums[1], path, "sums[1]", 2 ** 62)
    _whole(sums[2], path, "sums[2]", 2 ** 62)
    if sums[1] > sums[2]:
        raise _damaged(path, "its sums count more correct samples than samples")
    history = meta["history"]
    if len(history) != epoch:
        raise _damaged(path, f"its history has {len(history):,} rows for {epoch:,} finished epochs")
    for i, row in enumerate(history):
        if not isinstance(row, dict) or not all(isinstance(k, str) and (_number(v) or v is None or isinstance(v, str))
                                                for k, v in row.items()):
            raise _damaged(path, f"its history row {i + 1} is not a table row of numbers")
    if not meta["rngs"]:
        raise _damaged(path, "it holds no random generator states, so the run cannot resume exactly")
    if meta.get("data_spec") is not None and not isinstance(meta["data_spec"], str):
        raise _damaged(path, "its data_spec must be a string")
    try:
        check_settings(meta["config"])  # the settings schema, not training.py: no import cycle
    except UserError as e:
        raise CheckpointError(f"{path}: is a damaged checkpoint (its settings: {e})") from None
    except (TypeError, ValueError, AttributeError) as e:
        raise CheckpointError(f"{path}: is a damaged checkpoint (its settings: {e})") from None


def as_checkpoint(spec) -> dict:
    """A checkpoint given as a path or as a dict from ``capture``."""
    if isinstance(spec, dict):
        return spec
    return load(spec)
