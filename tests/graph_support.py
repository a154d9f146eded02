"""Branched test networks (version 2 files) and a naive reference executor for them.

``reference_pass`` runs an EngineNet's layers one by one in list order, each on fresh copies of
its inputs, and back again, adding up gradients in new arrays: no plan, no fused order, no
in-place relu, nothing freed early. The engine's executor must give exactly its values."""
from __future__ import annotations

import json

import numpy as np

from designer.engine import cross_entropy
from designer.engine.layers import MergeLayer
from designer.model import loads


def design(name: str, layers: list) -> dict:
    return {"format": "nn-designer", "version": 2, "name": name, "layers": layers}


# Identity and projection shortcuts, batchnorm, global average pooling.
RESIDUAL = design("small residual net", [
    {"type": "input", "width": 8, "height": 8, "depth": 3},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm"},
    {"type": "relu", "id": "a"},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "conv", "filters": 4, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm", "id": "main"},
    {"type": "add", "inputs": ["main", "a"]},
    {"type": "relu", "id": "b"},
    {"type": "conv", "filters": 6, "kernel": 3, "stride": 2, "padding": 1, "bias": False},
    {"type": "batchnorm"},
    {"type": "relu"},
    {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "bias": False},
    {"type": "batchnorm", "id": "main2"},
    {"type": "conv", "inputs": ["b"], "filters": 6, "kernel": 1, "stride": 2, "bias": False},
    {"type": "batchnorm", "id": "shortcut"},
    {"type": "add", "inputs": ["main2", "shortcut"]},
    {"type": "relu"},
    {"type": "global_pool", "mode": "avg"},
    {"type": "dense", "units": 4},
    {"type": "softmax"}])

# An inception-style block: one output ("s") feeds three branches joined by a concat; a grouped
# conv, a ceil-mode pool and global max pooling.
INCEPTION = design("small inception net", [
    {"type": "input", "width": 9, "height": 9, "depth": 4},
    {"type": "conv", "filters": 6, "kernel": 3, "padding": 1},
    {"type": "relu", "id": "s"},
    {"type": "conv", "filters": 4, "kernel": 1, "id": "b1"},
    {"type": "conv", "inputs": ["s"], "filters": 4, "kernel": 1},
    {"type": "relu"},
    {"type": "conv", "filters": 6, "kernel": 3, "padding": 1, "groups": 2, "id": "b2"},
    {"type": "pool", "inputs": ["s"], "mode": "max", "size": 3, "stride": 1, "padding": 1},
    {"type": "conv", "filters": 2, "kernel": 1, "id": "b3"},
    {"type": "concat", "inputs": ["b1", "b2", "b3"]},
    {"type": "pool", "mode": "avg", "size": 2, "ceil": True},
    {"type": "tanh"},
    {"type": "conv", "filters": 6, "kernel": 3, "groups": 3},
    {"type": "global_pool", "mode": "max"},
    {"type": "dense", "units": 3}])

# A relu whose input another branch also reads (so it must not overwrite it), a relu before a
# max pool (run after it) whose input another branch reads too, and vectors joined by a concat.
SHARED_RELU_INPUT = design("relu inputs read twice", [
    {"type": "input", "width": 6, "height": 6, "depth": 2},
    {"type": "conv", "filters": 3, "kernel": 3, "padding": 1, "id": "c"},
    {"type": "relu"},
    {"type": "add", "inputs": ["c", 2], "id": "sum"},
    {"type": "relu"},
    {"type": "pool", "mode": "max", "size": 2, "id": "p"},
    {"type": "pool", "inputs": ["sum"], "mode": "avg", "size": 2},
    {"type": "add", "inputs": ["p", 6]},
    {"type": "flatten", "id": "v"},
    {"type": "dense", "units": 5},
    {"type": "relu", "id": "h"},
    {"type": "dense", "inputs": ["v"], "units": 3},
    {"type": "concat", "inputs": ["h", 11]},
    {"type": "dense", "units": 3}])


def network(spec: dict):
    return loads(json.dumps(spec))


def reference_pass(net, x, y, train=True):
    """(loss, output, grads by weights-file key) of one cross-entropy training pass, computed the
    plain way: no softmax folding is needed for these nets (only RESIDUAL ends in one, folded
    here by hand as the engine does)."""
    layers, sources = net.layers, net.sources
    last = len(layers) - 1
    fold = net.types[-1] == "softmax"
    stop = last - 1 if fold else last
    outs, caches = [], []
    for i in range(stop + 1):
        layer = layers[i]
        ins = [outs[s].copy() for s in sources[i]] or [np.array(x, copy=True)]
        saved_need = layer.need_dx
        layer.need_dx = True
        if isinstance(layer, MergeLayer):
            out, cache = layer.forward(ins, train)
        else:
            out, cache = layer.forward(ins[0], train)
        layer.need_dx = saved_need
        outs.append(np.array(out, copy=True))
        caches.append(cache)
    h = outs[stop]
    loss, dh, probs = cross_entropy(h.reshape(len(h), -1), y)
    pending = {stop: dh.reshape(h.shape)}
    grads = {}
    for i in range(stop, 0, -1):
        layer = layers[i]
        need = layer.need_dx
        layer.need_dx = True
        dx, g = layer.backward(pending.pop(i), caches[i])
        layer.need_dx = need
        grads.update({f"{i}.{k}": np.array(v, copy=True) for k, v in g.items()})
        dxs = dx if isinstance(layer, MergeLayer) else [dx]
        for s, d in zip(sources[i], dxs):
            pending[s] = pending[s] + d if s in pending else np.array(d, copy=True)
    return loss, (probs if fold else h), grads


def images(net, n=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n,) + net.input_shape), rng.integers(0, net.n_outputs, size=n)
