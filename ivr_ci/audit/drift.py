"""Content drift: the org's published flows against the repository rendered for the environment.

The same rendering and the same semantic comparison as `promote --plan` (promote.release,
diff.normalize): a flow is drifted exactly when a plan would update it. The diff runs from the
repository (old side) to the org (new side), so each change reads "the org has …".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr_ci.audit.naming import display_path
from ivr_ci.flow import load_flow_text

if TYPE_CHECKING:
    from ivr_ci.diff.model import Change
    from ivr_ci.genesys.client import GenesysClient
    from ivr_ci.promote.release import Release

IN_SYNC, DRIFTED, MISSING, UNPUBLISHED, ERROR = "in-sync", "drifted", "missing", "unpublished", "error"
MAX_CHANGES = 50  # per flow in the report


@dataclass
class DriftItem:
    name: str
    type: str  # Archy YAML type
    path: str  # the template file
    status: str
    flow_id: str | None = None
    version: str | None = None  # published version compared
    changes: list[Change] = field(default_factory=list)
    message: str = ""

    @property
    def drifted(self) -> bool:
        return self.status in (DRIFTED, MISSING, UNPUBLISHED)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "path": self.path, "status": self.status,
                "flowId": self.flow_id, "publishedVersion": self.version, "message": self.message,
                "changes": [c.to_json() for c in self.changes[:MAX_CHANGES]],
                "changeCount": len(self.changes)}


@dataclass
class DriftResult:
    items: list[DriftItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # files that could not be rendered (file:line: ...)
    checked: bool = True

    @property
    def drifted(self) -> list[DriftItem]:
        return [i for i in self.items if i.drifted]

    @property
    def errors(self) -> list[DriftItem]:
        return [i for i in self.items if i.status == ERROR]

    def to_json(self) -> dict[str, Any]:
        return {"checked": self.checked, "flows": [i.to_json() for i in self.items],
                "drifted": len(self.drifted), "errors": len(self.errors), "problems": self.problems,
                "notes": self.notes}


def _compare(repo_flow: Any, org_text: str) -> tuple[str, list[Change], str]:
    from ivr_ci.diff import compare_flows
    from ivr_ci.diff.normalize import semantically_equal

    org = load_flow_text(org_text, "<org>")
    if org.flow is None:
        first = org.problems[0].message if org.problems else "not a flow"
        return ERROR, [], f"the org's published YAML could not be read: {first}"
    if semantically_equal(repo_flow, org.flow):
        return IN_SYNC, [], ""
    changes = compare_flows(repo_flow, org.flow)
    return DRIFTED, changes, f"{len(changes)} semantic change(s) in the org" if changes else \
        "differs from the repository (no reviewer-level change could be named)"


def check_drift(client: GenesysClient, release: Release, *, export_timeout: float | None = None) -> DriftResult:
    """Compare every rendered flow of `release` with its published version in the org."""
    from ivr_ci.genesys.errors import GenesysError
    from ivr_ci.promote.target import export_published, list_target

    result = DriftResult(problems=[f"{f.location()}: {f.message}" for f in release.errors])
    flows = [f for f in release.flows if f.doc.flow is not None and f.name and f.yaml_type]
    if not flows:
        return result
    target = list_target(client, {f.yaml_type for f in flows if f.yaml_type})
    pending: list[tuple[DriftItem, Any]] = []
    for f in flows:
        item = DriftItem(str(f.name), str(f.yaml_type), display_path(f.path), MISSING)
        t = target.find(item.type, item.name)
        if t is None:
            item.message = "not in the org (never deployed, renamed or deleted there)"
        elif not t.published_version:
            item.status, item.flow_id = UNPUBLISHED, t.id
            item.message = "exists in the org but has no published version"
        else:
            item.flow_id, item.version = t.id, t.published_version
            pending.append((item, f.doc.flow))
        result.items.append(item)
    try:
        exported = export_published(client, [(i.flow_id or "", i.version or "") for i, _ in pending],
                                    timeout=export_timeout) if pending else {}
    except GenesysError as exc:  # one failed batch: report the flows, keep the rest of the report
        exported = {}
        for item, _ in pending:
            item.status, item.message = ERROR, f"export failed: {str(exc).splitlines()[0]}"
        return result
    for item, repo_flow in pending:
        text = exported.get(item.flow_id or "")
        if text is None:
            item.status, item.message = ERROR, "the export job did not return this flow"
            continue
        item.status, item.changes, item.message = _compare(repo_flow, text)
    return result
