"""Shape, parameter and cost inference over a whole network, in one pass over the graph.

``infer(layers)`` takes the document's layers (anything with ``type``, ``config``, ``id``, ``uid``
and ``sources``, see graph.py) and returns a ``Report``: per layer the places of the layers it
reads, the input and output shapes, parameters, multiply-adds, warnings and errors, and the
totals, and for each layer the layers that read it. It is cheap enough to rerun on every
keystroke. The layers are in topological order (docs/model-format.md), so one pass in list order
sees every layer's inputs before the layer.

Each error is a ``Problem``: the sentence the user reads, with a ``Code`` saying what kind of
error it is, which code that acts on errors (wiring.py) decides by, never by the words.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Optional

from . import graph
from .catalogue import KINDS, Outcome, count_of, quoted, size_of
from .kind import ConfigError
from .kinds_spatial import window_of
from .words import with_article

BYTES_PER_VALUE = 4  # float32


class Code(enum.Enum):
    MISSING_INPUT = "missing input"  # it reads a layer that is not there (deleted: a graph.Missing)
    BAD_INPUT = "bad input"  # it reads itself, a later layer, or one layer twice
    DUPLICATE_ID = "duplicate id"  # its id is an earlier layer's
    INPUT_LAYER = "input layer"  # the input layer not first, the first not an input, an input reading
    TOO_FEW_INPUTS = "too few inputs"  # a merge of fewer than two, a layer reading nothing
    TOO_MANY_INPUTS = "too many inputs"  # a one-input layer reading several
    MISMATCH = "mismatch"  # a merge's inputs do not fit together
    SHAPE = "shape"  # the layer cannot take its input (its kind's rule)
    SETTING = "setting"  # a setting is impossible in itself (a stride of 0, an unknown key)
    NOT_CONNECTED = "not connected"  # no later layer reads it


# The errors in the references themselves: the file would not read back, and what hangs may be
# what a broken reference meant.
REFERENCE_CODES = (Code.MISSING_INPUT, Code.BAD_INPUT, Code.DUPLICATE_ID)


class Problem(str):
    """An error: the sentence the user reads (a ``str``), and its ``code``."""

    def __new__(cls, code: Code, text: str):
        problem = super().__new__(cls, text)
        problem.code = code
        return problem

    def __getnewargs__(self):
        return self.code, str(self)


@dataclass
class LayerInfo:
    index: int
    type: str
    input: Optional[tuple]  # the first input's shape (the only one but for merges)
    output: Optional[tuple]
    param_count: int = 0
    trainable: int = 0  # of the parameters, those learnt (0 for a kind that is not trainable)
    macs: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)  # Problems
    formula: str = ""
    sources: list = field(default_factory=list)  # the places in the list of the layers this one reads
    inputs: list = field(default_factory=list)  # their output shapes, one per source
    buffer_count: int = 0  # stored values that are not parameters (batchnorm's running statistics)
    # False for a layer with weights behind an earlier error: its count cannot be known.
    param_count_known: bool = True
    # Information, neither warning nor error: a rounding the design means (see ``_by_design``).
    notes: list = field(default_factory=list)

    @property
    def activations(self) -> int:
        """Values this layer outputs per sample (kept for the backward pass)."""
        return size_of(self.output) if self.output is not None else 0


@dataclass
class Report:
    layers: list
    readers: list = field(default_factory=list)  # for each layer, the places of the layers that read it

    @property
    def total_params(self) -> int:
        return sum(i.param_count for i in self.layers)

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
        return all(i.param_count_known for i in self.layers)

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
        return sum(i.buffer_count for i in self.layers)

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
        for k, read in enumerate(self.readers):
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


def _count_problem(kind, srcs: list) -> Optional[Problem]:
    """Why a layer reads the wrong number of layers, or None."""
    if kind.min_inputs <= len(srcs) and (kind.max_inputs is None or len(srcs) <= kind.max_inputs):
        return None
    listed = ", ".join(graph.label(s) for s in srcs)
    if len(srcs) < kind.min_inputs:
        what = f"only {listed}" if srcs else "nothing"
        return Problem(Code.TOO_FEW_INPUTS, f"inputs: {with_article(kind.type)} needs {kind.min_inputs} or more "
                                            f"inputs, but it reads {what}")
    return Problem(Code.TOO_MANY_INPUTS, f"inputs: {with_article(kind.type)} reads one layer, but its inputs are "
                                         f"{listed}; join them first with an add or a concat")


def _references(i: int, refs: list, at: dict) -> tuple:
    """(sources, problems) of layer ``i`` reading ``refs``: the places of the layers it reads,
    and a Problem for each reference that is not to an earlier layer, with its sub-path."""
    srcs: list = []
    problems = []
    for j, s in enumerate(refs):
        where = f"inputs[{j}]"
        target = at.get(s.uid) if graph.is_layer(s) else None
        if target is None:
            what = f"no layer has the id {quoted(s.name)}" if not graph.is_layer(s) else \
                "it reads a layer that is not in the network"
            problems.append(Problem(Code.MISSING_INPUT, f"{where}: {what}"))
            continue
        named = f"the id {quoted(s.id)}" if s.id is not None else f"layer {target}"
        if target == i:
            problems.append(Problem(Code.BAD_INPUT, f"{where}: a layer cannot read itself ({named})"))
        elif target > i:
            which = named if named == f"layer {target}" else f"{named} (layer {target})"
            problems.append(Problem(Code.BAD_INPUT, f"{where}: {which} comes after this one (layer {i}); "
                                                    f"a layer reads only earlier layers"))
        elif target in srcs:
            problems.append(Problem(Code.BAD_INPUT, f"{where}: {named} (layer {target}) is read twice"))
        else:
            srcs.append(target)
    return srcs, problems


def _settings(kind, config: dict):
    """(resolved settings, None), or (the defaults, the Problem) when a setting is impossible.
    The editor and the file reader check settings before they reach a layer; a network built
    in code (``Network([Layer("conv", {"stride": 0})])``) is checked here, so that its rules
    never divide by a zero stride or loop over a stride of 10**30."""
    try:
        return kind.resolve(kind.check(config)), None
    except ConfigError as e:
        return kind.defaults(), Problem(Code.SETTING, f"{e.key}: {e}")


def _rule_problems(kind, errors: list) -> list:
    code = Code.MISMATCH if kind.is_merge else Code.SHAPE
    return [e if isinstance(e, Problem) else Problem(code, e) for e in errors]


def _rounding_by_design(type_: str, cfg: dict, shapes: list) -> bool:
    """True when the only warning a conv or pool has, its output size floored, loses nothing the
    design cares about: on each axis the rows never covered are padding only (ResNet's 7×7/2
    stem with padding 3 on 224), or no more than the stride skips between windows anyway (a 1×1
    stride-2 projection). Then it is information, not a warning; a floor that drops real input
    a window would have covered (a 5×5/2 convolution on 28 without padding) stays a warning."""
    if type_ not in ("conv", "pool") or len(shapes) != 1 or shapes[0] is None or len(shapes[0]) != 3:
        return False
    (kh, kw), (sh, sw), (ph, pw) = window_of(type_, cfg)
    width, height = shapes[0][0], shapes[0][1]
    for n, k, s, p in ((height, kh, sh, ph), (width, kw, sw, pw)):
        left = (n - k + 2 * p) % s
        if left and left > p and left > s - k:
            return False
    return True


def infer(layers, reads: Optional[dict] = None) -> Report:
    """The report of ``layers``; ``reads`` (uid -> sources) stands in for some layers' own
    sources, to check an edit before making it."""
    layers = list(layers)
    at = graph.positions(layers)
    duplicates = dict(graph.duplicate_ids(layers))
    infos: list[LayerInfo] = []
    all_sources = []
    references_broken = bool(duplicates)
    for i, layer in enumerate(layers):
        kind = KINDS[layer.type]
        cfg, setting = _settings(kind, layer.config)
        refs = graph.reads_of(layer, reads)
        srcs, errors = _references(i, refs, at)
        if setting is not None:
            errors.insert(0, setting)
        all_sources.append(srcs)
        references_broken = references_broken or bool(errors)
        if i in duplicates:
            errors.insert(0, Problem(Code.DUPLICATE_ID, f"id: {duplicates[i]}"))
        shapes: list = []
        known = False  # every input shape is known and the count is right
        if layer.type == "input":
            out = kind.rule(cfg, shapes) if setting is None else Outcome(None)
            if i != 0:
                errors.insert(0, Problem(Code.INPUT_LAYER, "the input layer must be the first layer, and the only input"))
            if refs:
                errors.append(Problem(Code.INPUT_LAYER, "inputs: an input layer reads no other layer"))
            known = setting is None
        elif i == 0:
            out = Outcome(None, errors=[Problem(Code.INPUT_LAYER, "the first layer must be an input layer")])
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
        if kind.has_params or kind.has_buffers:  # scale_shift has constants only
            params_known = False
            if known:
                arrays = kind.param_shapes(cfg, shapes)
                if arrays is not None:
                    params_known = True
                    params = count_of(arrays)
                    buffers = count_of(kind.buffer_shapes(cfg, shapes))
        warnings, notes = list(out.warnings), []
        if warnings and known and _rounding_by_design(layer.type, cfg, shapes):
            warnings, notes = [], warnings
        infos.append(LayerInfo(
            i, layer.type, shapes[0] if shapes else None, out.shape, params,
            params if kind.trainable else 0, out.macs, warnings, errors + _rule_problems(kind, out.errors),
            out.formula, srcs, shapes, buffers, params_known, notes))
    readers = graph.readers_of(all_sources)
    # A layer no later one reads hangs, unless a broken reference may have been meant for it:
    # that reference is the error to fix first.
    hanging = [] if references_broken else [i for i in range(len(layers) - 1) if not readers[i]]
    for i in hanging:
        if layers[i + 1].type == "input" and not graph.reads_of(layers[i + 1], reads):
            continue  # the misplaced input layer after it is the error to report
        infos[i].errors.append(Problem(Code.NOT_CONNECTED, "not connected to the output: no later layer reads it"))
    return Report(infos, readers)
