"""``nn-designer export MODEL --to pytorch|onnx [--weights W.npz] -o OUT``.

``pytorch`` writes a runnable ``.py`` defining ``Net(nn.Sequential)`` (module i = layer i, so the
weights file loads with no renaming); with weights, the file loads them from their path. ``onnx``
writes an ONNX model (opset 17) with the weights inside: the given ones, a template's shipped
ones, or else a fresh initialisation (seed 0). ONNX export needs the optional ``onnx`` package.
A template that ships weights (``mlp-example``) is exported with them unless ``--weights`` is given.
"""
from __future__ import annotations

from .args import different_files, output_file, writing


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--to", required=True, choices=("pytorch", "onnx"), help="the format to write")
    p.add_argument("--weights", metavar="W.npz", help="weights to include")
    p.add_argument("-o", "--output", type=output_file, required=True, metavar="OUT", help="the file to write")


def run(args) -> int:
    from ..model import load_model, load_weights
    from .train import start_weights

    network = load_model(args.model)
    weights = start_weights(args.model, args.weights)
    different_files(("--weights", weights), ("-o", args.output))
    arrays = load_weights(weights, network) if weights is not None else None
    if args.to == "pytorch":
        from ..export.pytorch import write_pytorch
        with writing(args.output):
            write_pytorch(network, args.output, weights, source=args.model)
        what = "a PyTorch module" + (f" loading {weights}" if weights else " (PyTorch's initialisation)")
    else:
        from ..export.onnx import write_onnx
        if arrays is None:
            from ..engine.net import EngineNet
            arrays = EngineNet(network, seed=0).state_dict()
        with writing(args.output):
            write_onnx(network, arrays, args.output)
        what = "an ONNX model" + (f" with the weights of {weights}" if weights else " with freshly initialised weights")
    print(f"wrote {args.output}: {what}")
    return 0
