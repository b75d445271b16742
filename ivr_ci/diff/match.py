"""Pair the flows of two versions of a repository: which old flow became which new one.

Genesys identifies a flow by (type, name), so that is the primary match. A changed name is
not an edit but a *new* flow (the old one stays published, orphaned), so a pair matched any
other way is reported as a rename and warned about. Order of matching:
1. same (type, name) and same file;  2. same (type, name) anywhere (a moved file);
3. same file, same type (renamed in place);  4. same type and a similar structure
(Jaccard similarity of canonical leaves >= RENAME_SIMILARITY; a renamed and moved file).
Placeholder names (`{{flow_name}}`) are shared by many files, so (1) before (2) matters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ivr_ci.diff.compare import FlowComparer
from ivr_ci.diff.model import Change, FlowDiff, Risk
from ivr_ci.diff.normalize import canonical, jaccard, leaves, most_alike_pairs
from ivr_ci.flow import FlowDocument
from ivr_ci.flow.model import Flow

RENAME_SIMILARITY = 0.6


@dataclass
class Entry:
    path: str  # repository-relative (git) or as given (paths): where changes are reported
    flow: Flow
    slot: str | None = None  # what "the same file" means (path relative to the compared dir)
    doc: FlowDocument | None = field(default=None, repr=False)  # for checks on the changed flows

    @property
    def file_key(self) -> str:
        return self.slot if self.slot is not None else self.path

    @property
    def key(self) -> tuple[str, str]:
        return (self.flow.type, str(self.flow.name))


def similarity(a: Flow, b: Flow) -> float:
    names = frozenset({"name"})  # a renamed element is not a different flow
    return jaccard(set(leaves(canonical(a), skip=names)), set(leaves(canonical(b), skip=names)))


def pair_flows(old: list[Entry], new: list[Entry]) -> tuple[list[tuple[Entry, Entry]], list[Entry], list[Entry]]:
    """(pairs, removed, added)."""
    pairs: list[tuple[Entry, Entry]] = []
    rest_a, rest_b = list(old), list(new)

    def take(key_a: Any, key_b: Any) -> None:
        index: dict[Any, list[Entry]] = {}
        for e in rest_b:
            index.setdefault(key_b(e), []).append(e)
        for e in list(rest_a):
            bucket = index.get(key_a(e))
            if bucket:
                f = bucket.pop(0)
                pairs.append((e, f))
                rest_a.remove(e)
                rest_b.remove(f)

    take(lambda e: (e.key, e.file_key), lambda e: (e.key, e.file_key))
    take(lambda e: e.key, lambda e: e.key)
    take(lambda e: (e.flow.type, e.file_key), lambda e: (e.flow.type, e.file_key))
    if rest_a and rest_b:
        found = most_alike_pairs(rest_a, rest_b, lambda x, y: similarity(x.flow, y.flow)
                                 if x.flow.type == y.flow.type else -1.0, RENAME_SIMILARITY)
        pairs += found
        taken = {id(e) for pair in found for e in pair}
        rest_a = [e for e in rest_a if id(e) not in taken]
        rest_b = [e for e in rest_b if id(e) not in taken]
    return pairs, rest_a, rest_b


def diff_pair(x: Entry, y: Entry) -> FlowDiff:
    comparer = FlowComparer(x.flow, y.flow, x.path, y.path)
    changes = comparer.changes()
    status = "modified" if changes else "unchanged"
    fd = FlowDiff(status, y.flow.type, str(y.flow.name), old_path=x.path, new_path=y.path,
                  findings=comparer.findings, old_flow=x.flow, new_flow=y.flow, new_doc=y.doc)
    if x.key != y.key:
        fd.status, fd.old_name = "renamed", str(x.flow.name)
        msg = (f"flow renamed '{x.flow.name}' → '{y.flow.name}': Genesys Cloud identifies flows by name, "
               f"so promoting this publishes a NEW flow and leaves '{x.flow.name}' published and orphaned "
               "(re-point call routes/DIDs and delete the old flow)")
        fd.warnings.append(msg)
        changes.insert(0, Change("flow-renamed", Risk.BEHAVIOURAL, "flow", msg, old=str(x.flow.name),
                                 new=str(y.flow.name), path=y.path, line=y.flow.line, field="name"))
    elif x.file_key != y.file_key:
        changes.insert(0, Change("flow-moved", Risk.COSMETIC, "flow", f"file moved {x.path} → {y.path}",
                                 old=x.path, new=y.path, path=y.path, line=y.flow.line))
        fd.status = "modified"
    fd.changes = changes
    return fd


def diff_flow_sets(old: list[Entry], new: list[Entry]) -> list[FlowDiff]:
    """One FlowDiff per flow on either side (unchanged ones included), in path order."""
    pairs, removed, added = pair_flows(old, new)
    out = [diff_pair(x, y) for x, y in pairs]
    for e in removed:
        out.append(FlowDiff("removed", e.flow.type, str(e.flow.name), old_path=e.path, old_flow=e.flow,
                            changes=[Change("flow-removed", Risk.BEHAVIOURAL, "flow",
                                            f"{e.flow.type} flow '{e.flow.name}' removed from the repository "
                                            "(it stays published in Genesys Cloud until deleted there)",
                                            old=str(e.flow.name), path=e.path, line=e.flow.line)]))
    for e in added:
        out.append(FlowDiff("added", e.flow.type, str(e.flow.name), new_path=e.path, new_flow=e.flow, new_doc=e.doc,
                            changes=[Change("flow-added", Risk.BEHAVIOURAL, "flow",
                                            f"new {e.flow.type} flow '{e.flow.name}' "
                                            f"({len(e.flow.menus)} menus, {len(e.flow.blocks)} tasks/states/bots)",
                                            new=str(e.flow.name), path=e.path, line=e.flow.line)]))
    out.sort(key=lambda f: (f.path, f.type, f.name))
    return out
