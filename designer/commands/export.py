"""``nn-designer export MODEL --to pytorch|onnx|torchrun [--weights W.npz] -o OUT``.

``pytorch`` writes a standalone ``.py`` defining ``Net(nn.Module)``, one named line per layer,
with ``load_weights``/``save_weights`` for our ``.npz`` files; with weights, the file loads them
from their path. ``onnx`` writes an ONNX model (opset 17) with the weights inside: the given
ones, a template's shipped ones, or else a fresh initialisation (seed 0); it needs the
``export`` extra (the onnx package). ``torchrun`` writes a folder OUT: model.py (the
``pytorch`` module), train.py and README.md (designer/export/torchrun.py). A template that ships
weights (``mlp-example``) is exported with them unless ``--weights`` is given (beside a ``.py``
as ``<name>.npz``, in a training folder as ``weights.npz``).
"""
from __future__ import annotations

from pathlib import Path

from ..atomic import together
from ..errors import UserError
from ..export import FORMATS
from ..atomic import different_files, writing
from .args import model_file, network_memory, output_file


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--to", required=True, choices=FORMATS, help="the format to write")
    p.add_argument("--weights", metavar="W.npz", help="weights to include")
    p.add_argument("-o", "--output", type=_output, required=True, metavar="OUT",
                   help="the file to write (for torchrun: the folder)")


def _output(text: str) -> str:
    """The file to write, or an existing folder (torchrun's; the other formats refuse it in run)."""
    return text if Path(text).is_dir() else output_file(text)


# An ONNX export holds the weights about 8 times at its peak (drawn in float64, as float32, as
# the tensors' bytes, in the serialised protobuf); measured 31 bytes a parameter. Protobuf
# cannot serialise a message over 2 GB, so a model past it is refused before anything is drawn.
ONNX_COPIES = 8
PROTOBUF_LIMIT = 2 ** 31 - 1


def _onnx_size(network) -> None:
    from ..model import human_bytes
    report = network.report()
    if not report.problems and report.param_bytes >= PROTOBUF_LIMIT:
        raise UserError(f"the weights of {network.name or 'the network'} are {human_bytes(report.param_bytes)}, "
                        "more than the 2 GB an ONNX file can hold; export it --to pytorch, or make it smaller")


def run(args) -> int:
    from ..export import export_network
    from ..model import load_model, shipped_weights

    if args.to != "torchrun" and Path(args.output).is_dir():
        raise UserError(f"argument -o/--output: {args.output} is a folder; give the name of a file to write")
    network = load_model(args.model)
    network_memory(network)
    if args.to == "onnx":
        _onnx_size(network)
        network_memory(network, ONNX_COPIES, "writing them as an ONNX model")
    weights = shipped_weights(args.model, args.weights)
    outputs = [("-o", args.output)]
    if args.to == "torchrun":  # every file of the folder is an output (a weights.npz there may link to --weights)
        from ..export import FILES
        outputs = [("-o", str(Path(args.output) / name)) for name in FILES]
    different_files(*outputs, inputs=[("MODEL", model_file(args.model)), ("--weights", weights)])
    arrays = None
    if weights is not None and not args.weights and args.to in ("pytorch", "torchrun"):
        from ..model import load_weights  # a template's: copied beside the .py, not referenced
        arrays, weights = load_weights(weights, network), None
    with writing(args.output), together():  # a module and its weights file: both or neither
        print(export_network(network, args.to, args.output, weights_path=weights, arrays=arrays,
                             source=args.model))
    return 0
