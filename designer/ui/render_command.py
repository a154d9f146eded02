"""``nn-designer render MODEL -o FILE.svg|png [--scale S] [--collapse]``: the design drawn as the
canvas draws it, without a window (Qt's offscreen platform when there is no display)."""
from __future__ import annotations

import os
import sys

from ..atomic import different_files, output_problem, writing
from ..errors import UserError
from ..interrupts import deferred
from ..model import load_model, template_name


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="the picture to write: .svg or .png")
    p.add_argument("--scale", type=float, default=1.0, metavar="S",
                   help="pixels per canvas unit in a PNG (default 1; 2 for a sharp print)")
    p.add_argument("--collapse", action="store_true",
                   help="draw each residual or inception block as one block, as the canvas's Collapse blocks does")


def run(args) -> int:
    if not 0.05 <= args.scale <= 8:
        raise UserError(f"render: --scale is between 0.05 and 8, not {args.scale:g}")
    if not args.output.lower().endswith((".svg", ".png")):
        raise UserError(f"render: {args.output}: a diagram is written as .svg or .png")
    problem = output_problem(args.output)
    if problem:
        raise UserError(f"render: argument -o/--output: {problem}")
    network = load_model(args.model)
    different_files(("-o", args.output), inputs=[("MODEL", None if template_name(args.model) else args.model)])
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # headless: no window is shown anyway
    with deferred():   # a signal inside Qt's initialisation could crash the process
        from PySide6.QtWidgets import QApplication
        app = QApplication.instance() or QApplication(sys.argv[:1])
        from .diagram import diagram_scene, fit_bands, render
    scene = diagram_scene(network)
    if args.collapse:
        from .canvas.collapse import merge_blocks
        families = [layer.kind.family for layer in network.layers]
        for group in merge_blocks(scene.sources, scene.readers, families):
            scene.collapse([network[i].uid for i in group])
        fit_bands(scene)
    with writing(args.output):
        width, height = render(network, args.output, scene, args.scale)
    print(f"wrote {args.output} ({width}×{height})")
    del app
    return 0
