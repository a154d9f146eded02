"""``EngineNet``: a designed network (``designer.model.Network``) made runnable in NumPy.

    net = EngineNet(network, dtype=np.float32, seed=0, init="default")
    out = net.forward(x, train=False, upto=None)     # upto=i stops after layer i
    loss, out = net.loss_and_backward(x, y, "cross_entropy")   # fills net.grads
    probs = net.predict(x)                           # evaluation mode, in chunks
    arrays = net.state_dict(); net.load_state_dict(arrays)

An EngineNet is not thread-safe (layers keep scratch buffers between calls): use it from one
thread at a time, e.g. show feature maps between training steps, not during one.

``params`` and ``grads`` map weights-file keys (``"{i}.weight"``, ``"{i}.bias"``) to arrays, in
``param_keys`` order; ``params`` holds the live arrays an optimizer updates in place, ``arrays``
every live array of the weights file (``params`` and the batchnorm statistics). ``rng`` is
the net's generator (initialisation, then dropout masks); save its ``bit_generator.state`` to
resume a run exactly.
"""
from __future__ import annotations

import numpy as np

from ..errors import UserError
from ..model import check_arrays, format_shape
from .init import initialise
from .layers import engine_shape, make_layer
from .losses import LOSSES, LossError, cross_entropy, make_targets, mse


def fused_order(types: list, layers: list) -> list:
    """The order in which to run the layers: as designed, except that a relu followed by a max
    pool runs after it. max(relu(x)) = relu(max(x)) exactly, and the gradients are the same (a
    window whose maximum is not positive passes no gradient either way), but the relu then
    touches a quarter of the values (for 2×2 pooling) and can work in place."""
    order = list(range(len(types)))
    i = 1
    while i < len(types) - 1:
        if types[i] == "relu" and types[i + 1] == "pool" and layers[i + 1].mode == "max":
            order[i], order[i + 1] = order[i + 1], order[i]
            i += 2
        else:
            i += 1
    return order


class EngineError(UserError):
    """A network or a batch the engine cannot run."""


class Interrupted(Exception):
    """Raised inside ``loss_and_backward`` when ``EngineNet.interrupt()`` says so: the pass is
    abandoned between two layers (no gradients, no weight changed)."""


# Columns per sample (values) above which a net's convolutions share one columns buffer and
# recompute their columns in backward: memory before speed for large networks (AlexNet: 4.4 M),
# speed for small ones (LeNet-5: 35 k).
SHARED_COLUMNS_ABOVE = 1 << 20


def share_convolution_columns(layers) -> None:
    convs = [layer for layer in layers if layer.type == "conv"]
    per_sample = sum(int(np.prod(layer.params["weight"].shape[1:])) * int(np.prod(layer.out_shape[1:]))
                     for layer in convs)
    if len(convs) > 1 and per_sample > SHARED_COLUMNS_ABOVE:
        shared: dict = {}
        for layer in convs:
            layer.shared_cols = shared


class EngineNet:
    def __init__(self, network, dtype=np.float32, seed: int = 0, init: str = "default"):
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise EngineError(f"the engine computes in float32 or float64, not {self.dtype}")
        if not network.layers:
            raise EngineError("the network has no layers")
        report = network.report()
        if report.problems:
            raise EngineError(f"the network cannot run: {report.problems[0]}")
        self.network = network
        # Asked between the layers of a training pass; True abandons it (raises Interrupted).
        self.interrupt = None
        self.rng = np.random.default_rng(seed)
        self.layers = []
        for info, layer in zip(report.layers, network.layers):
            engine_layer = make_layer(layer.type, layer.resolved(), info.input, info.output, self.dtype)
            initialise(engine_layer, init, self.rng)
            engine_layer.rng = self.rng
            self.layers.append(engine_layer)
        self.types = [layer.type for layer in network.layers]
        for layer in self.layers:
            layer.reuse_buffers = True
        share_convolution_columns(self.layers)
        self.order = fused_order(self.types, self.layers)
        self.input_shape = engine_shape(report.input)
        self.output_shape = engine_shape(report.output)
        self.model_input = report.input
        # Layers before the first one with parameters need no backward pass at all.
        trainable = [i for i, layer in enumerate(self.layers) if layer.params]
        self.first_trainable = trainable[0] if trainable else len(self.layers)
        if trainable:
            self.layers[self.first_trainable].need_dx = False
        self.param_keys = [f"{i}.{name}" for i, layer in enumerate(self.layers) for name in layer.params]
        self.params = {f"{i}.{name}": a for i, layer in enumerate(self.layers)
                       for name, a in layer.params.items()}
        # Every array of the weights file (parameters, then batchnorm statistics), live.
        self.arrays = {f"{i}.{name}": a for i, layer in enumerate(self.layers)
                       for name, a in (*layer.params.items(), *layer.buffers.items())}
        # np.zeros (not zeros_like): untouched pages cost no memory until a backward pass
        self.grads = {key: np.zeros(a.shape, a.dtype) for key, a in self.params.items()}

    # ------------------------------------------------------------------ running
    @property
    def n_outputs(self) -> int:
        return int(np.prod(self.output_shape))

    def check_input(self, x) -> np.ndarray:
        """``x`` as a batch of the net's dtype and input shape (a (N, H, W) batch is taken for
        depth 1); raises EngineError with the shapes otherwise."""
        x = np.asarray(x)
        if x.dtype.kind not in "fiub":
            raise EngineError(f"the data holds {x.dtype} values, not numbers")
        want = self.input_shape
        if len(want) == 3 and want[0] == 1 and x.shape[1:] == want[1:]:
            x = x.reshape((x.shape[0],) + want)
        if x.ndim < 1 or x.shape[1:] != want:
            got = x.shape[1:]
            shown = format_shape((got[2], got[1], got[0])) if len(got) == 3 else format_shape(got)
            raise EngineError(f"the data has samples of shape {shown}, but the network's input is "
                              f"{format_shape(self.model_input)}")
        return x.astype(self.dtype, copy=False)

    def run(self, h, train: bool, order: list, caches=None):
        """Run the layers of ``order`` on the batch ``h``; collect caches by layer index."""
        layers = self.layers
        interrupt = self.interrupt if caches is not None else None
        prev = 0
        for i in order:
            if interrupt is not None and interrupt():
                raise Interrupted
            layer = layers[i]
            if layer.type == "relu":
                layer.inplace = prev > 0 and not layers[prev].keeps_output
                h, cache = layer.forward(h, train)
                layer.inplace = False  # only within this run: a direct call never overwrites
            else:
                h, cache = layer.forward(h, train)
            if caches is not None:
                caches[i] = cache
            prev = i
        return h

    def forward(self, x, train: bool = False, upto=None) -> np.ndarray:
        """The output of the network (or of layer ``upto``), logical channels-first."""
        h = self.check_input(x)
        # The fused order stopped after layer ``upto``: a relu swapped behind its pool runs
        # when the pool is included (max commutes with relu), directly after its input otherwise.
        order = self.order if upto is None else [i for i in self.order if i <= int(upto)]
        return np.ascontiguousarray(self.run(h, train, order))

    def predict(self, x, batch_size: int = 256) -> np.ndarray:
        """Evaluation-mode outputs (after a final softmax), computed ``batch_size`` at a time."""
        x = np.asarray(x)
        if len(x) <= batch_size:
            return self.forward(x)
        return np.concatenate([self.forward(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])

    def loss_and_backward(self, x, y, loss: str = "cross_entropy") -> tuple:
        """One training-mode forward and backward pass; fills ``grads``.

        Returns (loss, out): the mean loss over the batch and the network's output (for
        cross_entropy the softmax probabilities)."""
        if loss not in LOSSES:
            raise LossError(f'unknown loss "{loss}"; choose {" or ".join(LOSSES)}')
        layers = self.layers
        out_shape = self.output_shape
        if loss == "cross_entropy" and len(out_shape) == 3 and out_shape[1:] != (1, 1):
            d, h, w = out_shape
            raise LossError(f"cross_entropy needs one score per class, but the network outputs a "
                            f"{w}×{h}×{d} volume; end it with a dense layer (or a 1×1×classes volume)")
        fold = loss == "cross_entropy" and self.types[-1] == "softmax"
        stop = len(layers) - 1 if fold else len(layers)
        h = self.check_input(x)
        if len(y) != len(h):
            raise EngineError(f"the batch has {len(h)} samples but {len(y)} targets")
        order = [i for i in self.order if i < stop]
        caches = [None] * stop
        h = self.run(h, True, order, caches)
        if loss == "cross_entropy":
            value, dh, probs = cross_entropy(h.reshape(h.shape[0], -1), y)
            out = probs if fold else h
        else:
            targets = make_targets(y, self.n_outputs, self.types[-1], self.dtype)
            value, dh, out = mse(h, targets)
        dh = dh.reshape(h.shape)
        interrupt = self.interrupt
        for i in reversed(order):
            if i < self.first_trainable:
                break
            if interrupt is not None and interrupt():
                raise Interrupted
            for name in layers[i].params:  # the last step's gradients go first, not beside the new ones
                self.grads[f"{i}.{name}"] = None
            dh, grads = layers[i].backward(dh, caches[i])
            for name, g in grads.items():
                self.grads[f"{i}.{name}"] = g
        return value, out

    # ------------------------------------------------------------------ weights
    def state_dict(self) -> dict:
        """Copies of every array of the weights file, keys as expected_arrays."""
        return {key: a.copy() for key, a in self.arrays.items()}

    def load_state_dict(self, arrays: dict, source: str = "the weights") -> None:
        """Copy checked arrays (any float dtype) into the net; raises WeightsError naming the key."""
        check_arrays(arrays, self.network, source)
        for key, a in self.arrays.items():
            np.copyto(a, np.asarray(arrays[key]), casting="unsafe")
