"""Argument types shared by the commands: each rejects a bad value with a plain sentence
(argparse shows it as "argument --lr: must be greater than 0, not -1")."""
from __future__ import annotations

import argparse
import contextlib
import math

from ..atomic import output_problem
from ..errors import UserError


def _number(text: str, number_type):
    try:
        value = number_type(text)
    except ValueError:
        word = "a whole number" if number_type is int else "a number"
        raise argparse.ArgumentTypeError(f"must be {word}, not {text!r}") from None
    if number_type is float and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def _ranged(number_type, ok, bounds: str):
    """An argument type: a number of ``number_type`` for which ``ok(value)`` holds ("must be {bounds}")."""
    def check(text: str):
        value = _number(text, number_type)
        if not ok(value):
            shown = value if number_type is int else f"{value:g}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {shown}")
        return value
    return check


positive_int = _ranged(int, lambda v: v >= 1, "at least 1")
non_negative_int = _ranged(int, lambda v: v >= 0, "0 or more")
positive_float = _ranged(float, lambda v: v > 0, "greater than 0")
non_negative_float = _ranged(float, lambda v: v >= 0, "0 or more")
fraction = _ranged(float, lambda v: 0 <= v < 1, "at least 0 and below 1")  # a value in [0, 1)


def setting_type(setting):
    """The argparse type of a training setting (engine/settings.py): its parse, with the message
    argparse shows after the option's name ("argument --lr: must be greater than 0, not -1")."""
    def parse(text: str):
        try:
            return setting.parse(text)
        except UserError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = setting.name
    return parse


def default_text(setting) -> str:
    """A setting's default as ``--help`` shows it."""
    value = setting.default
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def output_file(text: str) -> str:
    """A file the command will write (argparse's type): atomic.output_problem as argparse's error."""
    problem = output_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def model_file(spec):
    """A MODEL argument's file, or None for a template's name."""
    from ..model import template_name
    return None if template_name(str(spec)) else spec


def data_file(spec):
    """A --data argument's file or folder, or None for a built-in set's name."""
    from ..engine.data import parse_builtin
    return None if spec is None or parse_builtin(str(spec)) is not None else spec


@contextlib.contextmanager
def batch_memory(batch_size: int, network=None, dtype="float32"):
    """Refuse a batch whose estimated training memory exceeds what the machine has available (the
    process would be killed), and turn NumPy's failure to allocate a batch's arrays into one
    sentence that names the way out."""
    if network is not None and not network.report().problems:
        from ..engine import memory_problem
        problem = memory_problem(network, batch_size, advice=batch_advice(batch_size), dtype=dtype)
        if problem:
            raise UserError(problem.rstrip("."))
    try:
        yield
    except MemoryError as e:
        what = "one sample" if batch_size == 1 else f"a batch of {batch_size:,} samples"
        raise UserError(f"{what} does not fit in memory ({e}); {batch_advice(batch_size)}") from None


def batch_advice(batch_size: int) -> str:
    """The way out of a batch that does not fit: a smaller batch, unless it is one sample already."""
    if batch_size > 1:
        return "choose a smaller --batch-size"
    return "the network is too large for this machine's memory even one sample at a time; make it smaller"


def network_memory(network, copies: float = 3.0, what: str = "the weights") -> None:
    """Refuse a network whose weights do not fit in the memory available, before anything
    allocates them (export and train do, as bench's batch check does). ``copies``: how many
    float32 copies of the weights the command holds at its peak; initial weights are drawn in
    float64 first (two copies' worth) before they are float32, hence 3 by default."""
    from ..model import available_memory, human_bytes
    report = network.report()
    if report.problems:
        return
    weights, have = report.param_bytes, available_memory()
    need = int(weights * copies)
    if have is not None and need > have:
        also = f" ({human_bytes(need)} while they are drawn)" if what == "the weights" else \
            f", and {what} needs {human_bytes(need)}"
        raise UserError(f"the weights of {network.name or 'the network'} need {human_bytes(weights)} of memory{also}, "
                        f"but this machine has {human_bytes(have)} available; make the network smaller")
