"""The perceptron lesson's readouts as rich text: the rule, the sample just used with its Δw
worked out, and a two-layer network's units with each point's hidden and output values."""
from __future__ import annotations

import numpy as np

from designer.learn import DELTA, num, signed, vec

# t, o and the points' classes as the plane draws them
PLUS_HTML = "#0877bd"
MINUS_HTML = "#d9770f"


def cls(c: float) -> str:
    """'+1' in blue or '−1' in orange."""
    return (f"<b style='color:{PLUS_HTML}'>+1</b>" if c > 0
            else f"<b style='color:{MINUS_HTML}'>−1</b>")


def rule_html(rule: str, eta: float) -> str:
    if rule == DELTA:
        return (f"<b>Delta rule</b>, η = {num(eta, 3)}: gradient descent on E = ½Σ(t − o)² "
                "with the linear output<br>o = w·x + b: &nbsp;Δw = η(t − o)x, Δb = η(t − o)")
    return (f"<b>Perceptron rule</b>, η = {num(eta, 3)}:<br>o = sign(w·x + b), "
            "&nbsp;Δw = η(t − o)x, Δb = η(t − o)")


def sample_html(step, eta: float) -> str:
    """The sample just used and its update, worked out."""
    if step is None:
        return "Sample just used: none yet: <b>Step</b> presents the next one."
    o = num(step.o) if step.rule == DELTA else signed(step.o, 0)
    t = signed(step.t, 0)
    if step.rule == DELTA:
        verdict = ""
    else:
        verdict = (": wrong side, w moves" if step.t != step.o else ": right side, no change")
    return (f"Sample just used: #{step.index + 1}, x&nbsp;=&nbsp;{vec(step.x)}, "
            f"t&nbsp;=&nbsp;{cls(step.t)}, o&nbsp;=&nbsp;{o}{verdict}<br>"
            f"Δw = η(t − o)x = {num(eta, 3)}·({t} − ({o}))·{vec(step.x)} = <b>{vec(step.dw)}</b>, "
            f"Δb = <b>{num(step.db)}</b>")


def short(v: float) -> str:
    """Up to two decimals, no trailing zeros: '1', '−0.5', '2.37'."""
    text = num(v, 2).rstrip("0").rstrip(".")
    return "0" if text in ("", "−0") else text


def _unit(w, b: float, inputs: tuple, f: str) -> str:
    """'sign(x₁ + x₂ − 0.5)' (a coefficient 1 is not written)."""
    terms = []
    for v, name in zip(w, inputs):
        mag = short(abs(v))
        text = ("" if mag == "1" else mag) + name
        terms.append(("−" if v < 0 else "+", text))
    if short(abs(b)) != "0":
        terms.append(("−" if b < 0 else "+", short(abs(b))))
    first = ("−" if terms[0][0] == "−" else "") + terms[0][1]
    rest = "".join(f" {op} {text}" for op, text in terms[1:])
    return f"{f}({first}{rest})"


def two_layer_html(net, x, t) -> str:
    """The network's three units and, for a few points, what each unit says."""
    x = np.asarray(x, dtype=float).reshape(-1, 2)
    t = np.asarray(t).reshape(-1)
    f = "sign" if net.activation == "sign" else "tanh"
    names = net.names
    named = names[0] != "h₁"
    h1 = f"h₁{' = ' + names[0] if named else ''}"
    h2 = f"h₂{' = ' + names[1] if named else ''}"
    o = f"o{' = ' + names[2] if named else ''}"
    lines = [f"<b>Two layers (2-2-1)</b>, {net.how}:",
             f"{h1}: {_unit(net.hidden_w[0], net.hidden_b[0], ('x₁', 'x₂'), f)}",
             f"{h2}: {_unit(net.hidden_w[1], net.hidden_b[1], ('x₁', 'x₂'), f)}",
             f"{o}: {_unit(net.out_w, net.out_b, ('h₁', 'h₂'), f)}"]
    right = net.correct(x, t)
    if len(t) <= 8:
        h = net.hidden(x)
        out = net.predict(x)

        def unit(v):
            return signed(v, 0) if net.activation == "sign" else num(v, 2)

        rows = "".join(
            f"<tr><td>{short(p[0])}</td><td>{short(p[1])}</td><td>{unit(hh[0])}</td>"
            f"<td>{unit(hh[1])}</td><td>{cls(oo)}</td><td>{cls(tt)}</td>"
            f"<td>{'✓' if oo == tt else '✗'}</td></tr>"
            for p, hh, oo, tt in zip(x, h, out, t))
        head = "".join(f"<th>{c}</th>" for c in ("x₁", "x₂", "h₁", "h₂", "o", "t", ""))
        lines.append("<table cellspacing='0' cellpadding='2' style='margin-left: 8px'>"
                     f"<tr>{head}</tr>{rows}</table>")
    lines.append(f"<b>{right} of {len(t)} points</b> on the right side"
                 + (": the two lines together do what one line cannot." if right == len(t)
                    else "; two hidden units are not enough for this set."))
    return "<br>".join(lines[:4]) + "<br>" + "".join(lines[4:-1]) + lines[-1]
