"""``nn-designer summary MODEL [--json] [--batch-size N]``."""
from __future__ import annotations

import json

from ..model import load_model
from ..model import summary


def add_arguments(p) -> None:
    p.add_argument("model", metavar="MODEL", help="a model file or a template name")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--batch-size", type=_positive, default=1, metavar="N",
                   help="batch size for the memory estimate (default 1)")


def _positive(text: str) -> int:
    from ..errors import UserError
    try:
        n = int(text)
    except ValueError:
        raise UserError(f"--batch-size must be a whole number, not {text!r}") from None
    if n < 1:
        raise UserError(f"--batch-size must be at least 1, not {n}")
    return n


def run(args) -> int:
    network = load_model(args.model)
    if args.json:
        print(json.dumps(summary.to_json(network, args.batch_size), indent=2, ensure_ascii=False))
    else:
        print(summary.to_text(network, args.batch_size), end="")
    return 0
