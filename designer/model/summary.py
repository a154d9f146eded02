"""The layer table of ``nn-designer summary`` (and the app's summary dock): rows and totals
computed once from a Report, rendered as text (torchinfo-style) or as JSON."""
from __future__ import annotations

from . import graph
from .catalogue import format_shape
from .inference import Report
from .words import human_bytes


def human_count(n: float) -> str:
    """117600 -> '117.6 K'; 1.2e9 -> '1.20 G'."""
    for unit, div in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(n) >= div:
            return f"{n / div:.2f} {unit}" if unit == "G" else f"{n / div:.1f} {unit}"
    return f"{n:g}"


# After a total of parameters whose layers after an error are unknown (the command line and the
# window say it alike).
PARTIAL = " (without the layers after an error)"


def partial_note(report: Report) -> str:
    return "" if report.params_complete else PARTIAL




def layer_label(info, layer=None) -> str:
    if layer is not None and layer.name:
        return f"{info.type} ({layer.name})"
    return info.type


def inputs_text(info) -> str:
    """The layers a layer reads, as torchinfo's graph view names them: '#5, #7'."""
    return ", ".join(graph.label(s) for s in info.sources)


def branches(report: Report) -> bool:
    """True when some layer reads other than the layer just before it (the inputs column shows)."""
    return any(info.sources != ([info.index - 1] if info.index else []) for info in report.layers)


def rows(report: Report, layers=None) -> list:
    """One dict per layer: index, type, label, inputs, output, params, percent, macs, notes."""
    total = report.total_params or 1
    out = []
    for info in report.layers:
        layer = layers[info.index] if layers is not None else None
        notes = [f"error: {e}" for e in info.errors] + [f"warning: {w}" for w in info.warnings]
        out.append({
            "index": info.index, "type": info.type, "label": layer_label(info, layer),
            "inputs": list(info.sources), "inputs_text": inputs_text(info), "output": format_shape(info.output), "params": info.param_count,
            "params_text": f"{info.param_count:,}" if info.param_count_known else "?",
            "percent": 100.0 * info.param_count / total, "macs": info.macs, "notes": notes,
        })
    return out


def totals(report: Report, batch_size: int) -> dict:
    return {
        "total_params": report.total_params,
        "trainable_params": report.trainable_params,
        "non_trainable_params": report.total_params - report.trainable_params,
        "mult_adds": report.total_macs,
        "param_bytes": report.param_bytes,
        "input_bytes": report.input_bytes(batch_size),
        "activation_bytes": report.activation_bytes(batch_size),
        "total_bytes": report.total_bytes(batch_size),
        "batch_size": batch_size,
    }


def totals_line(report: Report, batch_size: int) -> str:
    t = totals(report, batch_size)
    return (f"total {t['total_params']:,} params{partial_note(report)} · {human_count(t['mult_adds'])} mult-adds · "
            f"params {human_bytes(t['param_bytes'])} · activations (batch {batch_size}) "
            f"{human_bytes(t['activation_bytes'])}")


def to_json(network, batch_size: int = 1) -> dict:
    report = network.report()
    layers = []
    for info in report.layers:
        layers.append({
            "index": info.index, "type": info.type,
            **({"name": network.layers[info.index].name} if network.layers[info.index].name else {}),
            **({"id": network.layers[info.index].id} if network.layers[info.index].id is not None else {}),
            "inputs": list(info.sources),
            "output": list(info.output) if info.output is not None else None,
            "params": info.param_count, "mult_adds": info.macs,
            "warnings": list(info.warnings), "errors": list(info.errors),
        })
    return {"name": network.name, "layers": layers, **totals(report, batch_size),
            "trainable": report.trainable, "problems": report.problems}


def to_text(network, batch_size: int = 1) -> str:
    report = network.report()
    table = rows(report, network.layers)
    # The inputs column shows only where the graph branches: a chain's reads the row above.
    graph_view = branches(report)
    head = ("#", "layer") + (("inputs",) if graph_view else ()) + ("output", "params", "%", "mult-adds")
    cells = [(str(r["index"]), r["label"]) + ((r["inputs_text"],) if graph_view else ())
             + (r["output"], r["params_text"], f"{r['percent']:.1f}", human_count(r["macs"]))
             for r in table]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(head)]
    align = "><" + ("<" if graph_view else "") + "<>>>"

    def line(values):
        return "  ".join(f"{v:{a}{w}}" for v, a, w in zip(values, align, widths)).rstrip()

    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    out = [f"{network.name}", rule, line(head), rule]
    pad = " " * (widths[0] + 2)
    for r, c in zip(table, cells):
        out.append(line(c))
        out += [f"{pad}{note}" for note in r["notes"]]
    t = totals(report, batch_size)
    out += [rule,
            f"Total parameters:     {t['total_params']:,}"
            + partial_note(report),
            f"Trainable parameters: {t['trainable_params']:,}",
            f"Non-trainable:        {t['non_trainable_params']:,}",
            f"Multiply-adds:        {human_count(t['mult_adds'])} ({t['mult_adds']:,}) per sample",
            rule,
            f"Input size (batch {batch_size}):".ljust(32) + f"{human_bytes(t['input_bytes'])}",
            f"Activations, peak (fwd + bwd):  {human_bytes(t['activation_bytes'])}",
            f"Parameters:                     {human_bytes(t['param_bytes'])}",
            f"Estimated total to train:       {human_bytes(t['total_bytes'])}"
            " (with gradients and momentum)",
            rule]
    if report.problems:
        out.append(f"{len(report.problems)} error(s): the network cannot train until they are fixed.")
        out += [f"  {p}" for p in report.problems]
    elif report.warning_count:
        out.append(f"{report.warning_count} warning(s); the network can train.")
    return "\n".join(out) + "\n"
