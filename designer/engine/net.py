"""``EngineNet``: a designed network (``designer.model.Network``) made runnable in NumPy.

    net = EngineNet(network, dtype=np.float32, seed=0, init="default")
    out = net.forward(x, train=False, upto=None)     # upto=i: layer i's output (a feature map)
    loss, out = net.loss_and_backward(x, y, "cross_entropy")   # fills net.grads
    probs = net.predict(x)                           # evaluation mode, in chunks
    arrays = net.state_dict(); net.load_state_dict(arrays)

The layers run as the network's graph, which the network's report resolves (for each layer the
places of the layers it reads, and of those that read it): ``designer.engine.plan`` runs them in
list order, each output kept while a later layer reads it, the gradients of an output read by
several layers summed.

An EngineNet is not thread-safe (layers keep scratch memory between calls): use it from one
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
from ..model import array_shape, check_arrays, format_shape
from .init import initialise
from .layers import make_layer
from .layers.softmax import log_softmax
from .losses import FOLDED, LOSSES, LossError, check_loss, cross_entropy, make_targets, mse
from .plan import INPUT, make_plan


class EngineError(UserError):
    """A network or a batch the engine cannot run."""


class Interrupted(Exception):
    """Raised inside ``loss_and_backward`` when ``EngineNet.interrupt()`` says so: the pass is
    abandoned between two layers (no gradients, no weight changed)."""


def folded_forward(conv, norm, x) -> np.ndarray:
    """The evaluation-mode output of ``norm(conv(x))`` in one convolution: weights W·α and bias
    b·α + β, α = γ/√(running var + ε), β = bias − running mean·α (``plan``'s folds)."""
    t = conv.dtype.type
    alpha = norm.params["weight"] / np.sqrt(norm.buffers["running_var"] + t(norm.cfg["eps"]))
    beta = norm.params["bias"] - norm.buffers["running_mean"] * alpha
    own = conv.params
    w = own["weight"]
    bias = beta + (own["bias"] * alpha if "bias" in own else 0)
    conv.params = {"weight": w * alpha.reshape((-1,) + (1,) * (w.ndim - 1)), "bias": bias.astype(conv.dtype)}
    try:
        return conv.forward(x, False)[0]
    finally:
        conv.params = own


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
            engine_layer = make_layer(layer.type, layer.resolved(), info.inputs, info.output, self.dtype)
            initialise(engine_layer, init, self.rng)
            engine_layer.rng = self.rng
            engine_layer.reuse_scratch = True
            self.layers.append(engine_layer)
        self.types = [layer.type for layer in network.layers]
        self.sources = [list(info.sources) for info in report.layers]
        self.readers = [list(read) for read in report.readers]
        # A gradient must reach a layer's output when it, or a layer it reads, has parameters;
        # a layer none of whose inputs needs one skips its input gradient (need_dx).
        self.needs_grad = []
        for layer, srcs in zip(self.layers, self.sources):
            upstream = any(self.needs_grad[s] for s in srcs)
            layer.need_dx = upstream
            self.needs_grad.append(bool(layer.params) or upstream)
        self._plans = {}
        self.input_shape = array_shape(report.input)
        self.output_shape = array_shape(report.output)
        self.model_input = report.input
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

    def plan(self, target=None):
        """The steps (``designer.engine.plan``) that compute layer ``target`` (the output by default)."""
        target = len(self.layers) - 1 if target is None else int(target)
        plan = self._plans.get(target)
        if plan is None:
            if not 0 <= target < len(self.layers):
                raise EngineError(f"the network has no layer {target} (it has {len(self.layers)})")
            plan = self._plans[target] = make_plan(target, self.sources, self.readers, self.layers, self.needs_grad)
        return plan

    @property
    def order(self) -> list:
        """The layers in the order a full pass runs them (a relu after its max pool)."""
        return self.plan().order

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

    def run(self, x, train: bool, plan, caches=None):
        """Run the steps of ``plan`` on the batch ``x``; with ``caches`` (a list as long as the
        plan) keep each step's cache for the backward pass, and honour ``interrupt``."""
        layers = self.layers
        interrupt = self.interrupt if caches is not None else None
        values = {INPUT: x}
        folded = None  # the step whose batchnorm the previous conv step computed
        for k, step in enumerate(plan.steps):
            if interrupt is not None and interrupt():
                raise Interrupted
            layer = layers[step.layer]
            if step is folded:
                out = values[step.ins[0]]  # the conv step wrote the batchnorm's output
            elif step.clipped and caches is not None:
                out, cache = values[step.ins[0]], None  # the batchnorm step clipped its output
            elif step.clips and caches is not None:
                out, cache = layer.forward(values[step.ins[0]], train, clip=layers[plan.steps[k + 1].layer])
            elif step.folds and not train and caches is None:
                out = folded_forward(layer, layers[plan.steps[k + 1].layer], values[step.ins[0]])
                folded = plan.steps[k + 1]
            elif step.merge:
                out, cache = layer.forward([values[s] for s in step.ins], train)
            elif step.inplace:
                layer.inplace = True
                out, cache = layer.forward(values[step.ins[0]], train)
                layer.inplace = False  # only within this run: a direct call never overwrites
            else:
                out, cache = layer.forward(values[step.ins[0]], train)
            values[step.out] = out
            if caches is not None:
                caches[k] = cache
            if step.free:
                for s in step.free:
                    del values[s]
        return values[plan.output]

    def forward(self, x, train: bool = False, upto=None) -> np.ndarray:
        """The output of the network (or of layer ``upto``: only the layers it depends on run),
        logical channels-first."""
        return np.ascontiguousarray(self.run(self.check_input(x), train, self.plan(upto)))

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
        out_shape = self.output_shape
        if loss == "cross_entropy" and len(out_shape) == 3 and out_shape[1:] != (1, 1):
            d, h, w = out_shape
            raise LossError(f"cross_entropy needs one score per class, but the network outputs a "
                            f"{w}×{h}×{d} volume; end it with a dense layer (or a 1×1×classes volume)")
        last = len(self.layers) - 1
        check_loss(loss, self.types[-1])
        fold = loss == "cross_entropy" and self.types[-1] in FOLDED
        h = self.check_input(x)
        if len(y) != len(h):
            raise EngineError(f"the batch has {len(h)} samples but {len(y)} targets")
        plan = self.plan(self.sources[last][0] if fold else last)
        caches = [None] * len(plan.steps)
        h = self.run(h, True, plan, caches)
        if loss == "cross_entropy":
            value, dh, probs = cross_entropy(h.reshape(h.shape[0], -1), y)
            out = h if not fold else probs if self.types[-1] == "softmax" else log_softmax(h, axis=1)
        else:
            targets = make_targets(y, self.n_outputs, self.types[-1], self.dtype)
            value, dh, out = mse(h, targets)
        self.backward(plan, caches, dh.reshape(h.shape))
        return value, out

    def backward(self, plan, caches: list, dout) -> None:
        """The backward pass of a ``run`` with caches, from the gradient of its output; fills
        ``grads``. Where an output feeds several layers their gradients are summed; a gradient a
        layer returned (possibly a view of its own dout) is never written into, only a sum the
        net allocated itself."""
        layers, needs_grad, interrupt, net_grads = self.layers, self.needs_grad, self.interrupt, self.grads
        pending = {plan.output: dout}
        owned = set()  # slots whose gradient is an array this pass allocated
        steps = plan.steps
        for k in range(len(steps) - 1, -1, -1):
            step = steps[k]
            if not step.backward:
                continue
            if interrupt is not None and interrupt():
                raise Interrupted
            for _, key in step.keys:  # the last step's gradients go first, not beside the new ones
                net_grads[key] = None
            if step.clipped:  # the batchnorm's backward applies this activation's mask
                dx, grads = pending.pop(step.out), {}
            else:
                dx, grads = layers[step.layer].backward(pending.pop(step.out), caches[k])
            caches[k] = None
            for name, key in step.keys:
                net_grads[key] = grads[name]
            if not step.merge:
                dx = (dx,)
            for s, d in zip(step.ins, dx):
                if d is None or s == INPUT or not needs_grad[s]:
                    continue
                if s not in pending:
                    pending[s] = d
                elif s in owned:
                    pending[s] += d
                else:
                    pending[s] = pending[s] + d
                    owned.add(s)

    # ------------------------------------------------------------------ weights
    def state_dict(self) -> dict:
        """Copies of every array of the weights file, keys as expected_arrays."""
        return {key: a.copy() for key, a in self.arrays.items()}

    def load_state_dict(self, arrays: dict, source: str = "the weights") -> None:
        """Copy checked arrays (any float dtype) into the net; raises WeightsError naming the key."""
        check_arrays(arrays, self.network, source)
        for key, a in self.arrays.items():
            np.copyto(a, np.asarray(arrays[key]), casting="unsafe")
