"""The computational-graph lesson's arithmetic: a tiny expression graph of gates (add, mul, max,
multiply-by-a-constant, sigmoid), its forward values in topological order and its backward pass
one gate at a time, each step with the values and gradients it knows and the chain-rule sentences
it writes ("∂f/∂x = ∂f/∂q · ∂q/∂x = −4 · 1 = −4").

``EXAMPLES`` holds the course's f(x, y, z) = (x + y)·z (the default), CS231n's
f = 2·(x·y + max(z, w)) (the max gate) and CS231n's sigmoid neuron. ``Stepper`` is the lesson's
state: the example, its inputs and how many steps have been taken.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

GATES = ("add", "mul", "max", "scale", "sigmoid")
LEAVES = ("input", "const")

SYMBOLS = {"add": "+", "mul": "×", "max": "max", "sigmoid": "σ"}

# What the course says of each gate in the backward pass.
GATE_NOTES = {
    "add": "The add gate distributes the gradient equally to its inputs: each gets the upstream "
           "gradient unchanged (its local gradient is 1).",
    "mul": "The mul gate switches: each input gets the other input's value times the upstream "
           "gradient.",
    "max": "The max gate routes the gradient: the larger input gets all of it (local gradient 1), "
           "the other gets 0.",
    "scale": "Multiplying by a constant k scales the gradient by k.",
    "sigmoid": "The sigmoid gate's local gradient comes from its output: σ′(x) = σ(x)·(1 − σ(x)).",
}


def number(v: float) -> str:
    """A value as the course prints it: −12, 3, 0.73 (two decimals at most, a real minus sign)."""
    if abs(v) < 5e-13:
        v = 0.0
    if abs(v - round(v)) < 1e-9:
        text = str(int(round(v)))
    elif abs(v) >= 0.01:
        text = f"{v:.2f}".rstrip("0").rstrip(".")
    else:
        text = f"{v:.2g}"
    return text.replace("-", "−")


def exact(*values: float) -> bool:
    """Whether ``number`` prints every one of ``values`` without rounding."""
    return all(abs(float(number(v).replace("−", "-")) - v) < 1e-9 for v in values)


def equals(*values: float) -> str:
    """"=" when every value of a sentence prints exactly, "≈" when some are rounded."""
    return "=" if exact(*values) else "≈"


def operand(v: float) -> str:
    """``number(v)`` in parentheses when negative, for the right of a + or ·: 3 · (−4)."""
    text = number(v)
    return f"({text})" if text.startswith("−") else text


def sigmoid(v: float) -> float:
    return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))


@dataclass(frozen=True)
class Node:
    """A leaf (``input``: set by the user; ``const``) or a gate over the nodes named in ``inputs``.
    ``value`` is a leaf's default value, or the factor k of a ``scale`` gate."""
    name: str
    op: str
    inputs: tuple[str, ...] = ()
    value: float = 0.0

    @property
    def symbol(self) -> str:
        """What a gate's circle shows: +, ×, max, σ, ×2."""
        return f"×{number(self.value)}" if self.op == "scale" else SYMBOLS.get(self.op, self.name)

    @property
    def title(self) -> str:
        return {"add": "add gate", "mul": "mul gate", "max": "max gate", "sigmoid": "sigmoid gate",
                "scale": f"×{number(self.value)} gate"}.get(self.op, self.name)


@dataclass(frozen=True)
class Step:
    """The state after one step: ``phase`` is "start", "forward" or "backward"; ``node`` the node
    worked on; ``values`` and ``grads`` (∂f/∂node) what is known so far; ``changed`` the nodes this
    step gave a value or gradient; ``sentences`` what it computed, written out."""
    phase: str
    node: str
    title: str
    sentences: tuple[str, ...]
    values: dict
    grads: dict
    changed: tuple[str, ...] = ()


class Graph:
    """Nodes (any order; checked and sorted topologically) and the name of the output node."""

    def __init__(self, nodes, output: str):
        self.nodes = {n.name: n for n in nodes}
        if len(self.nodes) != len(nodes):
            raise ValueError("node names must be unique")
        if output not in self.nodes:
            raise ValueError(f"no node {output!r}")
        for n in nodes:
            if n.op not in GATES + LEAVES:
                raise ValueError(f"{n.name}: unknown op {n.op!r}")
            if (n.op in LEAVES) != (not n.inputs):
                raise ValueError(f"{n.name}: a leaf has no inputs, a gate has some")
            if n.op in ("scale", "sigmoid") and len(n.inputs) != 1:
                raise ValueError(f"{n.name}: {n.op} takes one input")
            for i in n.inputs:
                if i not in self.nodes:
                    raise ValueError(f"{n.name}: no input {i!r}")
        self.output = output
        self.order = self._topological()

    def _topological(self) -> list[str]:
        order: list[str] = []
        state: dict = {}

        def visit(name: str) -> None:
            if state.get(name) == "done":
                return
            if state.get(name) == "open":
                raise ValueError(f"the graph has a cycle through {name!r}")
            state[name] = "open"
            for i in self.nodes[name].inputs:
                visit(i)
            state[name] = "done"
            order.append(name)

        for name in self.nodes:
            visit(name)
        return order

    @property
    def inputs(self) -> list[str]:
        """The names of the user's inputs, in the order the nodes were given."""
        return [n for n, node in self.nodes.items() if node.op == "input"]

    @property
    def gates(self) -> list[str]:
        """The gates in the order the forward pass evaluates them."""
        return [n for n in self.order if self.nodes[n].op in GATES]

    def consumers(self, name: str) -> list[str]:
        return [g for g in self.gates if name in self.nodes[g].inputs]

    # ------------------------------------------------------------------ arithmetic
    def leaf_values(self, inputs: dict | None = None) -> dict:
        inputs = inputs or {}
        return {n: float(inputs.get(n, node.value)) for n, node in self.nodes.items()
                if node.op in LEAVES}

    def gate_value(self, name: str, values: dict) -> float:
        node = self.nodes[name]
        args = [values[i] for i in node.inputs]
        if node.op == "add":
            return math.fsum(args)
        if node.op == "mul":
            return math.prod(args)
        if node.op == "max":
            return max(args)
        if node.op == "scale":
            return node.value * args[0]
        return sigmoid(args[0])

    def local_gradients(self, name: str, values: dict) -> list[float]:
        """∂gate/∂input for each input position of gate ``name``."""
        node = self.nodes[name]
        args = [values[i] for i in node.inputs]
        if node.op == "add":
            return [1.0] * len(args)
        if node.op == "mul":
            return [math.prod(a for j, a in enumerate(args) if j != k) for k in range(len(args))]
        if node.op == "max":
            winner = args.index(max(args))  # a tie goes to the first input
            return [1.0 if k == winner else 0.0 for k in range(len(args))]
        if node.op == "scale":
            return [node.value]
        out = values[name]
        return [out * (1.0 - out)]

    def forward(self, inputs: dict | None = None) -> dict:
        values = self.leaf_values(inputs)
        for g in self.gates:
            values[g] = self.gate_value(g, values)
        return values

    def backward(self, values: dict) -> dict:
        """∂output/∂node for every node (constants included), gradients adding up where a node
        feeds several gates."""
        grads = {n: 0.0 for n in self.nodes}
        grads[self.output] = 1.0
        for g in reversed(self.gates):
            for i, local in zip(self.nodes[g].inputs, self.local_gradients(g, values)):
                grads[i] += grads[g] * local
        return grads

    def evaluate(self, inputs: dict | None = None) -> float:
        return self.forward(inputs)[self.output]

    # ------------------------------------------------------------------ steps
    def steps(self, inputs: dict | None = None) -> list[Step]:
        """Step 0 (the inputs), one forward step per gate, the seed ∂f/∂f = 1, then one backward
        step per gate (latest gate first) giving its inputs their gradients."""
        values = self.leaf_values(inputs)
        names = ", ".join(f"{n} = {number(values[n])}" for n in self.leaf_order())
        steps = [Step("start", "", "The inputs", (names,), dict(values), {}, tuple(values))]
        for g in self.gates:
            values[g] = self.gate_value(g, values)
            steps.append(Step("forward", g, f"Forward: the {self.nodes[g].title} makes {g}",
                              (self.forward_sentence(g, values),), dict(values), {}, (g,)))
        f = self.output
        grads = {f: 1.0}
        steps.append(Step("backward", f, f"Backward: start at the output {f}",
                          (f"∂{f}/∂{f} = 1 (the output's gradient with respect to itself)",),
                          dict(values), dict(grads), (f,)))
        for g in reversed(self.gates):
            node = self.nodes[g]
            sentences, changed = [], []
            for k, (i, local) in enumerate(zip(node.inputs, self.local_gradients(g, values))):
                if self.nodes[i].op == "const":
                    continue
                part = grads[g] * local
                sentences.append(self.backward_sentence(g, k, local, grads, values))
                grads[i] = grads.get(i, 0.0) + part
                uses = sum(self.nodes[c].inputs.count(i) for c in self.consumers(i))
                if uses > 1:
                    sentences[-1] += (f" ({i} is used {uses} times: the gradients add up, "
                                      f"∂{f}/∂{i} so far {equals(grads[i])} {number(grads[i])})")
                changed.append(i)
            steps.append(Step("backward", g, f"Backward: through the {node.title} making {g}",
                              tuple(sentences), dict(values), dict(grads), tuple(changed)))
        return steps

    def leaf_order(self) -> list[str]:
        return [n for n, node in self.nodes.items() if node.op in LEAVES]

    def forward_sentence(self, g: str, values: dict) -> str:
        node = self.nodes[g]
        ins = node.inputs
        args = [values[i] for i in ins]
        result = f"{equals(values[g], *args)} {number(values[g])}"
        if node.op in ("add", "mul"):
            sign = " + " if node.op == "add" else " · "
            return (f"{g} = {sign.join(ins)} = {number(args[0])}{sign}"
                    f"{sign.join(operand(a) for a in args[1:])} {result}")
        if node.op == "max":
            return f"{g} = max({', '.join(ins)}) = max({', '.join(number(a) for a in args)}) {result}"
        if node.op == "scale":
            k = number(node.value)
            return f"{g} = {k} · {ins[0]} = {k} · {operand(args[0])} {result}"
        return f"{g} = σ({ins[0]}) = 1 / (1 + e^−{ins[0]}) = σ({number(args[0])}) {result}"

    def backward_sentence(self, g: str, k: int, local: float, grads: dict, values: dict) -> str:
        """The chain rule for input position ``k`` of gate ``g``: ∂f/∂x = ∂f/∂q · ∂q/∂x = …"""
        node = self.nodes[g]
        i, f = node.inputs[k], self.output
        upstream = grads[g]
        part = upstream * local
        symbolic, reason, shown = None, "", [local]  # the local gradient as a formula, why, numbers
        local_text = number(local)
        if node.op == "mul":
            others = [n for j, n in enumerate(node.inputs) if j != k]
            symbolic = " · ".join(others) if len(others) == 1 else f"({' · '.join(others)})"
        elif node.op == "sigmoid":
            symbolic = f"{g}·(1 − {g})"
            local_text = f"{number(values[g])} · (1 − {number(values[g])})"
            shown = [values[g]]
        elif node.op == "max":
            reason = (f" ({i} is the larger input: it gets the gradient)" if local
                      else f" ({i} is not the larger input: it gets nothing)")
        if g == f:  # the output gate: the upstream gradient is ∂f/∂f = 1
            if symbolic is None:
                return f"∂{f}/∂{i} = {number(local)}{reason}"
            if node.op == "mul":
                return f"∂{f}/∂{i} = {symbolic} = {number(part)}"
            return f"∂{f}/∂{i} = {symbolic} = {local_text} {equals(part, *shown)} {number(part)}"
        chain = f"∂{f}/∂{i} = ∂{f}/∂{g} · ∂{g}/∂{i}"
        if symbolic is not None:
            chain += f" = ∂{f}/∂{g} · {symbolic}"
        local_text = f"({local_text})" if node.op == "sigmoid" else operand(local)
        return (f"{chain} = {number(upstream)} · {local_text} "
                f"{equals(part, upstream, *shown)} {number(part)}{reason}")


@dataclass(frozen=True)
class Example:
    """A graph to step through, with where each node is drawn: ``layout[name] = (column, row)``."""
    key: str
    title: str
    formula: str
    nodes: tuple[Node, ...]
    output: str
    layout: dict = field(default_factory=dict)

    def graph(self) -> Graph:
        return Graph(self.nodes, self.output)


EXAMPLES = (
    Example("course", "f = (x + y)·z  (the course)", "f(x, y, z) = (x + y)·z",
            (Node("x", "input", value=-2), Node("y", "input", value=5),
             Node("z", "input", value=-4),
             Node("q", "add", ("x", "y")), Node("f", "mul", ("q", "z"))),
            "f", {"x": (0, 0), "y": (0, 1), "z": (0, 2.2), "q": (1, 0.5), "f": (2, 1.35)}),
    Example("max", "f = 2·(x·y + max(z, w))  (max gate)", "f(x, y, z, w) = 2·(x·y + max(z, w))",
            (Node("x", "input", value=3), Node("y", "input", value=-4),
             Node("z", "input", value=2), Node("w", "input", value=-1),
             Node("p", "mul", ("x", "y")), Node("m", "max", ("z", "w")),
             Node("s", "add", ("p", "m")), Node("f", "scale", ("s",), value=2)),
            "f", {"x": (0, 0), "y": (0, 1), "z": (0, 2.2), "w": (0, 3.2), "p": (1, 0.5),
                  "m": (1, 2.7), "s": (2, 1.6), "f": (3, 1.6)}),
    Example("neuron", "sigmoid neuron  f = σ(w0·x0 + w1·x1 + w2)",
            "f(w, x) = σ(w0·x0 + w1·x1 + w2)",
            (Node("w0", "input", value=2), Node("x0", "input", value=-1),
             Node("w1", "input", value=-3), Node("x1", "input", value=-2),
             Node("w2", "input", value=-3),
             Node("a", "mul", ("w0", "x0")), Node("b", "mul", ("w1", "x1")),
             Node("c", "add", ("a", "b")), Node("d", "add", ("c", "w2")),
             Node("f", "sigmoid", ("d",))),
            "f", {"w0": (0, 0), "x0": (0, 1), "w1": (0, 2), "x1": (0, 3), "w2": (0, 4),
                  "a": (1, 0.5), "b": (1, 2.5), "c": (2, 1.5), "d": (2.8, 2.75),
                  "f": (3.6, 2.75)}),
)

BY_KEY = {e.key: e for e in EXAMPLES}


class Stepper:
    """The lesson's state: an example, its input values and the number of steps taken
    (0 = only the inputs known). Changing an input recomputes every step and keeps the position."""

    def __init__(self, example: Example | str = "course"):
        self.position = 0
        self.select(example)

    def select(self, example: Example | str) -> None:
        self.example = BY_KEY[example] if isinstance(example, str) else example
        self.graph = self.example.graph()
        self.inputs = self.graph.leaf_values()
        self.position = 0
        self._recompute()

    def set_input(self, name: str, value: float) -> None:
        if name not in self.graph.inputs:
            raise KeyError(name)
        self.inputs[name] = float(value)
        self._recompute()

    def _recompute(self) -> None:
        self.steps = self.graph.steps(self.inputs)

    @property
    def step(self) -> Step:
        return self.steps[self.position]

    @property
    def forward_steps(self) -> int:
        """The position at which the forward pass is complete."""
        return len(self.graph.gates)

    def can_forward(self) -> bool:
        return self.position < self.forward_steps

    def can_backward(self) -> bool:
        return self.forward_steps <= self.position < len(self.steps) - 1

    def forward(self) -> bool:
        if self.can_forward():
            self.position += 1
            return True
        return False

    def backward(self) -> bool:
        if self.can_backward():
            self.position += 1
            return True
        return False

    def back(self) -> bool:
        """Undo the last step."""
        if self.position > 0:
            self.position -= 1
            return True
        return False

    def run_all(self) -> None:
        self.position = len(self.steps) - 1

    def reset(self) -> None:
        self.position = 0

    def done(self) -> bool:
        return self.position == len(self.steps) - 1
