"""Shape, parameter and cost inference over a whole network, in one pass.

``infer(layers)`` takes the document's layers (anything with ``type`` and ``config``) and returns
a ``Report``: per layer the input and output shapes, parameters, multiply-adds, warnings and
errors, and the totals. It is cheap enough to rerun on every keystroke.

The pass is written over each layer's list of inputs (today always the layer before), so that
branches (``add`` / ``concat``) only need ``inputs_of`` to change.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .catalogue import KINDS, Outcome, size_of

BYTES_PER_VALUE = 4  # float32


@dataclass
class LayerInfo:
    index: int
    type: str
    input: Optional[tuple]
    output: Optional[tuple]
    params: int = 0
    trainable: int = 0
    macs: int = 0
    warnings: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    formula: str = ""

    @property
    def params_known(self) -> bool:
        """False for a layer with weights behind an earlier error: its count cannot be known."""
        return self.type == "input" or self.input is not None or not KINDS[self.type].has_params

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

    # Memory, as torchinfo reports it: float32 values.
    @property
    def param_bytes(self) -> int:
        running = sum(i.params for i in self.layers if i.type == "batchnorm")  # mean and var
        return (self.total_params + running) * BYTES_PER_VALUE

    def activation_bytes(self, batch_size: int) -> int:
        """Outputs kept for the backward pass at the batch size (forward values + their gradients)."""
        return 2 * batch_size * sum(i.activations for i in self.layers[1:]) * BYTES_PER_VALUE

    def input_bytes(self, batch_size: int) -> int:
        return batch_size * (size_of(self.input) if self.input else 0) * BYTES_PER_VALUE

    def total_bytes(self, batch_size: int) -> int:
        """Estimated memory to train: input, activations and their gradients, and the
        parameters with their gradients and momentum (3 copies)."""
        return (self.input_bytes(batch_size) + self.activation_bytes(batch_size)
                + 3 * self.param_bytes)


def inputs_of(index: int) -> list:
    """Indices of the layers feeding layer ``index`` (a pipeline today)."""
    return [index - 1] if index > 0 else []


def infer(layers) -> Report:
    infos: list[LayerInfo] = []
    for i, layer in enumerate(layers):
        kind = KINDS[layer.type]
        cfg = kind.resolve(layer.config)
        srcs = inputs_of(i)
        if layer.type == "input":
            shape_in = None
            out = kind.rule(cfg, None)
            if i != 0:
                out.errors.insert(0, "the input layer must be the first layer, and the only input")
        elif not srcs:
            out = Outcome(None, errors=["the first layer must be an input layer"])
            shape_in = None
        else:
            shape_in = infos[srcs[0]].output
            if shape_in is None:
                out = Outcome(None)  # an earlier error: nothing to say here
            else:
                out = kind.rule(cfg, shape_in)
        infos.append(LayerInfo(
            index=i, type=layer.type, input=shape_in, output=out.shape, params=out.params,
            trainable=out.params if kind.trainable else 0, macs=out.macs,
            warnings=list(out.warnings), errors=list(out.errors), formula=out.formula))
    return Report(infos)
