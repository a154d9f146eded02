"""Write a network as a standalone PyTorch module: a ``.py`` file defining ``class Net(nn.Module)``.

The file reads like code a person wrote: one attribute per layer in ``__init__``, named after the
layer (its name in the design, else ``conv1``, ``relu2``, ``fc3`` … by kind), with the layer's
output volume as a comment, and one line per layer in ``forward``. It needs only torch and numpy
(nothing from NN Designer): ``load_weights(model, path)`` loads an NN Designer weights file
(``"{i}.weight"`` keys, i = the layer's index in the design) through the ``LAYERS`` table that
maps indices to attribute names, ``save_weights(model, path)`` writes one back, and
``python OUT.py [WEIGHTS.npz]`` builds the network and runs it on a random batch.
"""
from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Optional

from ..model.catalogue import format_shape, size_of
from ..model.keys import as_pair
from ..model.kinds_spatial import window_of
from . import ExportError, channels_first, checked_report

# What an unnamed layer of each kind is called ("conv1", "fc2", …), as in the course's figures.
STEMS = {"conv": "conv", "pool": "pool", "dense": "fc", "batchnorm": "bn", "leaky_relu": "lrelu",
         "dropout": "drop"}
# Attributes nn.Module already has, which a layer name must not replace.
_RESERVED = {"forward", "training", "train", "eval", "modules", "children", "parameters", "buffers",
             "state_dict", "apply", "to", "cpu", "cuda", "float", "double", "half", "type", "zero_grad",
             "requires_grad_", "register_buffer", "register_parameter", "add_module", "named_modules",
             "named_parameters", "named_children", "named_buffers", "load_state_dict", "extra_repr",
             "get_submodule", "get_parameter", "get_buffer", "dump_patches", "call_super_init"}
_HELPERS = {
    "Sign": '''

class Sign(nn.Module):
    """The perceptron's output: +1 if x > 0, else -1 (with a straight-through gradient)."""

    def forward(self, x):
        s = torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))
        return x + (s - x).detach()
''',
    "Maxout": '''

class Maxout(nn.Module):
    """The largest of each group of `pieces` consecutive channels (or features)."""

    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        return x.unflatten(1, (-1, self.pieces)).amax(2)

    def extra_repr(self):
        return f"pieces={self.pieces}"
''',
}
_FOOT = '''

# An NN Designer weights file names a layer's arrays by the layer's index in the design
# ("1.weight", "1.bias"); these are the attributes of Net that hold them.
LAYERS = {layers}


def load_weights(model, path):
    """Load an NN Designer weights file (.npz) into the model; returns the model."""
    state = {{}}
    with np.load(path, allow_pickle=False) as arrays:
        for key in arrays.files:
            index, _, array = key.partition(".")
            if not index.isdigit() or int(index) not in LAYERS:
                raise ValueError(f"{{path}}: {{key!r}} belongs to no layer of this network")
            state[f"{{LAYERS[int(index)]}}.{{array}}"] = torch.from_numpy(np.asarray(arrays[key]))
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{{path}} does not fit this network (missing {{missing}}, unexpected {{unexpected}})")
    return model


def save_weights(model, path):
    """Write the model's weights as an NN Designer weights file (.npz)."""
    index = {{name: i for i, name in LAYERS.items()}}
    arrays = {{}}
    for key, value in model.state_dict().items():
        name, _, array = key.partition(".")
        if array != "num_batches_tracked":
            arrays[f"{{index[name]}}.{{array}}"] = value.detach().cpu().numpy()
    np.savez(path, **arrays)


def build(weights=WEIGHTS):
    """The network in evaluation mode, with the weights loaded when a file is given."""
    model = Net()
    if weights:
        load_weights(model, weights)
    return model.eval()


if __name__ == "__main__":
    model = build(sys.argv[1] if len(sys.argv) > 1 else WEIGHTS)
    x = torch.rand(2, *INPUT_SHAPE)
    with torch.no_grad():
        y = model(x)
    print(model)
    print("output for a random batch of 2:", tuple(y.shape))
    print(y)
'''


def _pair(value) -> str:
    h, w = as_pair(value)
    return str(h) if h == w else f"({h}, {w})"


def attribute_names(network) -> list:
    """One Python attribute name per layer (the input layer's is unused): the layer's own name
    made an identifier, else the kind's stem and a count ("conv1", "relu2"); all different."""
    own = []
    for layer in network.layers:
        name = re.sub(r"\W+", "_", (layer.name or "").strip()).strip("_").lower()
        if name and (name[0].isdigit() or keyword.iskeyword(name) or name in _RESERVED):
            name = f"{STEMS.get(layer.type, layer.type)}_{name}"
        own.append(name)
    taken, used, names, counts = set(own), set(), [], {}
    for layer, name in zip(network.layers, own):
        if not name or name in used:  # unnamed, or a second layer of that name: numbered by kind
            stem = STEMS.get(layer.type, layer.type)
            while name in taken or not name:
                counts[stem] = counts.get(stem, 0) + 1
                name = f"{stem}{counts[stem]}"
            taken.add(name)
        used.add(name)
        names.append(name)
    return names


def _module(layer, info) -> tuple:
    """(constructor expression, forward expression with {m} for the module, helpers needed)."""
    cfg, t = layer.resolved(), layer.type
    vol = info.input is not None and len(info.input) == 3
    call = "{m}(x)"
    if t == "conv":
        k, s, p = window_of(t, cfg)
        extra = "".join([f", stride={_pair(s)}" if s != (1, 1) else "",
                         f", padding={_pair(p)}" if p != (0, 0) else "",
                         "" if cfg["bias"] else ", bias=False"])
        return f"nn.Conv2d({info.input[2]}, {cfg['filters']}, kernel_size={_pair(k)}{extra})", call, ()
    if t == "pool":
        k, s, p = window_of(t, cfg)
        extra = (f", stride={_pair(s)}" if s != k else "") + (f", padding={_pair(p)}" if p != (0, 0) else "")
        cls = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d"}.get(cfg["mode"])
        if cls is None:  # l2: the square root of the sum of squares (no padding)
            return f"nn.LPPool2d(2, kernel_size={_pair(k)}{extra})", call, ()
        return f"{cls}(kernel_size={_pair(k)}{extra})", call, ()
    if t == "dense":
        bias = "" if cfg["bias"] else ", bias=False"
        return (f"nn.Linear({size_of(info.input)}, {cfg['units']}{bias})",
                "{m}(x.flatten(1))" if vol else call, ())
    if t == "flatten":
        return "nn.Flatten()", call, ()
    if layer.kind.torch_module:  # a kind without settings that is one module (nn.ReLU())
        return layer.kind.torch_module, call, ()
    if t == "sign":
        return "Sign()", call, ("Sign",)
    if t == "leaky_relu":
        return f"nn.LeakyReLU({cfg['alpha']!r})", call, ()
    if t == "elu":
        return f"nn.ELU({cfg['alpha']!r})", call, ()
    if t == "maxout":
        return f"Maxout({cfg['pieces']})", call, ("Maxout",)
    if t == "dropout":
        return f"nn.Dropout({cfg['rate']!r})", call, ()
    if t == "lrn":
        expr = (f"nn.LocalResponseNorm({cfg['size']}, alpha={cfg['alpha']!r}, beta={cfg['beta']!r}, "
                f"k={cfg['k']!r})")
        return expr, call if vol else "{m}(x.unsqueeze(-1)).squeeze(-1)", ()
    if t == "batchnorm":
        cls, d = ("nn.BatchNorm2d", info.input[2]) if vol else ("nn.BatchNorm1d", info.input[0])
        return f"{cls}({d}, eps={cfg['eps']!r}, momentum={cfg['momentum']!r})", call, ()
    raise ExportError(f"layer {info.index} ({t}) has no PyTorch equivalent in the exporter")


def weights_line(weights_path, beside: bool = False) -> str:
    """The line of the module that names the weights file ``build()`` loads: an absolute path, or
    with ``beside`` the file of that name in the module's own folder (a folder that moves whole)."""
    if beside and weights_path:
        return f"WEIGHTS = str(Path(__file__).with_name({Path(weights_path).name!r}))"
    return f"WEIGHTS = {str(Path(weights_path).resolve()) if weights_path else None!r}"


def _aligned(pairs: list, indent: str) -> list:
    """Lines ``code  # comment`` with the comments in one column (long lines keep theirs close)."""
    width = min(max((len(code) for code, _ in pairs), default=0), 64)
    return [f"{indent}{code.ljust(width)}  # {comment}" if comment else f"{indent}{code}"
            for code, comment in pairs]


def pytorch_source(network, weights_path: Optional[str] = None, source: str = "", beside: bool = False) -> str:
    """The text of a standalone Python module that rebuilds ``network`` in PyTorch; ``beside``:
    see weights_line."""
    report = checked_report(network)
    names = attribute_names(network)
    inits, calls, helpers, holders = [], [], [], {}
    last = len(network.layers) - 1
    for layer, info, name in zip(network.layers, report.layers, names):
        if layer.type == "input":
            continue
        expr, call, need = _module(layer, info)
        helpers += [h for h in need if h not in helpers]
        if info.params:
            holders[info.index] = name
        shape = format_shape(info.output)
        note = f"{shape}, {info.params:,} parameters" if info.params else shape
        inits.append((f"self.{name} = {expr}", note))
        why = ""
        if call.startswith("{m}(x.flatten"):
            why = f"flattens {format_shape(info.input)} (depth, row, column) into {size_of(info.input)}"
        elif layer.type == "dropout":
            why = "active in model.train() only"
        if layer.type == "softmax" and info.index == last:
            calls += [("if scores:", ""), ("    return x", "the scores nn.CrossEntropyLoss wants")]
        calls.append((f"x = {call.format(m='self.' + name)}", why))
    title = network.name or "network"
    origin = f" from {source}" if source else ""
    shape = channels_first(report.input)
    axes = "D, H, W" if len(shape) == 3 else "features"
    total = sum(info.params for info in report.layers)
    ends_in_softmax = network.layers[-1].type == "softmax"
    head = [
        f'"""{title}: a PyTorch module written by NN Designer{origin}.',
        "",
        "`Net` is the design layer by layer; the comments give each layer's output as the course",
        "writes it (W×H×D), while PyTorch's tensors are (N, D, H, W). `load_weights(model, path)`",
        "loads an NN Designer weights file (.npz), `save_weights(model, path)` writes one, and",
        "`python THIS.py [WEIGHTS.npz]` builds the network and runs it on a random batch.",
        '"""',
        "import sys",
        *(["from pathlib import Path"] if beside and weights_path else []),
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        f"INPUT_SHAPE = {shape!r}  # one sample, channels first ({axes})",
        weights_line(weights_path, beside) + "  # the weights file build() loads",
    ]
    body = [_HELPERS[name] for name in helpers]
    net = [
        "",
        "",
        "class Net(nn.Module):",
        f'    """{title}: {format_shape(report.input)} → {format_shape(report.output)}, '
        f'{total:,} parameters."""',
        "",
        "    def __init__(self):",
        "        super().__init__()",
        *_aligned(inits, "        "),
        "",
        (f"    def forward(self, x, scores=False):  # x: (N, {', '.join(map(str, shape))}); "
         "scores=True: before the softmax" if ends_in_softmax else
         f"    def forward(self, x):  # x: (N, {', '.join(map(str, shape))})"),
        *_aligned(calls, "        "),
        "        return x",
    ]
    table = "{" + ", ".join(f"{i}: {name!r}" for i, name in holders.items()) + "}"
    return "\n".join(head) + "\n" + "".join(body) + "\n".join(net) + "\n" + _FOOT.format(layers=table)


def write_pytorch(network, out, weights_path=None, source: str = "") -> None:
    from ..atomic import write_text_atomic
    write_text_atomic(out, pytorch_source(network, weights_path, source))
