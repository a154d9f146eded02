"""``nn-designer export MODEL --to pytorch|onnx [--weights W.npz] -o OUT``.

``pytorch`` writes a standalone ``.py`` defining ``Net(nn.Module)``, one named line per layer,
with ``load_weights``/``save_weights`` for our ``.npz`` files; with weights, the file loads them
from their path. ``onnx`` writes an ONNX model (opset 17) with the weights inside: the given
ones, a template's shipped ones, or else a fresh initialisation (seed 0); it needs the
``export`` extra (the onnx package). A template that ships weights (``mlp-example``) is exported
with them unless ``--weights`` is given (beside a ``.py`` as ``<name>.npz``).
"""
from __future__ import annotations

from .args import different_files, model_file, network_memory, output_file, writing


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--to", required=True, choices=("pytorch", "onnx"), help="the format to write")
    p.add_argument("--weights", metavar="W.npz", help="weights to include")
    p.add_argument("-o", "--output", type=output_file, required=True, metavar="OUT", help="the file to write")


def run(args) -> int:
    from ..export import export_network
    from ..model import load_model, shipped_weights

    network = load_model(args.model)
    network_memory(network)
    weights = shipped_weights(args.model, args.weights)
    different_files(("-o", args.output), inputs=[("MODEL", model_file(args.model)), ("--weights", weights)])
    arrays = None
    if weights is not None and not args.weights and args.to == "pytorch":
        from ..model import load_weights  # a template's: copied beside the .py, not referenced
        arrays, weights = load_weights(weights, network), None
    with writing(args.output):
        print(export_network(network, args.to, args.output, weights_path=weights, arrays=arrays,
                             source=args.model))
    return 0
