"""``nn-designer import MODEL.onnx -o OUT.json [--weights OUT.npz]``.

Reads an ONNX model into a design and, with ``--weights``, its weights file. An operator or
setting the designer cannot represent is one sentence naming the node, and nothing is written;
both files are written atomically, after the whole model has been imported, and together: a
failure to write one (a full disk) leaves neither.
"""
from __future__ import annotations

from ..atomic import together
from ..atomic import different_files, writing
from .args import output_file


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL.onnx", help="the ONNX model to import")
    p.add_argument("-o", "--output", type=output_file, required=True, metavar="OUT.json",
                   help="the model file to write")
    p.add_argument("--weights", type=output_file, metavar="OUT.npz", help="the weights file to write")


def run(args) -> int:
    from ..model import save, save_weights
    from ..onnx_import import import_onnx

    different_files(("-o", args.output), ("--weights", args.weights), inputs=[("MODEL.onnx", args.model)])
    imported = import_onnx(args.model)
    layers = imported.document["layers"]
    params = imported.network.report().total_params
    with writing(args.output), together():  # both files, or neither: never the weights alone
        if args.weights and imported.arrays:
            with writing(args.weights):
                save_weights(args.weights, imported.arrays)
        save(imported.network, args.output)
    print(f"wrote {args.output}: {len(layers)} layers, {params:,} parameters")
    if args.weights and imported.arrays:
        print(f"wrote {args.weights}: {len(imported.arrays)} arrays")
    elif args.weights:
        print(f"no weights: the model has no layer with weights, so {args.weights} was not written")
    elif imported.arrays:
        print("its weights were not written; give --weights OUT.npz to keep them")
    return 0
