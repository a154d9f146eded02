"""Write a network as a runnable PyTorch module: a ``.py`` file defining ``Net(nn.Sequential)``.

Module ``i`` of the Sequential is layer ``i`` of the model (the input layer is an ``nn.Identity``),
so the Sequential's ``state_dict`` keys are exactly the weights file's ``"{i}.weight"`` keys and
a weights file loads with no renaming. The file needs only torch and numpy; run it with
``python OUT.py [WEIGHTS.npz]`` to build the network, load the weights and print the output for a
random input.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

from ..model.catalogue import format_shape
from ..model.keys import as_pair
from ..model.kinds_spatial import _padding
from . import channels_first, checked_report

_DENSE = '''

class Dense(nn.Linear):
    """nn.Linear that first flattens a volume depth-major (channel, row, column)."""

    def forward(self, x):
        return super().forward(x.flatten(1))
'''

_SIGN = '''

class Sign(nn.Module):
    """+1 if x > 0, else -1; trained with a straight-through gradient (the perceptron rule)."""

    def forward(self, x):
        s = torch.where(x > 0, torch.ones_like(x), -torch.ones_like(x))
        return x + (s - x).detach()
'''

_MAXOUT = '''

class Maxout(nn.Module):
    """Max over groups of `pieces` consecutive channels (or features)."""

    def __init__(self, pieces):
        super().__init__()
        self.pieces = pieces

    def forward(self, x):
        return x.unflatten(1, (-1, self.pieces)).amax(2)

    def extra_repr(self):
        return f"pieces={self.pieces}"
'''

_VECTOR_LRN = '''

class VectorLRN(nn.LocalResponseNorm):
    """Local response normalisation across the features of a vector (N, n)."""

    def forward(self, x):
        return super().forward(x.unsqueeze(-1)).squeeze(-1)
'''

_LOADER = '''

def load_weights(model, path):
    """Load an NN Designer weights file (.npz with "{i}.weight" keys) into the model."""
    with np.load(path, allow_pickle=False) as arrays:
        state = {key: torch.from_numpy(np.asarray(arrays[key])) for key in arrays.files}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [key for key in missing if not key.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise ValueError(f"{path}: does not fit this network (missing {missing}, unexpected {unexpected})")
    return model


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


def _module(layer, info) -> tuple:
    """(python expression, helper class names it needs) for one layer."""
    cfg = layer.resolved()
    t = layer.type
    vol = len(info.input) == 3 if info.input is not None else False
    if t == "input":
        return "nn.Identity()", ()
    if t == "conv":
        k, s = as_pair(cfg["kernel"]), as_pair(cfg["stride"])
        p = _padding(cfg, k, s)
        bias = "" if cfg["bias"] else ", bias=False"
        return (f"nn.Conv2d({info.input[2]}, {cfg['filters']}, kernel_size={_pair(k)}, "
                f"stride={_pair(s)}, padding={_pair(p)}{bias})"), ()
    if t == "pool":
        k = as_pair(cfg["size"])
        s = as_pair(cfg["stride"]) if "stride" in cfg else k
        p = as_pair(cfg.get("padding", 0))
        if cfg["mode"] == "l2":
            return f"nn.LPPool2d(2, kernel_size={_pair(k)}, stride={_pair(s)})", ()
        cls = "nn.MaxPool2d" if cfg["mode"] == "max" else "nn.AvgPool2d"
        return f"{cls}(kernel_size={_pair(k)}, stride={_pair(s)}, padding={_pair(p)})", ()
    if t == "dense":
        n_in = 1
        for d in info.input:
            n_in *= d
        bias = "" if cfg["bias"] else ", bias=False"
        if vol:
            return f"Dense({n_in}, {cfg['units']}{bias})", ("Dense",)
        return f"nn.Linear({n_in}, {cfg['units']}{bias})", ()
    if t == "flatten":
        return "nn.Flatten()", ()
    simple = {"relu": "nn.ReLU()", "sigmoid": "nn.Sigmoid()", "tanh": "nn.Tanh()",
              "softmax": "nn.Softmax(dim=1)"}
    if t in simple:
        return simple[t], ()
    if t == "leaky_relu":
        return f"nn.LeakyReLU(negative_slope={cfg['alpha']!r})", ()
    if t == "elu":
        return f"nn.ELU(alpha={cfg['alpha']!r})", ()
    if t == "sign":
        return "Sign()", ("Sign",)
    if t == "maxout":
        return f"Maxout({cfg['pieces']})", ("Maxout",)
    if t == "dropout":
        return f"nn.Dropout(p={cfg['rate']!r})", ()
    if t == "lrn":
        cls, need = ("nn.LocalResponseNorm", ()) if vol else ("VectorLRN", ("VectorLRN",))
        return (f"{cls}({cfg['size']}, alpha={cfg['alpha']!r}, beta={cfg['beta']!r}, "
                f"k={cfg['k']!r})"), need
    if t == "batchnorm":
        d = info.input[2] if vol else info.input[0]
        cls = "nn.BatchNorm2d" if vol else "nn.BatchNorm1d"
        return f"{cls}({d}, eps={cfg['eps']!r}, momentum={cfg['momentum']!r})", ()
    from . import ExportError
    raise ExportError(f"layer {info.index} ({t}) has no PyTorch equivalent in the exporter")


def pytorch_source(network, weights_path: Optional[str] = None, source: str = "") -> str:
    """The text of a Python module that rebuilds ``network`` in PyTorch."""
    report = checked_report(network)
    lines, helpers = [], []
    for layer, info in zip(network.layers, report.layers):
        expr, need = _module(layer, info)
        for name in need:
            if name not in helpers:
                helpers.append(name)
        label = f"{info.index} {layer.type}" + (f' "{layer.name}"' if layer.name else "")
        lines.append(f"            {expr},  # {label} -> {format_shape(info.output)}")
    title = network.name or "network"
    origin = f" from {source}" if source else ""
    shape = channels_first(report.input)
    head = [
        f'"""{title}: a PyTorch module written by NN Designer{origin}.',
        "",
        "Module i of the Sequential is layer i of the model, so NN Designer weights files (.npz)",
        "load with no renaming. Run `python THIS.py [WEIGHTS.npz]` to try it on a random input.",
        '"""',
        "import sys",
        "",
        "import numpy as np",
        "import torch",
        "from torch import nn",
        "",
        f"INPUT_SHAPE = {shape!r}  # per sample, channels first ({'D, H, W' if len(shape) == 3 else 'features'})",
        f"WEIGHTS = {str(weights_path) if weights_path else None!r}",
        "",
    ]
    blocks = {"Dense": _DENSE, "Sign": _SIGN, "Maxout": _MAXOUT, "VectorLRN": _VECTOR_LRN}
    body = [blocks[name] for name in helpers]
    net = [
        "",
        "class Net(nn.Sequential):",
        f'    """{title}, layer for layer (slices such as net[:-1] are Nets too)."""',
        "",
        "    def __init__(self, *modules):",
        "        super().__init__(*(modules or (",
        *lines,
        "        )))",
    ]
    return "\n".join(head) + "".join(body) + "\n" + "\n".join(net) + "\n" + _LOADER


def write_pytorch(network, out, weights_path=None, source: str = "") -> None:
    from ..atomic import write_text_atomic
    if weights_path is not None:
        weights_path = str(Path(weights_path).resolve())
    write_text_atomic(out, pytorch_source(network, weights_path, source))
