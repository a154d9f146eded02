"""The order in which ``EngineNet`` runs a network's layers, worked out once per target layer.

The layers are a list in topological order (every layer after the layers it reads), so running
them in list order is a valid schedule. A ``Plan`` is that schedule for one target layer (the
output, the input of a folded final softmax, or a feature map's layer): only the layers the
target depends on, as ``Step``s that name the *slots* they read and write. Slot ``k`` holds the
output of layer ``k``; slot ``INPUT`` the caller's batch.

The fast paths are decided here, each only where it is provably safe:

* A relu whose only reader is a max pool that reads only it runs *after* the pool: max(relu(x)) =
  relu(max(x)) exactly, and the gradients are the same (a window whose maximum is not positive
  passes no gradient either way), but the relu touches a quarter of the values (2×2 pooling).
  The pool then writes the relu's slot (nobody else reads it) and the relu writes the pool's.
* A relu (or a relu6, a hardtanh: ``overwrites_input``) overwrites its input in place when that
  array is referenced nowhere else: it is read by
  this one step, and its writer neither keeps it in its cache nor returns a view of its input
  (``keeps_output`` is False) — so never the caller's batch, and never a branch point.

* In evaluation mode, a batchnorm whose only input is a convolution that nothing else reads is
  folded into it (``Step.folds``): the convolution runs with weights W·α and bias b·α + β
  (α = γ/√(running var + ε), β = bias − running mean·α), the batchnorm's pass is skipped — what
  onnxruntime's Conv+BatchNormalization fusion does. Training passes never fold (their
  batchnorm uses the batch's statistics).
* In training, a batchnorm whose only reader is a relu, relu6 or hardtanh that overwrites it in
  place clips its output block by block as it writes it (``Step.clips``; the activation's step
  is ``clipped``), and its backward pass applies the activation's mask to each block of the
  gradient before its own formula: the same numbers as the two passes, but each block is read
  and written once instead of twice (MobileNet has one such pair after nearly every
  convolution).

``Step.free`` lists the slots no later step reads: the forward pass drops them after the step, so
an output lives only while a later layer needs it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

INPUT = -1  # the slot of the caller's batch, read by the input layer
# Whether evaluation passes fold batchnorms into convolutions (see the module); a switch for
# A/B measurements (bench/ab_step.py) and tests.
FOLD = True
# Whether training passes run a clipping activation inside the batchnorm before it (see the
# module); a switch for A/B measurements and tests.
CLIP = True
CLIPPING = ("relu", "relu6", "hardtanh")  # activations with clip_block() and gradient_block()


@dataclass
class Step:
    layer: int            # index of the layer run
    ins: list             # slots read (one, or a merge's several)
    out: int              # slot written
    inplace: bool = False  # a relu (relu6, hardtanh) that may overwrite its input
    backward: bool = True  # some input needs a gradient, or the layer has parameters
    free: list = field(default_factory=list)
    merge: bool = False    # the layer takes the list of its inputs (and returns a list of dx)
    keys: tuple = ()       # (parameter name, weights-file key) of the layer's parameters
    folds: bool = False    # a conv whose following step, a batchnorm reading only it, folds into it
    clips: bool = False    # a batchnorm whose following step, a clipping activation, runs inside it (training)
    clipped: bool = False  # that activation's step: in training the batchnorm's pass does its work


@dataclass
class Plan:
    steps: list
    output: int           # the slot holding the target's output

    @property
    def order(self) -> list:
        """The layer indices in the order they run."""
        return [step.layer for step in self.steps]


def ancestors(target: int, sources: list) -> set:
    """``target`` and every layer it depends on."""
    seen, todo = {target}, [target]
    while todo:
        for s in sources[todo.pop()]:
            if s not in seen:
                seen.add(s)
                todo.append(s)
    return seen


def make_plan(target: int, sources: list, readers: list, layers: list, needs_grad: list) -> Plan:
    """The steps that compute layer ``target``.

    ``sources[i]`` are the layers layer ``i`` reads and ``readers[i]`` those that read it (the
    report's); ``layers`` the engine layers (their ``type``, ``mode``, ``keeps_output``);
    ``needs_grad[i]`` whether a gradient must reach layer ``i``'s output (it or a layer it depends
    on has parameters)."""
    wanted = ancestors(target, sources)
    readers = {i: [j for j in readers[i] if j in wanted] for i in wanted}
    steps = []
    for i in sorted(wanted):
        if _fused_relu(i, sources, layers, readers):
            continue  # runs after its pool, below
        ins = list(sources[i]) if i else [INPUT]
        relu = _fused_relu(ins[0], sources, layers, readers) if len(ins) == 1 and ins[0] >= 0 else False
        if relu:
            r = ins[0]
            steps.append(Step(i, list(sources[r]) or [INPUT], r, backward=needs_grad[i]))
            steps.append(Step(r, [r], i, backward=needs_grad[i]))
        else:
            steps.append(Step(i, ins, i, backward=needs_grad[i]))
    for step in steps:
        layer = layers[step.layer]
        step.merge = bool(getattr(layer, "merge", False))
        step.keys = tuple((name, f"{step.layer}.{name}") for name in layer.params)
    _decide_inplace(steps, layers)
    _free_after_last_read(steps, target)
    _decide_folds(steps, layers, readers, target)
    _decide_clips(steps, layers, readers, target)
    return Plan(steps, target)


def _decide_clips(steps: list, layers: list, readers: dict, target: int) -> None:
    """Mark each batchnorm step whose next step is a clipping activation that overwrites the
    batchnorm's output in place (so nothing else reads it), which is not the plan's target."""
    for step, nxt in zip(steps, steps[1:]) if CLIP else ():
        step.clips = nxt.clipped = (
            layers[step.layer].type == "batchnorm" and layers[nxt.layer].type in CLIPPING and nxt.inplace
            and step.out == step.layer != target and nxt.ins == [step.out]
            and readers.get(step.layer) == [nxt.layer])


def _decide_folds(steps: list, layers: list, readers: dict, target: int) -> None:
    """Mark each conv step whose next step is a batchnorm reading only its output, which no
    other layer reads and which is not the plan's target (see the module)."""
    for step, nxt in zip(steps, steps[1:]) if FOLD else ():
        conv, norm = layers[step.layer], layers[nxt.layer]
        step.folds = (conv.type == "conv" and norm.type == "batchnorm" and step.out != target
                      and step.out == step.layer and nxt.ins == [step.out]
                      and readers.get(step.layer) == [nxt.layer] and not step.inplace and not nxt.inplace)


def _fused_relu(i: int, sources: list, layers: list, readers: dict) -> bool:
    """Whether layer ``i`` is a relu that runs after the max pool reading it (see the module)."""
    if layers[i].type != "relu" or len(readers[i]) != 1:
        return False
    j = readers[i][0]
    return layers[j].type == "pool" and getattr(layers[j], "mode", "") == "max" and sources[j] == [i]


def _decide_inplace(steps: list, layers: list) -> None:
    reads: dict = {}
    for step in steps:
        for s in step.ins:
            reads[s] = reads.get(s, 0) + 1
    writer = {step.out: step.layer for step in steps}
    for step in steps:
        if not layers[step.layer].overwrites_input:
            continue
        s = step.ins[0]
        step.inplace = (s != INPUT and reads[s] == 1 and layers[writer[s]].type != "input"
                        and not layers[writer[s]].keeps_output)


def _free_after_last_read(steps: list, keep: int) -> None:
    last = {}
    for k, step in enumerate(steps):
        for s in step.ins:
            last[s] = k
    for s, k in last.items():
        if s != keep:
            steps[k].free.append(s)
