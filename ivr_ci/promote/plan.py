"""The plan: what an apply would do to one environment, and the hash that pins it.

The hash covers, per flow, the rendered bytes and the target version they were compared with
(plus the environment and the release's flow set). Anything that would make an apply do
something else than the reviewed plan changes it: a new commit that renders differently, a
different substitution value, or someone publishing one of the flows in the meantime.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.findings import Finding, Severity

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"


@dataclass
class LockInfo:
    """A flow's lock in the target org (a draft someone is editing in Architect)."""

    kind: str  # "user" or "client"
    id: str | None
    name: str | None
    since: str | None = None  # ISO time of the draft (savedVersion.dateSaved), when known

    @property
    def holder(self) -> str:
        who = self.name or self.id or "unknown"
        return f"{self.kind} {who}"

    def describe(self) -> str:
        return self.holder + (f" since {self.since}" if self.since else "")

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "since": self.since}


@dataclass
class PlanFlow:
    name: str
    type: str  # Archy YAML flow type (inboundCall ...)
    path: str  # template file
    action: str  # create | update | unchanged
    sha256: str  # rendered content
    source_sha256: str  # template content (same across environments)
    target_id: str | None = None
    target_version: str | None = None  # published version compared against (None: flow absent)
    lock: LockInfo | None = None
    order: int | None = None  # 1-based deploy position of changed flows
    depends_on: list[str] = field(default_factory=list)  # labels of changed callees
    change_summary: str = ""
    changes: list[dict[str, Any]] = field(default_factory=list)  # semantic diff (ivr_ci.diff Change JSON)
    text: str = field(default="", repr=False)  # rendered YAML (not in JSON output)
    snapshot: str | None = field(default=None, repr=False)  # published YAML at plan time
    maintenance: list[str] = field(default_factory=list)  # its maintenance windows, in reviewer terms

    @property
    def changed(self) -> bool:
        return self.action != UNCHANGED

    @property
    def label(self) -> str:
        return f"{self.name} ({self.type})"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name, "type": self.type, "path": self.path, "action": self.action,
            "order": self.order, "sha256": self.sha256, "sourceSha256": self.source_sha256,
            "targetId": self.target_id, "targetVersion": self.target_version,
            "lockedBy": self.lock.to_json() if self.lock else None, "dependsOn": self.depends_on,
            "change": self.change_summary, "changes": self.changes,
            **({"maintenance": self.maintenance} if self.maintenance else {}),
        }


@dataclass
class Plan:
    environment: str
    api_base: str | None
    git_sha: str | None
    flows: list[PlanFlow]
    findings: list[Finding] = field(default_factory=list)  # preflight: missing objects, empty queues
    notes: list[str] = field(default_factory=list)  # what could not be checked, and why
    permissions: dict[str, Any] = field(default_factory=dict)
    maintenance: list[str] = field(default_factory=list)  # maintenance windows, in reviewer terms
    maintenance_windows: list[dict[str, Any]] = field(default_factory=list)  # rendered windows (ledger)
    prompts: list[Any] = field(default_factory=list)  # ivr_ci.promote.prompts.PlanPrompt

    @property
    def changed_prompts(self) -> list[Any]:
        return [p for p in self.prompts if p.changed]
    # open journals of runs that did not finish: the org may be half-deployed (recover.announce)
    interrupted: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> list[PlanFlow]:
        return sorted((f for f in self.flows if f.changed), key=lambda f: f.order or 0)

    @property
    def locked(self) -> list[PlanFlow]:
        return [f for f in self.changed if f.lock is not None]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def source_hash(self) -> str:
        return source_hash([f.source_sha256 for f in self.flows] + [p.source_sha256 for p in self.prompts])

    @property
    def hash(self) -> str:
        items = sorted([f.type, f.name, f.sha256, f.target_id, f.target_version] for f in self.flows)
        data: dict[str, Any] = {"environment": self.environment, "flows": items}
        if self.prompts:  # a prompt's content and the org's prompt it was compared with
            data["prompts"] = sorted([p.name, p.sha256, p.target_id, p.target_state] for p in self.prompts)
        return _digest(data)

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment, "apiBase": self.api_base, "gitSha": self.git_sha,
            "planHash": self.hash, "sourceHash": self.source_hash,
            "summary": {"create": _count(self, CREATE), "update": _count(self, UPDATE),
                        "unchanged": _count(self, UNCHANGED), "locked": len(self.locked),
                        "errors": len(self.errors)},
            "flows": [f.to_json() for f in sorted(self.flows, key=_flow_sort)],
            "prompts": [p.to_json() for p in self.prompts],
            "findings": [f.to_json() for f in self.findings],
            "notes": self.notes,
            "permissions": self.permissions,
            **({"maintenance": self.maintenance} if self.maintenance else {}),
            "interruptedRuns": self.interrupted,
        }


def source_hash(template_hashes: Iterable[str]) -> str:
    """The release independent of environment: which templates, with what content (names and
    types are environment-specific once rendered, so only template bytes count). The ledger
    records it so `requires:` can check the same release went to another environment first."""
    return _digest({"templates": sorted(template_hashes)})


def _count(plan: Plan, action: str) -> int:
    return sum(1 for f in plan.flows if f.action == action)


def _flow_sort(f: PlanFlow) -> tuple:
    return (f.order is None, f.order or 0, f.name, f.type)


def _digest(data: Any) -> str:
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
