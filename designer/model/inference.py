"""Shape, parameter and cost inference over a whole network, in one pass over the graph.

``infer(layers)`` takes the document's layers (anything with ``type``, ``config``, ``id`` and
``inputs``) and returns a ``Report``: per layer the layers it reads, the input and output shapes,
parameters, multiply-adds, warnings and errors, and the totals. It is cheap enough to rerun on
every keystroke. The layers are in topological order (docs/model-format.md), so one pass in list
order sees every layer's inputs before the layer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from . import graph
from .catalogue import KINDS, Outcome, count_of, size_of

BYTES_PER_VALUE = 4  # float32


@dataclass
class LayerInfo:
    index: int
    type: str
    input: Optional[tuple]  # the first input's shape (the only one but for merges)
    output: Optional[tuple]
    params: int = 0
    trainable: int = 0
    macs: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    formula: str = ""
    sources: list = field(default_factory=list)  # list indices of the layers this one reads
    inputs: list = field(default_factory=list)  # their output shapes, one per source
    buffers: int = 0  # stored values that are not parameters (batchnorm's running statistics)
    # False for a layer with weights behind an earlier error: its count cannot be known.
    params_known: bool = True

    @property
    def activations(self) -> int:
        """Values this layer outputs per sample (kept for the backward pass)."""
        return size_of(self.output) if self.output is not None else 0


@dataclass
class Report:
    layers: list

    @property
    def total_params(self) -> int:
        return sum(i.params for i in self.layers)

    @property
    def trainable_params(self) -> int:
        return sum(i.trainable for i in self.layers)

    @property
    def total_macs(self) -> int:
        return sum(i.macs for i in self.layers)

    @property
    def output(self) -> Optional[tuple]:
        return self.layers[-1].output if self.layers else None

    @property
    def input(self) -> Optional[tuple]:
        return self.layers[0].output if self.layers and self.layers[0].type == "input" else None

    @property
    def problems(self) -> list:
        """Every error, as 'layer i (type): sentence', first to last."""
        out = []
        for info in self.layers:
            out += [f"layer {info.index} ({info.type}): {e}" for e in info.errors]
        return out

    @property
    def params_complete(self) -> bool:
        """True when every layer's parameter count is known (no weights behind an error)."""
        return all(i.params_known for i in self.layers)

    @property
    def warning_count(self) -> int:
        return sum(len(i.warnings) for i in self.layers)

    @property
    def error_count(self) -> int:
        return sum(len(i.errors) for i in self.layers)

    @property
    def trainable(self) -> bool:
        return not self.problems and bool(self.layers)

    # Memory: float32 values.
    @property
    def buffer_count(self) -> int:
        return sum(i.buffers for i in self.layers)

    @property
    def param_bytes(self) -> int:
        """The weights file's arrays: parameters and buffers (batchnorm's running statistics)."""
        return (self.total_params + self.buffer_count) * BYTES_PER_VALUE

    def activation_values(self) -> int:
        """Peak number of activation values (forward outputs and their gradients) alive at once
        per sample while training, the input excepted (``input_bytes`` counts it).

        Forward, every output is kept for the backward pass. Backward runs from the last layer
        to the first: the gradient of an output is born when the last layer that reads it runs
        its backward step (for the network's output, the loss gives it), and dies once its own
        layer has used it; an output is freed after its own layer's backward step. The peak over
        those steps is what must fit, not the sum of every output and every gradient (a branch's
        gradient lives from its merge back to its fork, which the sum cannot tell)."""
        n = len(self.layers)
        if n < 2:
            return 0
        values = [0] + [info.activations for info in self.layers[1:]]
        prefix, total = [], 0
        for v in values:
            total += v
            prefix.append(total)
        born: dict = {}
        for k, read in enumerate(graph.readers_of([info.sources for info in self.layers])):
            if read:
                born.setdefault(read[-1], []).append(k)
        peak = prefix[-1]  # the end of the forward pass
        live = values[-1]  # the loss's gradient of the output
        for j in range(n - 1, 0, -1):
            live += sum(values[k] for k in born.get(j, ()))
            peak = max(peak, prefix[j] + live)
            live -= values[j]
        return peak

    def activation_bytes(self, batch_size: int) -> int:
        """Peak memory of the outputs and their gradients while training at the batch size."""
        return batch_size * self.activation_values() * BYTES_PER_VALUE

    def input_bytes(self, batch_size: int) -> int:
        return batch_size * (size_of(self.input) if self.input else 0) * BYTES_PER_VALUE

    def total_bytes(self, batch_size: int) -> int:
        """Estimated memory to train: input, the peak of activations and their gradients, and the
        parameters with their gradients and momentum (3 copies)."""
        return (self.input_bytes(batch_size) + self.activation_bytes(batch_size)
                + 3 * self.param_bytes)


def _count_problem(kind, srcs: list) -> str:
    """Why a layer reads the wrong number of layers, or ''."""
    if kind.min_inputs <= len(srcs) and (kind.max_inputs is None or len(srcs) <= kind.max_inputs):
        return ""
    listed = ", ".join(graph.label(s) for s in srcs)
    article = "an" if kind.type[0] in "aeiou" else "a"
    if len(srcs) < kind.min_inputs:
        what = f"only {listed}" if srcs else "nothing"
        return f"inputs: {article} {kind.type} needs {kind.min_inputs} or more inputs, but it reads {what}"
    return (f"inputs: {article} {kind.type} reads one layer, but its inputs are {listed}; "
            "join them first with an add or a concat")


def infer(layers) -> Report:
    layers = list(layers)
    ids = graph.ids_of(layers)
    duplicates = dict(graph.duplicate_ids(layers))
    infos: list[LayerInfo] = []
    all_sources = []
    references_broken = bool(duplicates)
    for i, layer in enumerate(layers):
        kind = KINDS[layer.type]
        cfg = kind.resolve(layer.config)
        srcs, bad_refs = graph.resolve(layers, i, ids)
        all_sources.append(srcs)
        errors = []
        if bad_refs:
            errors = [f"{where}: {sentence}" for where, sentence in bad_refs]
            references_broken = True
        if i in duplicates:
            errors.insert(0, f"id: {duplicates[i]}")
        shapes: list = []
        known = False  # every input shape is known and the count is right
        if layer.type == "input":
            out = kind.rule(cfg, shapes)
            if i != 0:
                errors.insert(0, "the input layer must be the first layer, and the only input")
            if getattr(layer, "inputs", None):
                errors.append("inputs: an input layer reads no other layer")
            known = True
        elif i == 0:
            out = Outcome(None, errors=["the first layer must be an input layer"])
        elif errors:
            out = Outcome(None)
        else:
            shapes = [infos[s].output for s in srcs]
            problem = _count_problem(kind, srcs)
            if problem:
                out = Outcome(None, errors=[problem])
            elif None in shapes:
                out = Outcome(None)  # an earlier error: nothing to say here
            else:
                known = True
                if kind.is_merge:
                    out = kind.rule(cfg, shapes, [graph.label(s) for s in srcs])
                else:
                    out = kind.rule(cfg, shapes)
        params = buffers = 0
        params_known = True
        if kind.has_params:
            params_known = False
            if known:
                arrays = kind.params(cfg, shapes)
                if arrays is not None:
                    params_known = True
                    params = count_of(arrays)
                    buffers = count_of(kind.buffers(cfg, shapes))
        infos.append(LayerInfo(
            i, layer.type, shapes[0] if shapes else None, out.shape, params,
            params if kind.trainable else 0, out.macs, out.warnings, errors + out.errors, out.formula,
            srcs, shapes, buffers, params_known))
    # A layer no later one reads hangs, unless a broken reference may have been meant for it:
    # that reference is the error to fix first.
    for i in ([] if references_broken else graph.hanging(layers, all_sources)):
        if layers[i + 1].type == "input" and getattr(layers[i + 1], "inputs", None) is None:
            continue  # the misplaced input layer after it is the error to report
        infos[i].errors.append("not connected to the output: no later layer reads it")
    return Report(infos)
