"""Randomly generated branched networks (residual adds with and without 1×1 projections,
inception-style concats, grouped convs, ceil-mode pools, global pooling, vector merges) have the
shapes, parameter counts and weights-file arrays of the same network built in PyTorch.

The PyTorch twin is built here, layer by layer from each layer's PyTorch module
(``torch_support.torch_module``), and run over the same graph: an add sums, a concat
joins along dim 1."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from designer.model import Layer, Network, expected_arrays  # noqa: E402
from designer.model.graph import follows  # noqa: E402
from torch_support import main_linear, torch_module  # noqa: E402


class Draw:
    """Builds a random valid graph, block by block, tracking the current shape."""

    def __init__(self, rng):
        self.rng = rng
        self.layers = []
        self.shape = None
        self.count = 0

    def pick(self, options):
        return options[self.rng.integers(len(options))]

    def add(self, type_, inputs=None, **cfg) -> str:
        """Append a layer (reading ``inputs`` ids, else the layer before); returns its id."""
        self.count += 1
        lid = f"l{self.count}"
        layer = Layer.make(type_, **cfg)
        layer.id = lid
        by_id = {other.id: other for other in self.layers}
        layer.sources = [by_id[i] for i in inputs] if inputs else []  # none: the layer before
        self.layers.append(layer)
        self.shape = Network(list(self.layers)).report().layers[-1].output
        return lid

    def last(self) -> str:
        return self.layers[-1].id

    # ------------------------------------------------------------------ blocks
    def conv(self):
        d = self.shape[2]
        groups = self.pick([g for g in (1, 2, 3) if d % g == 0])
        filters = groups * int(self.rng.integers(1, 4))
        self.add("conv", filters=filters, kernel=self.pick([1, 3, [3, 1]]), padding=self.pick([0, 1, "same"]),
                 stride=self.pick([1, 1, 2]), groups=groups, bias=bool(self.rng.random() < 0.7))
        self.add(self.pick(["relu", "batchnorm", "tanh"]))

    def pool(self):
        self.add("pool", mode=self.pick(["max", "avg"]), size=self.pick([2, 3]), stride=self.pick([1, 2]),
                 ceil=bool(self.rng.random() < 0.5))

    def residual(self):
        start, d = self.last(), self.shape[2]
        stride = self.pick([1, 2])
        filters = self.pick([d, d, 2 * d])
        self.add("conv", filters=filters, kernel=3, stride=stride, padding=1, bias=False)
        self.add("batchnorm")
        self.add("relu")
        self.add("conv", filters=filters, kernel=3, padding=1, bias=False)
        main = self.add("batchnorm")
        shortcut = start
        if stride != 1 or filters != d:  # a 1×1 projection where the shape changes
            self.add("conv", inputs=[start], filters=filters, kernel=1, stride=stride, bias=False)
            shortcut = self.add("batchnorm")
        self.add("add", inputs=[main, shortcut])
        self.add("relu")

    def inception(self):
        start = self.last()
        ends = [self.add("conv", inputs=[start], filters=int(self.rng.integers(1, 4)), kernel=1)]
        self.add("conv", inputs=[start], filters=2, kernel=1)
        ends.append(self.add("conv", filters=int(self.rng.integers(1, 4)), kernel=3, padding=1))
        self.add("pool", inputs=[start], mode="max", size=3, stride=1, padding=1)
        ends.append(self.add("conv", filters=int(self.rng.integers(1, 3)), kernel=1))
        self.add("concat", inputs=ends)

    def head(self):
        if self.rng.random() < 0.5:
            self.add("global_pool", mode=self.pick(["avg", "max"]))
        else:
            self.add("flatten")
        if self.rng.random() < 0.4:  # two vectors from one, joined or summed
            start = self.last()
            a = self.add("dense", inputs=[start], units=4)
            b = self.add("dense", inputs=[start], units=4)
            self.add(self.pick(["concat", "add"]), inputs=[a, b])
        self.add("dense", units=int(self.rng.integers(2, 5)))


def random_graph(seed: int) -> Network:
    rng = np.random.default_rng(seed)
    for _ in range(100):
        draw = Draw(rng)
        draw.add("input", width=int(rng.integers(6, 13)), height=int(rng.integers(6, 13)),
                 depth=int(draw.pick([2, 3, 4, 6])))
        for _ in range(int(rng.integers(1, 4))):
            if draw.shape is None:
                break
            getattr(draw, draw.pick(["conv", "pool", "residual", "residual", "inception"]))()
        if draw.shape is not None:
            draw.head()
        network = Network(draw.layers)
        if not network.report().problems:
            return network
    raise AssertionError("no valid random graph drawn")


def torch_run(network: Network):
    """Each layer's PyTorch module and output, run over the graph on a batch of 2."""
    report = network.report()
    first = report.layers[0].output
    x = torch.zeros((2,) + ((first[2], first[1], first[0]) if len(first) == 3 else first))
    modules, outs = [], []
    for layer, info in zip(network.layers, report.layers):
        if layer.type in ("add", "concat"):
            xs = [outs[s] for s in info.sources]
            modules.append(None)
            outs.append(sum(xs[1:], xs[0]) if layer.type == "add" else torch.cat(xs, dim=1))
            continue
        module = torch_module(layer, info.input)
        modules.append(module)
        outs.append(module(outs[info.sources[0]] if info.sources else x))
    return modules, outs


@pytest.mark.parametrize("seed", range(40))
def test_random_graph_shapes_counts_and_arrays_match_torch(seed):
    network = random_graph(seed)
    report = network.report()
    modules, outs = torch_run(network)
    want_arrays = expected_arrays(network)
    got_arrays = {}
    for info, module, out in zip(report.layers, modules, outs):
        shape = info.output
        assert tuple(out.shape[1:]) == ((shape[2], shape[1], shape[0]) if len(shape) == 3 else shape), \
            (info.index, info.type)
        if module is None:
            assert info.param_count == 0
            continue
        assert sum(p.numel() for p in module.parameters()) == info.param_count, (info.index, info.type)
        for name, tensor in main_linear(module).state_dict().items():
            if name != "num_batches_tracked":
                got_arrays[f"{info.index}.{name}"] = tuple(tensor.shape)
    assert got_arrays == want_arrays


def test_the_generator_covers_every_branch_feature():
    nets = [random_graph(seed).layers for seed in range(40)]
    layers = [layer for net in nets for layer in net]
    types = {layer.type for layer in layers}
    assert {"add", "concat", "global_pool", "conv", "pool", "batchnorm", "dense"} <= types
    assert any(layer.type == "conv" and layer.resolved()["groups"] > 1 for layer in layers)
    assert any(layer.type == "pool" and layer.resolved()["ceil"] for layer in layers)
    assert any(layer.type == "conv" and not follows(net, i) and layer.resolved()["kernel"] == 1
               for net in nets for i, layer in enumerate(net))
