"""Mermaid flowchart of a changed flow's menu tree, old and new merged, changes styled.

Start → menus → choices (edge labelled with the digit) → targets (menus, tasks, queues, other
flows, disconnect). Tasks show where they lead (jumpToMenu, transfers...), so menu navigation
through tasks is visible. Elements only in the new version are `added`, only in the old one
`removed` (dashed, edges dotted), touched by a change `changed`.

Node ids are generated (`n1`, `n2`...), never taken from flow text; labels are entity-escaped
(escape.mermaid_label). Mermaid refuses diagrams over `maxTextSize` (50,000 characters) or
`maxEdges` (500 edges) by default: such diagrams are not emitted; `render` returns the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr_ci.diff.escape import mermaid_label
from ivr_ci.diff.model import FlowDiff
from ivr_ci.diff.normalize import Canonicalizer
from ivr_ci.diff.values import short
from ivr_ci.flow.model import Action, Flow, Menu

MAX_TEXT = 50_000
MAX_EDGES = 500

CLASS_DEFS = (
    "classDef added fill:#e6ffed,stroke:#2da44e,color:#116329",
    "classDef removed fill:#ffebe9,stroke:#cf222e,color:#82071e,stroke-dasharray: 5 5",
    "classDef changed fill:#fff8c5,stroke:#bf8700,color:#7d4e00",
)
_SHAPES = {
    "start": ('(["', '"])'), "menu": ('{"', '"}'), "choice": ('["', '"]'), "block": ('[["', '"]]'),
    "queue": ('[/"', '"/]'), "end": ('(("', '"))'), "flow": ('[\\"', '"\\]'), "other": ('("', '")'),
}


@dataclass
class Graph:
    nodes: dict[str, tuple[str, str]] = field(default_factory=dict)  # key -> (label, shape)
    edges: dict[tuple[str, str], str] = field(default_factory=dict)  # (src, dst) -> label

    def node(self, key: str, label: str, shape: str) -> str:
        self.nodes.setdefault(key, (label, shape))
        return key

    def edge(self, src: str, dst: str, label: str = "") -> None:
        self.edges.setdefault((src, dst), label)


def _action_targets(g: Graph, canon: Canonicalizer, actions: list[Action], menu: Menu | None) -> list[str]:
    out: list[str] = []
    for top in actions:
        for a in top.walk():
            body = a.raw if isinstance(a.raw, dict) else {}
            for key in ("targetMenuRef", "targetTaskRef", "targetStateRef"):
                if isinstance(body.get(key), str):
                    ref = canon.ref(body[key], menu)
                    out.append(g.node(ref, ref.partition(":")[2] or ref, "menu" if ref.startswith("menu:") else "block"))
            if "targetQueue" in body:
                q = short(canon.value(body["targetQueue"]))
                out.append(g.node(f"queue:{q}", f"Queue: {q}", "queue"))
            if "targetFlow" in body:
                f = short(canon.value(body["targetFlow"]))
                out.append(g.node(f"flow:{f}", f"Flow: {f}", "flow"))
            if a.type == "disconnect":
                out.append(g.node("end:disconnect", "Disconnect", "end"))
            elif a.type in ("transferToNumber", "transferToVoicemail", "transferToUser", "transferToGroup"):
                out.append(g.node(f"other:{a.type}", a.type[10:] or a.type, "other"))
    return list(dict.fromkeys(out))


def build_graph(flow: Flow) -> Graph:
    g = Graph()
    canon = Canonicalizer(flow)
    start = g.node("start", f"Start: {flow.name}", "start")
    if flow.start_up_ref is not None:
        ref = canon.ref(flow.start_up_ref.value)
        g.edge(start, g.node(ref, ref.partition(":")[2] or ref, "menu" if ref.startswith("menu:") else "block"))
    for menu in flow.menus:
        mid = g.node(canon.element_id(menu), str(menu.name), "menu")
        for choice in menu.choices:
            cid = g.node(canon.element_id(choice), str(choice.name or choice.kind), "choice")
            g.edge(mid, cid, choice.digit or (str(choice.dtmf) if choice.dtmf else ""))
            if choice.target_ref:
                ref = canon.ref(choice.target_ref, menu)
                g.edge(cid, g.node(ref, ref.partition(":")[2] or ref,
                                   "menu" if ref.startswith("menu:") else "block"))
            elif choice.kind == "menuDisconnect":
                g.edge(cid, g.node("end:disconnect", "Disconnect", "end"))
            elif isinstance(choice.raw, dict) and "targetQueue" in choice.raw:
                q = short(canon.value(choice.raw["targetQueue"]))
                g.edge(cid, g.node(f"queue:{q}", f"Queue: {q}", "queue"))
            else:
                for t in _action_targets(g, canon, choice.actions, menu):
                    g.edge(cid, t)
    for block in flow.blocks:
        bid = canon.element_id(block)
        if bid in g.nodes:  # only tasks that the menu tree reaches
            for t in _action_targets(g, canon, block.actions, None):
                g.edge(bid, t)
    return g


def render(diff: FlowDiff) -> tuple[str | None, str]:
    """(mermaid source or None, reason when left out)."""
    flows = [f for f in (diff.old_flow, diff.new_flow) if f is not None]
    if not any(f.menus for f in flows):
        return None, "no menus"
    old = build_graph(diff.old_flow) if diff.old_flow is not None else Graph()
    new = build_graph(diff.new_flow) if diff.new_flow is not None else Graph()
    changed = {c.element for c in diff.changes if c.element}
    changed |= {e.rpartition("/choice:")[0] for e in changed if "/choice:" in e}
    keys = list(new.nodes) + [k for k in old.nodes if k not in new.nodes]
    ids = {k: f"n{i + 1}" for i, k in enumerate(keys)}
    lines = ["flowchart TD", *(f"  {d}" for d in CLASS_DEFS)]
    for key in keys:
        label, shape = new.nodes.get(key) or old.nodes[key]
        opening, closing = _SHAPES[shape]
        cls = ""
        if diff.old_flow is not None and key not in old.nodes:
            cls = ":::added"
        elif diff.new_flow is not None and key not in new.nodes:
            cls = ":::removed"
        elif key in changed:
            cls = ":::changed"
        lines.append(f"  {ids[key]}{opening}{mermaid_label(label)}{closing}{cls}")
    edges = list(new.edges.items()) + [(e, lbl) for e, lbl in old.edges.items() if e not in new.edges]
    if len(edges) > MAX_EDGES:
        return None, f"{len(edges)} edges, over Mermaid's limit of {MAX_EDGES}"
    for (src, dst), label in edges:
        removed = diff.new_flow is not None and (src, dst) not in new.edges
        text = f"{label} (removed)".strip() if removed else label
        if removed:
            arrow = f' -. "{mermaid_label(text)}" .-> ' if text else " -.-> "
        else:
            arrow = f' -- "{mermaid_label(text)}" --> ' if text else " --> "
        lines.append(f"  {ids[src]}{arrow}{ids[dst]}")
    source = "\n".join(lines)
    if len(source) > MAX_TEXT:
        return None, f"{len(source):,} characters, over Mermaid's limit of {MAX_TEXT:,}"
    return source, ""
