"""Start the desktop app (imports Qt only when called)."""
from __future__ import annotations

import sys


def run_app(argv: list) -> int:
    from .ui.application import run
    return run(argv)


def gui_entry() -> None:
    """Entry point of the gui-script (no console window on Windows)."""
    sys.exit(run_app(sys.argv[1:]))
