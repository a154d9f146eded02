"""Collapsed groups (view only: the file keeps every layer). A group is drawn as one block, its
last layer's, showing the group's output and its total parameters. Pure Python, no Qt.

A group can be collapsed when only its last layer is read from outside it, so that the
collapsed graph keeps one output per block and stays in topological order.
"""
from __future__ import annotations


def group_problem(indices: list, readers: list) -> str:
    """Why the layers ``indices`` cannot be collapsed, or "" when they can."""
    members = sorted(set(indices))
    if len(members) < 2:
        return "Select two or more layers to collapse them into one block."
    inside = set(members)
    for i in members[:-1]:
        if any(r not in inside for r in readers[i]):
            outside = next(r for r in readers[i] if r not in inside)
            return (f"Only the last selected layer may be read from outside the group, but #{outside} "
                    f"reads #{i}.")
    return ""


def contract(sources: list, groups: list) -> tuple:
    """(nodes, node_sources, edges): the graph with each group (a list of layer indices) drawn as
    its last layer. ``nodes`` are the shown layer indices in list order; ``node_sources`` what each
    node reads (node positions); ``edges`` maps (node_src, node_dst) to the real (src, dst) layer
    edges it stands for."""
    rep = list(range(len(sources)))
    for group in groups:
        last = max(group)
        for i in group:
            rep[i] = last
    nodes = [i for i in range(len(sources)) if rep[i] == i]
    where = {layer: k for k, layer in enumerate(nodes)}
    node_sources: list = [[] for _ in nodes]
    edges: dict = {}
    for d, srcs in enumerate(sources):
        for s in srcs:
            a, b = where[rep[s]], where[rep[d]]
            if a == b:
                continue  # inside a group
            if a not in node_sources[b]:
                node_sources[b].append(a)
            edges.setdefault((a, b), []).append((s, d))
    return nodes, node_sources, edges


def _ancestors(sources: list, i: int) -> set:
    """Every layer that layer ``i`` depends on, itself included."""
    seen, todo = {i}, list(sources[i])
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo.extend(sources[s])
    return seen


def merge_blocks(sources: list, readers: list, families: list) -> list:
    """Groups of layer indices to collapse so that a residual, inception or MobileNet-style network
    reads at a glance: for each merge, every layer between the fork its branches leave from (the
    latest layer every branch depends on) and the merge, plus the activations right after the
    merge (the relu of a residual block); ``families`` are the layers' kind families. A block
    inside another (EfficientNet's squeeze-and-excitation inside its residual block) goes with the
    outer one: merges are taken from the last. Groups never overlap and each has one output
    (``group_problem`` accepts them)."""
    groups: list = []
    used: set = set()
    for m in reversed(range(len(sources))):
        srcs = sources[m]
        if len(srcs) < 2:
            continue
        lines = [_ancestors(sources, s) for s in srcs]
        common = set.intersection(*lines)
        if not common:
            continue
        fork = max(common)
        members = {m} | set().union(*lines) - common
        if min(members) < fork:  # a branch that reaches past the fork: not one block
            continue
        end = m
        while len(readers[end]) == 1 and families[readers[end][0]] == "activation" \
                and len(sources[readers[end][0]]) == 1:
            end = readers[end][0]
            members.add(end)
        group = sorted(members)
        if used & members or group_problem(group, readers):
            continue
        used |= members
        groups.append(group)
    return sorted(groups)
