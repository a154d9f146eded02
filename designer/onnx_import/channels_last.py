"""Channels-last regions folded back to the designer's channels-first layers.

ConvNeXt's blocks (and torchvision's LayerNorm2d, and our export of layer_norm on a volume) move
the channels last with Transpose(0, 2, 3, 1), work along that last axis, and move them back with
Transpose(0, 3, 1, 2). Along the last axis of (N, H, W, C), a LayerNormalization is the
designer's layer_norm over the channels at each position, a MatMul by a constant (C, K) matrix
plus a (K,) constant is a 1×1 convolution with bias, a Mul by a (K,) constant is a per-channel
scale, and an elementwise operator is itself. A chain of only those between the two Transposes is
rewritten channels first (its tensors renamed, their shapes worked out), and the Transposes go.
Any other node in between leaves the region as it is (and the Transpose is refused).
"""
from __future__ import annotations

import numpy as np

from .reading import Graph, Node

LAYER_NORM_OP = "nn-designer:LayerNorm"
TO_LAST, TO_FIRST = [0, 2, 3, 1], [0, 3, 1, 2]
# Elementwise operators of one input (and folding's own), which do not care where the channels are.
ELEMENTWISE = {"Relu", "Sigmoid", "Tanh", "Elu", "LeakyRelu", "HardSigmoid", "HardSwish", "Clip", "Gelu",
               "Identity", "Dropout", "nn-designer:Gelu", "nn-designer:SiLU", "nn-designer:HardSwish"}


def _readers(graph: Graph) -> dict:
    readers: dict = {}
    for n in graph.nodes:
        for r in set(n.refs):
            readers.setdefault(r, []).append(n)
    readers.setdefault(graph.output, []).append(None)
    return readers


def _other_const(graph: Graph, node: Node, x: str):
    others = [i for i in node.inputs if i and i != x]
    return graph.consts.get(others[0]) if len(others) == 1 and others[0] in graph.consts else None


def _rewrite(graph: Graph, node: Node, old: str, x: str, shape: tuple, out: str):
    """The channels-first node for ``node`` (which reads the channels-last ``old``) reading ``x``
    of NCHW ``shape``, making ``out``: (node, its output's NCHW shape), or None when it has none."""
    n_, c, h, w = shape
    if node.op in ELEMENTWISE and node.inputs[:1] == [old] and all(i in graph.consts for i in node.inputs[1:] if i):
        return Node(node.name, node.op, [x, *node.inputs[1:]], [out], dict(node.attrs), node.domain), shape
    if node.op == "LayerNormalization" and node.inputs[0] == old and int(node.attrs.get("axis", -1)) in (-1, 3) \
            and not any(o for o in node.outputs[1:]) and all(i in graph.consts for i in node.inputs[1:] if i):
        return Node(node.name, LAYER_NORM_OP, [x, *node.inputs[1:]], [out], dict(node.attrs)), shape
    const = _other_const(graph, node, old)
    if const is None:
        return None
    if node.op == "MatMul" and node.inputs[0] == old and const.ndim == 2 and const.shape[0] == c:
        weight = f"{out}\0weight"
        graph.consts[weight] = np.ascontiguousarray(const.T.reshape(const.shape[1], c, 1, 1))
        return Node(node.name, "Conv", [x, weight], [out], {"kernel_shape": [1, 1]}), (n_, const.shape[1], h, w)
    if node.op in ("Mul", "Add") and const.ndim <= 4 and const.size in (1, c) and (const.size == 1 or const.shape[-1] == c) \
            and all(d == 1 for d in const.shape[:-1]):
        first = f"{out}\0constant"
        graph.consts[first] = np.asarray(const, np.float32).reshape(-1, 1, 1)
        return Node(node.name, node.op, [x, first], [out], {}), shape
    return None


def _bias_into_conv(graph: Graph, chain: list) -> list:
    """A 1×1 Conv without bias followed by the Add of a per-channel constant: the conv's bias."""
    out, k = [], 0
    while k < len(chain):
        node, shape = chain[k]
        nxt = chain[k + 1][0] if k + 1 < len(chain) else None
        if node.op == "Conv" and len(node.inputs) == 2 and nxt is not None and nxt.op == "Add" \
                and nxt.inputs[0] == node.outputs[0]:
            bias = graph.consts[nxt.inputs[1]].reshape(-1)
            if bias.size == shape[1]:
                graph.consts[nxt.inputs[1]] = np.ascontiguousarray(bias)
                merged = Node(node.name, "Conv", [*node.inputs, nxt.inputs[1]], list(nxt.outputs), dict(node.attrs))
                out.append((merged, chain[k + 1][1]))
                k += 2
                continue
        out.append((node, shape))
        k += 1
    return out


def fold_channels_last(graph: Graph) -> None:
    readers = _readers(graph)
    changed = True
    while changed:
        changed = False
        for first in graph.nodes:
            if first.op != "Transpose" or first.domain or list(first.attrs.get("perm", [])) != TO_LAST:
                continue
            x, shape = first.inputs[0], graph.shape(first.inputs[0])
            if shape is None or len(shape) != 4:
                continue
            chain, tensor, current, last = [], first.outputs[0], x, None
            while True:
                rs = readers.get(tensor, [])
                if len(rs) != 1 or rs[0] is None:
                    break
                node = rs[0]
                if node.op == "Transpose" and not node.domain and list(node.attrs.get("perm", [])) == TO_FIRST:
                    last = node  # the region closes: channels first again
                    break
                made = _rewrite(graph, node, tensor, current, shape, f"{node.outputs[0]}\0first")
                if made is None:
                    break
                chain.append(made)
                current, shape, tensor = made[0].outputs[0], made[1], node.outputs[0]
            if last is None or not chain:
                continue
            old = {id(first), id(last)}
            t = first.outputs[0]
            while readers[t][0] is not last:  # the chain's own nodes, channels last
                old.add(id(readers[t][0]))
                t = readers[t][0].outputs[0]
            chain[-1][0].outputs = [last.outputs[0]]  # the region's result keeps its name
            chain = _bias_into_conv(graph, chain)
            for new, s in chain:
                new.refs = [i for i in new.inputs if i]
                graph.shapes[new.outputs[0]] = s
            at = graph.nodes.index(last)  # after what the region reads, before what reads it
            graph.nodes = [n for n in graph.nodes[:at] if id(n) not in old] + [new for new, _ in chain] + \
                [n for n in graph.nodes[at + 1:] if id(n) not in old]
            readers = _readers(graph)
            changed = True
            break
