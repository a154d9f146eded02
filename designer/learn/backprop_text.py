"""The backprop stepper's formulas written out with the sample's numbers, one line per neuron
(rich text: names as subscripts), for the stage the lesson is at."""
from __future__ import annotations

from .backprop import Stage, Step, fmt, fmt_given

__all__ = ["explain_step", "sub", "full"]

MAX_TERMS = 4  # a longer sum is written Σ rather than term by term


def sub(symbol: str, name: str) -> str:
    return f"{symbol}<sub>{name}</sub>"


def full(value: float) -> str:
    """The value to more digits than the tables show (for tooltips), with a Unicode minus."""
    text = f"{float(value):.6g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}×10^{int(exponent)}"
    return text.replace("-", "−")


def _paren(text: str) -> str:
    return f"({text})" if text.startswith("−") else text


def _forward(step: Step, stack, layer: int) -> list:
    names = stack.names
    w, b = stack.weights[layer], stack.biases[layer]
    xin = step.x if layer == 0 else step.layers[layer - 1].out
    show_x = fmt_given if layer == 0 else fmt
    values = step.layers[layer]
    lines = []
    for j, target in enumerate(names[layer + 1]):
        terms = [f"{_paren(fmt(w[j, i]))}·{_paren(show_x(xin[i]))}" for i in range(w.shape[1])]
        if b is not None:
            terms.append(_paren(fmt(b[j])))
        if len(terms) <= MAX_TERMS:
            sum_text = " + ".join(terms)
        else:
            sum_text = "Σ<sub>i</sub> " + sub("w", f"{target},i") + sub("x", "i") + (" + b" if b is not None else "")
        net = values.net[j]
        lines.append(f"{sub('net', target)} = {sum_text} = <b>{fmt(net)}</b>, &nbsp; "
                     f"{sub('o', target)} = 1/(1 + e<sup>−net</sup>) = <b>{fmt(values.out[j])}</b>")
    return lines


def _delta(step: Step, stack, layer: int) -> list:
    names = stack.names
    values = step.layers[layer]
    last = layer == len(stack.weights) - 1
    lines = []
    for j, name in enumerate(names[layer + 1]):
        o = fmt(values.out[j])
        if last:
            lines.append(f"{sub('δ', name)} = o(1 − o)(t − o) = {o} × (1 − {o}) × "
                         f"({fmt_given(step.t[j])} − {o}) = <b>{fmt(values.delta[j])}</b>")
            continue
        above = step.layers[layer + 1].delta
        w = stack.weights[layer + 1]
        terms = [f"{fmt(w[k, j])} × {_paren(fmt(above[k]))}" for k in range(w.shape[0])]
        if len(terms) <= MAX_TERMS:
            sum_text = "(" + " + ".join(terms) + ")"
        else:
            sum_text = "Σ<sub>k</sub> " + sub("w", f"k{name}") + sub("δ", "k")
        lines.append(f"{sub('δ', name)} = o(1 − o) Σ<sub>k</sub> {sub('w', 'k' + name)}"
                     f"{sub('δ', 'k')} = {o} × (1 − {o}) × {sum_text} = "
                     f"<b>{fmt(values.delta[j])}</b>")
    return lines


def _update(step: Step, layer: int) -> list:
    rows = step.rows[layer]
    if step.momentum:
        lines = ["Δw(n) = ηδx + αΔw(n−1), &nbsp; new W = old W + Δw(n)"]
    else:
        lines = ["Δw = ηδx, &nbsp; new W = old W + Δw"]
    for row in rows[:2]:
        x = fmt_given(row.x) if row.given_x else fmt(row.x)
        text = f"{row.source}→{row.target}: Δw = {fmt_given(row.lr)} × {_paren(fmt(row.delta))} × {_paren(x)}"
        if step.momentum:
            text += f" + {_paren(fmt(row.momentum))}"
        text += (f" = {fmt(row.step)}; &nbsp; new W = {fmt(row.old)} + {_paren(fmt(row.step))} = "
                 f"<b>{fmt(row.new)}</b>")
        lines.append(text)
    if len(rows) > 2:
        lines.append(f"… and so on for all {len(rows)} weights of the table.")
    return lines


def explain_step(step: Step, stack, stage: Stage) -> list:
    """Rich-text lines for ``stage``: the formula of each neuron or weight it computes."""
    if stage.phase == "forward":
        return _forward(step, stack, stage.layer)
    if stage.phase == "delta":
        return _delta(step, stack, stage.layer)
    if stage.phase == "update":
        return _update(step, stage.layer)
    sample = ", ".join(fmt_given(v) for v in step.x)
    target = ", ".join(fmt_given(v) for v in step.t)
    return [f"The sample x = ({sample}) with target t = ({target}), η = {fmt_given(step.lr)}, "
            f"α = {fmt_given(step.momentum)}; the loss is E = ½Σ(t − o)².",
            "Forward computes net and o for every neuron, Back the δs and the new weights, "
            "Next goes one stage at a time, Step makes the new weights current."]
