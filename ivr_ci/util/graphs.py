"""Cycles in small directed graphs: strongly connected components and one shortest cycle each."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def strongly_connected_components(nodes: Iterable[N], succ: Callable[[N], Iterable[N]]) -> list[list[N]]:
    """Strongly connected components, each after every component it can reach (iterative)."""
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    out: list[list[N]] = []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work: list[tuple[N, Iterable[N]]] = []
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work.append((start, iter(succ(start))))
        while work:
            node, it = work[-1]
            advanced = False
            for s in it:
                if s not in index:
                    index[s] = low[s] = counter
                    counter += 1
                    stack.append(s)
                    on_stack.add(s)
                    work.append((s, iter(succ(s))))
                    advanced = True
                    break
                if s in on_stack:
                    low[node] = min(low[node], index[s])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                scc: list[N] = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    scc.append(n)
                    if n == node:
                        break
                out.append(scc)
    return out


def cyclic_components(nodes: Sequence[N], succ: Callable[[N], Iterable[N]]) -> list[list[N]]:
    """Components holding a cycle (two or more nodes, or a node pointing at itself).

    Each component lists its nodes in `nodes` order; components come in the order of their
    first node.
    """
    order = {n: i for i, n in enumerate(nodes)}
    found = [sorted(group, key=lambda n: order.get(n, len(order)))
             for group in strongly_connected_components(nodes, succ)
             if len(group) > 1 or group[0] in set(succ(group[0]))]
    return sorted(found, key=lambda g: order.get(g[0], len(order)))


def shortest_cycle(start: N, members: set[N], succ: Callable[[N], Iterable[N]]) -> list[N]:
    """Nodes of a shortest cycle through `start` inside `members`: [start, ..., start]."""
    parent: dict[N, N] = {}
    frontier = [start]
    while frontier:
        nxt: list[N] = []
        for v in frontier:
            for w in succ(v):
                if w not in members:
                    continue
                if w == start:
                    path = [v]
                    while path[0] != start:
                        path.insert(0, parent[path[0]])
                    return [*path, start]
                if w not in parent:
                    parent[w] = v
                    nxt.append(w)
        frontier = nxt
    return []
