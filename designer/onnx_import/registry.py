"""The importer's registry, keyed by ONNX op type (as onnx's reference implementation keeps its
operators): each operator it reads, with its handler (``handler(mapper, node)``, registered with
``@maps``), or, without a handler, an operator read only inside a pattern that folding turns into
one node a handler reads (``read_in_patterns``). mapping.py and vocabulary.py register into it;
the list of imported operators that refusals print is derived from it (``supported()``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional


@dataclass(frozen=True)
class Operator:
    op: str  # the ONNX op type, of the default domain
    handler: Optional[Callable]  # handler(mapper, node); None: read only inside a folded pattern
    listed: str  # how the list of imported operators names it ("Reshape to (N, -1)"); "" leaves it out
    pattern: str = ""  # for one without a handler: the pattern it is read in


OPERATORS: dict[str, Operator] = {}

# layer type -> why its ONNX export does not import back (none today)
NOT_IMPORTABLE: dict[str, str] = {}


def _register(entry: Operator) -> None:
    if entry.op in OPERATORS:
        raise RuntimeError(f"the ONNX operator {entry.op} is registered twice")
    OPERATORS[entry.op] = entry


def maps(*ops: str, listed: Optional[str] = None):
    """Decorator: register the handler for the op types ``ops``. ``listed`` is how the refusals'
    list names it (the op type by default; "" for one only folding writes)."""
    def register(handler: Callable) -> Callable:
        for op in ops:
            _register(Operator(op, handler, op if listed is None else listed))
        return handler
    return register


def read_in_patterns(pattern: str, *ops: str, listed: bool = False) -> None:
    """Register ``ops`` as read only inside ``pattern`` (one that folding.py turns into a node a
    handler reads); ``listed`` names them in the refusals' list too (MatMul: a dense layer by itself)."""
    for op in ops:
        _register(Operator(op, None, op if listed else "", pattern))


# The operators read only inside folding's patterns (the others in them have handlers).
read_in_patterns("our export's sign, Where(x > 0, 1, -1)", "Greater", "Where")
read_in_patterns("our export's LRN of a vector (Unsqueeze, LRN, Squeeze), or PyTorch's LocalResponseNorm",
                 "Unsqueeze", "Squeeze")
read_in_patterns("PyTorch's LocalResponseNorm (Mul, Pad, AveragePool, Mul, Add, Pow, Div)", "Pow")


def handler_of(op: str) -> Optional[Callable]:
    entry = OPERATORS.get(op)
    return entry.handler if entry is not None else None


def supported() -> str:
    """The operators a refusal says the designer imports, alphabetically: "Add, …, Sum and Tanh"."""
    names = sorted({entry.listed for entry in OPERATORS.values() if entry.listed}, key=str.lower)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _f(value) -> float:
    """A float attribute (stored as float32 in the file) as the decimal it was written as."""
    return float(f"{float(value):.7g}")
read_in_patterns("a channel shuffle: Reshape to (N, g, C/g, H, W), Transpose of the group axes, Reshape back",
                 "Transpose")
