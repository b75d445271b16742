"""Deploy order: a flow's callees (common modules, bots, transfer targets) publish before it.

Architect resolves flow references by name at publish time, so a caller published before a
new callee fails its import job. Flows reference each other by name (see
`ivr_ci.flow.orgrefs`), never by refId, so the graph is built from those names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ivr_ci.errors import OperationFailed
from ivr_ci.flow.model import Flow

FLOW_REF_KINDS = {"flow": None, "commonModule": "commonModule", "botFlow": "botFlow",
                  "digitalBotFlow": "digitalBot"}

FlowKey = tuple[str, str]  # (yaml flow type, flow name): how an org identifies a flow


def flow_key(flow: Flow) -> FlowKey:
    return (flow.type, str(flow.name))


def label(key: FlowKey) -> str:
    return f"{key[1]} ({key[0]})"


class CycleError(OperationFailed):
    def __init__(self, cycle: list[FlowKey]) -> None:
        self.cycle = cycle
        super().__init__("flows reference each other in a cycle, so no publish order works: "
                         + " -> ".join(label(k) for k in cycle))


@dataclass(frozen=True)
class Dependency:
    caller: FlowKey
    callee: FlowKey
    line: int


def dependencies(flows: Iterable[Flow]) -> list[Dependency]:
    """References from each flow to other flows of the same set (by name, type when known)."""
    flows = list(flows)
    by_name: dict[str, list[FlowKey]] = {}
    for f in flows:
        by_name.setdefault(str(f.name), []).append(flow_key(f))
    out: list[Dependency] = []
    for f in flows:
        caller = flow_key(f)
        seen: set[FlowKey] = set()
        for ref in f.org_references():
            if ref.kind not in FLOW_REF_KINDS:
                continue
            want = ref.flow_type or FLOW_REF_KINDS[ref.kind]
            for callee in by_name.get(ref.name, []):
                if callee != caller and (want is None or callee[0] == want) and callee not in seen:
                    seen.add(callee)
                    out.append(Dependency(caller, callee, ref.line))
    return out


def topological_order(keys: Iterable[FlowKey], deps: Iterable[Dependency]) -> list[FlowKey]:
    """Callees first; ties broken by name so a plan is reproducible. Raises CycleError."""
    nodes = sorted(set(keys), key=lambda k: (k[1], k[0]))
    callees: dict[FlowKey, set[FlowKey]] = {k: set() for k in nodes}
    for d in deps:
        if d.caller in callees and d.callee in callees:
            callees[d.caller].add(d.callee)
    order: list[FlowKey] = []
    done: set[FlowKey] = set()
    remaining = list(nodes)
    while remaining:
        ready = [k for k in remaining if callees[k] <= done]
        if not ready:
            raise CycleError(find_cycle(remaining, callees))
        for k in ready:
            order.append(k)
            done.add(k)
        remaining = [k for k in remaining if k not in done]
    return order


def find_cycle(nodes: list[FlowKey], callees: dict[FlowKey, set[FlowKey]]) -> list[FlowKey]:
    """One cycle among `nodes` (first node repeated at the end)."""
    state: dict[FlowKey, int] = {}  # 1 = on the stack, 2 = finished
    stack: list[FlowKey] = []

    def visit(k: FlowKey) -> list[FlowKey] | None:
        state[k] = 1
        stack.append(k)
        for nxt in sorted(callees[k] & set(nodes), key=lambda x: (x[1], x[0])):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[k] = 2
        return None

    for k in nodes:
        if k not in state:
            found = visit(k)
            if found:
                return found
    return list(nodes)  # pragma: no cover - only called when a cycle exists


def group_problems(groups: list[list[str]], selected: set[str], all_names: set[str]) -> list[str]:
    """`promotion.groups`: a release holding some members of a group must hold all of them."""
    problems = []
    for group in groups:
        present = [n for n in group if n in selected]
        if present and len(present) != len(group):
            missing = [n for n in group if n not in selected]
            unknown = [n for n in missing if n not in all_names]
            note = f" ({', '.join(unknown)} not found in the flow files)" if unknown else ""
            problems.append(f"promotion group [{', '.join(group)}] must deploy together: "
                            f"{', '.join(present)} selected without {', '.join(missing)}{note}")
    return problems
