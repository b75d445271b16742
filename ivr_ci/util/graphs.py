"""Cycles in small directed graphs: strongly connected components and one shortest cycle each."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def cyclic_components(nodes: Sequence[N], succ: Callable[[N], Iterable[N]]) -> list[list[N]]:
    """Components holding a cycle (two or more nodes, or a node pointing at itself).

    Tarjan's algorithm, iterative so a long chain cannot hit the recursion limit. Each
    component lists its nodes in `nodes` order; components come in the order of their first node.
    """
    order = {n: i for i, n in enumerate(nodes)}
    index: dict[N, int] = {}
    low: dict[N, int] = {}
    on_stack: set[N] = set()
    stack: list[N] = []
    found: list[list[N]] = []
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[N, list[N]]] = []
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work.append((root, list(succ(root))))
        while work:
            v, todo = work[-1]
            if todo:
                w = todo.pop(0)
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, list(succ(w))))
                elif w in on_stack:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                group: list[N] = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    group.append(w)
                    if w == v:
                        break
                if len(group) > 1 or v in set(succ(v)):
                    found.append(sorted(group, key=lambda n: order.get(n, len(order))))
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
