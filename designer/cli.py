"""The ``nn-designer`` command (docs/cli.md). With no command (or a model file) it opens the app.

Exit status: 0 on success; 2 for bad input or an output that cannot be written (a missing
folder, a read-only or full disk), with one sentence on stderr and no traceback; 1 for anything
else: an interruption, or a bug (any exception that is not a UserError), which is said to be one
in a sentence naming the log file that holds its traceback.
"""
from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import signal
import sys
import threading

from . import interrupts
from .errors import UserError, bug_report, describe, write_bug_log

# command -> module under designer.commands with add_arguments(parser) and run(args) -> int
COMMANDS = {
    "summary": "print the layer table: output volumes, parameters, warnings and errors",
    "train": "train a model with the NumPy engine",
    "predict": "run a trained model forward and save its outputs",
    "bench": "time training steps and print samples per second",
    "export": "write a PyTorch module, an ONNX model or a torchrun training folder",
    "explain": "write out a layer's output size and parameter count with its numbers",
    "render": "draw the design as the canvas does, to an SVG or PNG file",
    "import": "read an ONNX model into a design and a weights file",
    "install-desktop": "add NN Designer to the desktop's application menu",
}


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad arguments are one line and status 2."""

    def error(self, message):
        command = self.prog.removeprefix("nn-designer").strip()  # main() prints "nn-designer: "
        raise UserError(f"{command}: {message}" if command else message)


def build_parser(command: str = "") -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported, so each command starts fast."""
    parser = _Parser(prog="nn-designer", description="Design, check and train neural networks. "
                     "With no command, or with a model file, it opens the app.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")
    for name, text in COMMANDS.items():
        p = sub.add_parser(name, help=text, description=text)
        if name == command:
            _command_module(name).add_arguments(p)
    return parser


def _command_module(name: str):
    """The module of command ``name`` (``add_arguments(parser)``, ``run(args) -> int``), imported
    only when that command runs, so each command starts fast. The imports are written out, not
    loaded by name, so that the import contracts (pyproject.toml) see every one. "import" is a
    Python keyword; render draws with Qt, which only designer.ui may import. A stopping signal
    waits for the import's end (designer/interrupts.py)."""
    with interrupts.deferred():
        return _import_command(name)


def _import_command(name: str):
    if name == "summary":
        from .commands import summary as module
    elif name == "train":
        from .commands import train as module
    elif name == "predict":
        from .commands import predict as module
    elif name == "bench":
        from .commands import bench as module
    elif name == "export":
        from .commands import export as module
    elif name == "explain":
        from .commands import explain as module
    elif name == "render":
        from .ui import render_command as module
    elif name == "import":
        from .commands import import_onnx as module
    elif name == "install-desktop":
        from .commands import install_desktop as module
    else:
        raise KeyError(name)
    return module


def check_model_argument(word: str) -> None:
    """The window opens a model file or a template; any other first word is a mistake, said in one
    sentence (UserError): a mistyped command ("did you mean `summary`?") or a missing file."""
    from pathlib import Path

    from .model import TEMPLATES
    if Path(word).exists() or word in TEMPLATES:
        return
    close = difflib.get_close_matches(word, list(COMMANDS), n=1, cutoff=0.6)
    if close:
        raise UserError(f"unknown command '{word}'; did you mean `{close[0]}`? "
                        f"(the commands are {', '.join(COMMANDS)})")
    looks_like_file = "/" in word or "\\" in word or Path(word).suffix != ""
    if looks_like_file:
        raise UserError(f"{word}: no such file")
    templates = difflib.get_close_matches(word, list(TEMPLATES), n=1)
    hint = f"did you mean the template `{templates[0]}`? " if templates else ""
    raise UserError(f"'{word}' is neither a command, a file nor a template; {hint}"
                    f"the commands are {', '.join(COMMANDS)} (nn-designer --help)")


# Signals that end a command as Ctrl-C does (a closed terminal, a job scheduler's kill): each
# raises KeyboardInterrupt, so that atomic writes remove their temporary files and train stops
# after its batch and writes its outputs; by default SIGTERM killed the process in the middle of
# a write and left a hidden 200 MB temporary file beside an ONNX export.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))




@contextlib.contextmanager
def signals_as_interrupt():
    """While a command runs: SIGTERM and SIGHUP do what Ctrl-C does (then the handlers are put back)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, interrupts.interrupt) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not _is_command(argv):
        return _main(argv)  # the window: Qt's event loop, where a KeyboardInterrupt would be a bug dialog
    with signals_as_interrupt():
        return _main(argv)


def _is_command(argv: list) -> bool:
    return bool(argv) and argv[0] in COMMANDS


def _main(argv: list) -> int:
    from .atomic import discard_temporaries
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if argv:
                check_model_argument(argv[0])
            from .app import run_app
            return run_app(argv)
        args = build_parser(argv[0]).parse_args(argv)
        if args.command is None:
            from .app import run_app
            return run_app([])
        return int(_command_module(args.command).run(args) or 0)
    except UserError as e:
        print(f"nn-designer: {shown(str(e))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        discard_temporaries()
        print("nn-designer: interrupted", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
    except Exception as e:  # noqa: BLE001 — anything else is a bug: said to be one, with its traceback kept
        report_bug(e)
        return 1


def shown(text: str) -> str:
    """``text`` safe for a terminal: a control character or a lone surrogate (in a file's name, in
    a value quoted back) is written as its escape, ``\\x1b``, so nothing reaches the terminal raw."""
    return "".join(ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape", "backslashreplace")
                   .decode("ascii") if not 0xD800 <= ord(ch) <= 0xDFFF else f"\\u{ord(ch):04x}" for ch in text)


def report_bug(exc: BaseException) -> None:
    """Tell the user that ``exc`` is a bug in NN Designer, not a mistake of theirs, and where its
    traceback is: a log file, or standard error when no log can be written."""
    text = bug_report(exc)
    log = write_bug_log(text)
    if log is None:
        print(text, file=sys.stderr, end="")
    where = f"its traceback is in {log}" if log else "its traceback is above"
    print(f"nn-designer: this is a bug in NN Designer, not a problem with what you gave it "
          f"({describe(exc)}); {where}; please report it", file=sys.stderr)


def entry() -> None:
    """The console script. Ctrl-C, SIGTERM and SIGHUP end it cleanly from its first instant (while
    the command's modules are imported) to its last (once its answer is printed, a signal has
    nothing left to stop, so it is ignored while the process exits)."""
    stop = (signal.SIGINT,) + STOP_SIGNALS if _is_command(sys.argv[1:]) else ()
    for number in stop:
        signal.signal(number, interrupts.interrupt)
    try:
        code = main()
    except KeyboardInterrupt:  # between main's own handlers and its return
        print("nn-designer: interrupted", file=sys.stderr)
        code = 1
    for number in stop:
        signal.signal(number, signal.SIG_IGN)
    if interrupts.interrupted:
        # Interrupted while it imported an extension module (numpy, onnx's protobuf), the
        # interpreter's clean-up of that half-made module crashed the process now and then
        # (exit -11 where the command had said "interrupted"). Its outputs are complete or removed
        # by now, so end without that clean-up.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def gui_entry() -> None:
    """Entry point of the gui-script (no console window on Windows)."""
    sys.exit(main(sys.argv[1:]))
