"""``nn-designer predict MODEL --weights W.npz [W2.npz ...] --data DATA [-o OUT.npy]``.

Runs the network forward in evaluation mode and writes what it outputs as designed (after its
final softmax, if any): one row per sample. Several weights files make an ensemble whose outputs
are averaged (the course's 7-network committee). With ``-o`` the rows go to an ``.npy`` file,
otherwise to standard output as text. When the data has class labels, the accuracy is printed
(on standard error when the rows go to standard output).
"""
from __future__ import annotations

import io
import sys

import numpy as np

from ..atomic import different_files, writing
from .args import batch_memory, data_file, model_file, network_memory, output_file, positive_int


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--weights", required=True, nargs="+", metavar="W.npz",
                   help="one weights file, or several whose outputs are averaged")
    p.add_argument("--data", required=True, metavar="DATA", help="a built-in data set or a data file/folder")
    p.add_argument("-o", "--output", type=output_file, metavar="OUT.npy", help="write the outputs to this .npy file")
    p.add_argument("--batch-size", type=positive_int, default=256, metavar="N",
                   help="samples per forward pass (256)")


def ensemble_outputs(network, weight_sets: list, x: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """The mean of the network's evaluation-mode outputs over the weight sets (dicts of arrays),
    in float64 when a weights file is, else float32."""
    from ..engine import EngineNet
    wide = any(a.dtype == np.float64 for arrays in weight_sets for a in arrays.values())
    net = EngineNet(network, dtype=np.float64 if wide else np.float32)
    total = None
    for arrays in weight_sets:
        net.load_state_dict(arrays)
        out = net.predict(x, batch_size=batch_size).astype(np.float64)
        total = out if total is None else total + out
    return (total / len(weight_sets)).astype(net.dtype)


def run(args) -> int:
    from ..atomic import write_bytes_atomic
    from ..engine.data import check_fits, load_data
    from ..engine import predicted_classes
    from ..model import load_model, load_weights

    different_files(("-o", args.output), inputs=[("MODEL", model_file(args.model)), ("--data", data_file(args.data)),
                                                 *(("--weights", path) for path in args.weights)])
    network = load_model(args.model)
    network_memory(network)
    weight_sets = [load_weights(path, network) for path in args.weights]
    dataset = load_data(args.data)
    check_fits(dataset, network.report().input)
    with batch_memory(args.batch_size):
        out = ensemble_outputs(network, weight_sets, dataset.x, args.batch_size)
    out = out.reshape(len(out), -1)
    n_out = out.shape[1]
    lines = []
    if not dataset.has_targets and len(dataset) and int(dataset.y.max()) < max(n_out, 2):
        pred = predicted_classes(out, network.layers[-1].type)
        right = int(np.count_nonzero(pred == dataset.y))
        lines.append(f"accuracy {100 * right / len(dataset):.2f} % ({right} of {len(dataset)})")
    ensemble = f" (mean of {len(weight_sets)} networks)" if len(weight_sets) > 1 else ""
    if args.output:
        buf = io.BytesIO()
        np.save(buf, out)
        with writing(args.output):
            write_bytes_atomic(args.output, buf.getvalue())
        print(f"wrote {args.output}: {len(out)} rows of {n_out} output{'s' if n_out != 1 else ''}{ensemble}")
        for line in lines:
            print(line)
    else:
        np.savetxt(sys.stdout, out, fmt="%.6g", delimiter=",")
        for line in lines:
            print(line + ensemble, file=sys.stderr)
    return 0
