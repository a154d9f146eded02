"""Training checkpoints: one ``.npz`` holding everything a run needs to continue exactly.

Arrays: ``weights/{key}`` (the weights-file keys, batchnorm running statistics included),
``optimizer/...`` (its state, e.g. the momentum buffers), ``perm`` (the current epoch's order when
stopped in the middle of an epoch). ``meta.json`` (a string array) holds the rest: config,
position (finished epochs, finished batches of the current epoch, the epoch's running sums),
history, schedule state, every random generator's state (shuffle, dropout, augmentation), and
fingerprints of the network and the data, so that a checkpoint is never resumed on others.
"""
from __future__ import annotations

import io
import json
import zlib
from pathlib import Path

import numpy as np

from ..atomic import write_bytes_atomic
from ..errors import UserError
from ..model.weights import read_npz
from .data.builtin import parse_builtin
from .settings import check_settings

FORMAT = "nn-designer-checkpoint"
VERSION = 1


class CheckpointError(UserError):
    """A checkpoint file that cannot be used; one sentence naming the file."""


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
    if trainer._perm is not None:
        arrays["perm"] = np.array(trainer._perm, copy=True)
    meta = {
        "format": FORMAT, "version": VERSION,
        "config": trainer.config.to_dict(),
        "epoch": trainer.epoch, "batch": trainer.batch, "sums": list(trainer._sums),
        "history": trainer.history,
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
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as e:
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
    weights = {k[len("weights/"):]: v for k, v in arrays.items() if k.startswith("weights/")}
    try:
        trainer.net.load_state_dict(weights)
    except UserError as e:
        raise CheckpointError(f"{source}: {e}") from None
    trainer.optimizer.load_state_dict(_unflatten(meta["optimizer"], arrays))
    trainer.optimizer.lr = float(meta["lr"])
    trainer.schedule.load_state_dict(meta["schedule"])
    for g, state in zip(generators(trainer), meta["rngs"]):
        g.bit_generator.state = state
    trainer.epoch, trainer.batch = int(meta["epoch"]), int(meta["batch"])
    trainer._sums = [float(meta["sums"][0]), int(meta["sums"][1]), int(meta["sums"][2])]
    trainer.history = [dict(row) for row in meta["history"]]
    trainer._perm = np.array(arrays["perm"]) if "perm" in arrays else None


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


# What meta.json must hold, with its type; checked on loading so that a damaged file is one sentence.
_META_TYPES = {"config": dict, "epoch": int, "batch": int, "sums": list, "history": list,
               "lr": (int, float), "schedule": dict, "optimizer": dict, "rngs": list,
               "network": list, "data": dict}


def _check_meta(meta: dict, path) -> None:
    for key, kind in _META_TYPES.items():
        if not isinstance(meta.get(key), kind) or isinstance(meta.get(key), bool):
            raise CheckpointError(f"{path}: is a damaged checkpoint (its {key} is missing or of the wrong type)")
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
