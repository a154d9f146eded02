"""``nn-designer summary MODEL [--json] [--batch-size N]``."""
from __future__ import annotations

import json

from ..model import load_model, summary
from .args import positive_int


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--batch-size", type=positive_int, default=1, metavar="N",
                   help="batch size for the memory estimate (default 1)")


def run(args) -> int:
    network = load_model(args.model)
    if args.json:
        print(json.dumps(summary.to_json(network, args.batch_size), indent=2, ensure_ascii=False))
    else:
        print(summary.to_text(network, args.batch_size), end="")
    return 0
