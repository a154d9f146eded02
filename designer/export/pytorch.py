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

from ..model import as_pair, array_shape, dilation_of, format_shape, pads_of, size_of, window_of
from .common import ExportError, checked_report, reads_volume, registrar

# Last layers whose input a training script's cross-entropy takes instead (forward(x, scores=True)):
# the softmax, and the log-softmax, whose NLL is the cross-entropy of those scores.
FOLDED = ("softmax", "log_softmax")
# What an unnamed layer of each kind is called ("conv1", "fc2", …), as in the course's figures.
STEMS = {"conv": "conv", "pool": "pool", "dense": "fc", "batchnorm": "bn", "leaky_relu": "lrelu",
         "dropout": "drop", "layer_norm": "ln"}
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
    "LayerNorm2d": '''

class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels at each position of (N, C, H, W), as torchvision's ConvNeXt."""

    def forward(self, x):
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
''',
    "LayerScale": '''

class LayerScale(nn.Module):
    """x times a learnt factor per channel (or feature): ConvNeXt's layer scale."""

    def __init__(self, channels, init):
        super().__init__()
        self.weight = nn.Parameter(torch.full((channels,), float(init)))

    def forward(self, x):
        return x * self.weight.view(-1, *[1] * (x.dim() - 2))
''',
    "ScaleShift": '''

class ScaleShift(nn.Module):
    """x * scale + shift per channel (or feature), constants loaded with the weights."""

    def __init__(self, channels):
        super().__init__()
        self.register_buffer("scale", torch.ones(channels))
        self.register_buffer("shift", torch.zeros(channels))

    def forward(self, x):
        shape = (-1, *[1] * (x.dim() - 2))
        return x * self.scale.view(shape) + self.shift.view(shape)
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


# One entry per kind: (the kind's resolved settings, its LayerInfo) -> (constructor expression or
# None, forward expression with {m} for the module and {x} for its input ({x0}, {x1}, ... a
# merge's), helpers needed). A kind without settings that is one module says so on the kind
# (``torch_module``) instead. Adding a kind: one entry here (tests/test_kind_tables.py names a
# kind that has none).
MODULES: dict = {}
_module_of = registrar(MODULES)
CALL = "{m}({x})"


@_module_of("conv")
def _conv(cfg, info) -> tuple:
    k, s, p = window_of("conv", cfg)
    groups, d = cfg.get("groups", 1), dilation_of(cfg)
    extra = "".join([f", stride={_pair(s)}" if s != (1, 1) else "",
                     f", padding={_pair(p)}" if p != (0, 0) else "",
                     f", dilation={_pair(d)}" if d != (1, 1) else "",
                     f", groups={groups}" if groups != 1 else "",
                     "" if cfg["bias"] else ", bias=False"])
    return f"nn.Conv2d({info.input[2]}, {cfg['filters']}, kernel_size={_pair(k)}{extra})", CALL, ()


@_module_of("pool")
def _pool(cfg, info) -> tuple:
    k, s, p = window_of("pool", cfg)
    extra = (f", stride={_pair(s)}" if s != k else "") + (f", padding={_pair(p)}" if p != (0, 0) else "")
    extra += f", dilation={_pair(dilation_of(cfg))}" if dilation_of(cfg) != (1, 1) else ""
    extra += ", ceil_mode=True" if cfg.get("ceil") else ""
    if cfg["mode"] == "avg" and not cfg.get("count_include_pad", True):
        extra += ", count_include_pad=False"
    cls = {"max": "nn.MaxPool2d", "avg": "nn.AvgPool2d"}.get(cfg["mode"])
    if cls is None:  # l2: the square root of the sum of squares (no padding)
        return f"nn.LPPool2d(2, kernel_size={_pair(k)}{extra})", CALL, ()
    return f"{cls}(kernel_size={_pair(k)}{extra})", CALL, ()


@_module_of("global_pool")
def _global_pool(cfg, info) -> tuple:
    return ("nn.AdaptiveMaxPool2d(1)" if cfg["mode"] == "max" else "nn.AdaptiveAvgPool2d(1)"), CALL, ()


@_module_of("add")
def _add(cfg, info) -> tuple:
    return None, " + ".join(f"{{x{j}}}" for j in range(len(info.inputs))), ()


@_module_of("concat")
def _concat(cfg, info) -> tuple:
    return None, "torch.cat([" + ", ".join(f"{{x{j}}}" for j in range(len(info.inputs))) + "], dim=1)", ()


@_module_of("pad")
def _pad(cfg, info) -> tuple:
    sides = pads_of(cfg)  # (left, right, top, bottom), as PyTorch's padding modules
    if cfg.get("value", 0.0) == 0:
        return f"nn.ZeroPad2d({sides})", CALL, ()
    return f"nn.ConstantPad2d({sides}, {float(cfg['value'])!r})", CALL, ()


@_module_of("mul")
def _mul(cfg, info) -> tuple:  # a (N, D, 1, 1) input broadcasts over H×W
    return None, " * ".join(f"{{x{j}}}" for j in range(len(info.inputs))), ()


@_module_of("channel_shuffle")
def _channel_shuffle(cfg, info) -> tuple:  # torchvision's channel_shuffle: (g, C/g) transposed
    if reads_volume(info):
        return f"nn.ChannelShuffle({cfg['groups']})", CALL, ()
    # nn.ChannelShuffle wants (N, C, ...): a vector's features are shuffled by the same view
    return None, f"{{x}}.unflatten(1, ({cfg['groups']}, -1)).transpose(1, 2).flatten(1, 2)", ()


@_module_of("channel_slice")
def _channel_slice(cfg, info) -> tuple:
    return None, f"{{x}}[:, {cfg['start']}:{cfg['stop']}]", ()


@_module_of("dense")
def _dense(cfg, info) -> tuple:
    bias = "" if cfg["bias"] else ", bias=False"
    return (f"nn.Linear({size_of(info.input)}, {cfg['units']}{bias})",
            "{m}({x}.flatten(1))" if reads_volume(info) else CALL, ())


@_module_of("flatten")
def _flatten(cfg, info) -> tuple:
    return "nn.Flatten()", CALL, ()


@_module_of("sign")
def _sign(cfg, info) -> tuple:
    return "Sign()", CALL, ("Sign",)


@_module_of("leaky_relu")
def _leaky_relu(cfg, info) -> tuple:
    return f"nn.LeakyReLU({cfg['alpha']!r})", CALL, ()


@_module_of("elu")
def _elu(cfg, info) -> tuple:
    return f"nn.ELU({cfg['alpha']!r})", CALL, ()


@_module_of("hardtanh")
def _hardtanh(cfg, info) -> tuple:
    return f"nn.Hardtanh({cfg['min_val']!r}, {cfg['max_val']!r})", CALL, ()


@_module_of("gelu")
def _gelu(cfg, info) -> tuple:
    return "nn.GELU(approximate='tanh')" if cfg["approximate"] == "tanh" else "nn.GELU()", CALL, ()


@_module_of("maxout")
def _maxout(cfg, info) -> tuple:
    return f"Maxout({cfg['pieces']})", CALL, ("Maxout",)


@_module_of("dropout")
def _dropout(cfg, info) -> tuple:
    return f"nn.Dropout({cfg['rate']!r})", CALL, ()


@_module_of("lrn")
def _lrn(cfg, info) -> tuple:
    expr = (f"nn.LocalResponseNorm({cfg['size']}, alpha={cfg['alpha']!r}, beta={cfg['beta']!r}, "
            f"k={cfg['k']!r})")
    return expr, CALL if reads_volume(info) else "{m}({x}.unsqueeze(-1)).squeeze(-1)", ()


@_module_of("batchnorm")
def _batchnorm(cfg, info) -> tuple:
    cls, d = ("nn.BatchNorm2d", info.input[2]) if reads_volume(info) else ("nn.BatchNorm1d", info.input[0])
    return f"{cls}({d}, eps={cfg['eps']!r}, momentum={cfg['momentum']!r})", CALL, ()


@_module_of("layer_norm")
def _layer_norm(cfg, info) -> tuple:
    if reads_volume(info):
        return f"LayerNorm2d({info.input[2]}, eps={cfg['eps']!r})", CALL, ("LayerNorm2d",)
    return f"nn.LayerNorm({info.input[0]}, eps={cfg['eps']!r})", CALL, ()


@_module_of("layer_scale")
def _layer_scale(cfg, info) -> tuple:
    return f"LayerScale({info.input[-1]}, {cfg['init']!r})", CALL, ("LayerScale",)


@_module_of("scale_shift")
def _scale_shift(cfg, info) -> tuple:
    return f"ScaleShift({info.input[-1]})", CALL, ("ScaleShift",)


def _module(layer, info) -> tuple:
    """(constructor expression or None, forward expression, helpers needed) of one layer."""
    make = MODULES.get(layer.type)
    if make is not None:
        return make(layer.resolved(), info)
    if layer.kind.torch_module:  # a kind without settings that is one module (nn.ReLU())
        return layer.kind.torch_module, CALL, ()
    raise ExportError(f"layer {info.index} ({layer.type}) has no PyTorch equivalent in the exporter")


# Names a tensor of forward() must not take: the running tensor, forward's own names, the modules.
_TAKEN = {"x", "self", "scores", "torch", "nn", "np", "sys"}


def tensor_names(network, report) -> list:
    """The variable of forward() that holds each layer's output. A link of a chain (read only by
    the next layer, which reads only it) writes ``x``, consumed by the very next line; an output
    the graph branches from or merges later gets its own name, the layer's id when that is a
    free identifier (``main``, ``shortcut``), else ``x{i}``. The last layer writes ``x``."""
    sources, readers = [info.sources for info in report.layers], report.readers
    last = len(sources) - 1
    names, used = [], set()
    for i, layer in enumerate(network.layers):
        if i == last or (readers[i] == [i + 1] and sources[i + 1] == [i]):
            names.append("x")
            continue
        name = re.sub(r"\W+", "_", str(getattr(layer, "id", None) or "")).strip("_")
        if (not name.isidentifier() or keyword.iskeyword(name) or name in _TAKEN or name in used
                or name in _builtins()):
            name = f"x{i}"
            while name in used:
                name += "_"
        used.add(name)
        names.append(name)
    return names


def _builtins() -> set:
    import builtins
    return set(dir(builtins))


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
    tensors = tensor_names(network, report)
    inits, calls, helpers, holders = [], [], [], {}
    last = len(network.layers) - 1
    for layer, info, name, out in zip(network.layers, report.layers, names, tensors):
        if layer.type == "input":
            continue
        expr, call, need = _module(layer, info)
        helpers += [h for h in need if h not in helpers]
        if info.param_count or info.buffer_count:  # scale_shift holds only constants
            holders[info.index] = name
        shape = format_shape(info.output)
        if expr is not None:
            note = f"{shape}, {info.param_count:,} parameters" if info.param_count else shape
            inits.append((f"self.{name} = {expr}", note))
        ins = [tensors[s] for s in info.sources]
        why = ""
        if call.startswith("{m}({x}.flatten"):
            why = f"flattens {format_shape(info.input)} (depth, row, column) into {size_of(info.input)}"
        elif layer.type == "dropout":
            why = "active in model.train() only"
        elif expr is None:
            why = shape
        if layer.type in FOLDED and info.index == last:
            calls += [("if scores:", ""), (f"    return {ins[0]}", "the scores nn.CrossEntropyLoss wants")]
        text = call.format(m="self." + name, x=ins[0], **{f"x{j}": v for j, v in enumerate(ins)})
        calls.append((f"{out} = {text}", why))
    # Names and paths go inside docstrings: a quote or a backslash is escaped, so that any name
    # ('"""', a trailing backslash) still gives a module that parses.
    title = _in_docstring(network.name or "network")
    origin = _in_docstring(f" from {source}") if source else ""
    shape = array_shape(report.input)
    axes = "D, H, W" if len(shape) == 3 else "features"
    total = sum(info.param_count for info in report.layers)
    ends_in_softmax = network.layers[-1].type in FOLDED
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
        (f"    def forward(self, {tensors[0]}, scores=False):  # {tensors[0]}: (N, {', '.join(map(str, shape))}); "
         "scores=True: before the softmax" if ends_in_softmax else
         f"    def forward(self, {tensors[0]}):  # {tensors[0]}: (N, {', '.join(map(str, shape))})"),
        *_aligned(calls, "        "),
        "        return x",
    ]
    table = _table(holders)
    return "\n".join(head) + "\n" + "".join(body) + "\n".join(net) + "\n" + _FOOT.format(layers=table)


def _table(holders: dict) -> str:
    """The LAYERS dict's text: on one line when it fits, else wrapped at about 100 characters."""
    items = [f"{i}: {name!r}" for i, name in holders.items()]
    one = "{" + ", ".join(items) + "}"
    if len(one) <= 90:
        return one
    lines, line = [], ""
    for item in items:
        if line and len(line) + len(item) > 92:
            lines.append(line + ",")
            line = item
        else:
            line = f"{line}, {item}" if line else item
    return "{\n" + "\n".join(f"    {text}" for text in lines + [line + ","]) + "\n}"


def write_pytorch(network, out, weights_path=None, source: str = "") -> None:
    from ..atomic import write_text_atomic
    write_text_atomic(out, pytorch_source(network, weights_path, source))


def _in_docstring(text: str) -> str:
    """``text`` as it may stand inside a triple-quoted string: backslashes and quotes escaped."""
    return text.replace("\\", "\\\\").replace('"', '\\"')
