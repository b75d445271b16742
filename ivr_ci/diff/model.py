"""What a semantic diff produces: changes at the level a reviewer thinks in, with a risk class.

The JSON form (`to_json`) is a stable, documented schema: docs/diff-json.md and
ivr_ci/schemas/diff.schema.json. Add fields, never rename or remove them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ivr_ci.flow import FlowDocument
    from ivr_ci.flow.model import Flow

SCHEMA_VERSION = 1


class Risk(str, enum.Enum):
    BEHAVIOURAL = "behavioural"  # callers route differently
    CONTENT = "content"  # what callers hear/read
    CONFIGURATION = "configuration"  # timeouts, retries, languages, settings, substitutions
    COSMETIC = "cosmetic"  # names, descriptions

    @property
    def rank(self) -> int:
        return {"behavioural": 0, "content": 1, "configuration": 2, "cosmetic": 3}[self.value]


def counts_phrase(counts: dict[str, int]) -> str:
    parts = [f"{n} {risk}" for risk, n in counts.items() if n]
    return ", ".join(parts) if parts else "no semantic changes"


# change kind -> default risk (a kind may be raised/lowered by the comparer, e.g. action fields)
KINDS: dict[str, Risk] = {
    "flow-added": Risk.BEHAVIOURAL,
    "flow-removed": Risk.BEHAVIOURAL,
    "flow-renamed": Risk.BEHAVIOURAL,  # Genesys publishes a new flow; the old one is orphaned
    "flow-moved": Risk.COSMETIC,  # same flow, other file
    "start-changed": Risk.BEHAVIOURAL,
    "flow-setting-changed": Risk.CONFIGURATION,
    "description-changed": Risk.COSMETIC,
    "substitution-added": Risk.CONFIGURATION,
    "substitution-removed": Risk.CONFIGURATION,
    "variable-added": Risk.CONFIGURATION,
    "variable-removed": Risk.CONFIGURATION,
    "variable-changed": Risk.CONFIGURATION,
    "menu-added": Risk.BEHAVIOURAL,
    "menu-removed": Risk.BEHAVIOURAL,
    "menu-renamed": Risk.COSMETIC,
    "menu-setting-changed": Risk.CONFIGURATION,
    "default-choice-changed": Risk.BEHAVIOURAL,
    "choice-added": Risk.BEHAVIOURAL,
    "choice-removed": Risk.BEHAVIOURAL,
    "choice-renamed": Risk.COSMETIC,
    "digit-changed": Risk.BEHAVIOURAL,
    "choice-rerouted": Risk.BEHAVIOURAL,
    "speech-terms-changed": Risk.BEHAVIOURAL,
    "choice-setting-changed": Risk.CONFIGURATION,
    "block-added": Risk.BEHAVIOURAL,
    "block-removed": Risk.BEHAVIOURAL,
    "block-renamed": Risk.COSMETIC,
    "block-setting-changed": Risk.CONFIGURATION,
    "action-added": Risk.BEHAVIOURAL,
    "action-removed": Risk.BEHAVIOURAL,
    "action-moved": Risk.BEHAVIOURAL,
    "action-renamed": Risk.COSMETIC,
    "action-changed": Risk.BEHAVIOURAL,
    "prompt-changed": Risk.CONTENT,
}


@dataclass
class Change:
    kind: str
    risk: Risk
    where: str  # reviewer-facing location: "Main Menu › 1 Sales"
    summary: str  # one line, plain text
    old: Any = None  # JSON-able old value (text for prompts, target for reroutes...)
    new: Any = None
    path: str | None = None  # file the change is located in (new side, else old)
    line: int = 0
    element: str | None = None  # canonical id of the menu/choice/block it touches (for diagrams)
    field: str | None = None  # changed property inside the element, when there is one

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind, "risk": self.risk.value, "where": self.where,
                                "summary": self.summary}
        if self.old is not None:
            data["old"] = self.old
        if self.new is not None:
            data["new"] = self.new
        if self.field:
            data["field"] = self.field
        if self.element:
            data["element"] = self.element
        if self.path:
            data["path"] = self.path
            data["line"] = self.line
        return data


FlowStatus = str  # "added" | "removed" | "modified" | "renamed" | "unchanged"


@dataclass
class FlowDiff:
    status: FlowStatus
    type: str
    name: str
    old_name: str | None = None
    old_path: str | None = None
    new_path: str | None = None
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    findings: list[Problem] = field(default_factory=list)  # of one side, e.g. a duplicate declaration
    old_flow: Flow | None = field(default=None, repr=False)
    new_flow: Flow | None = field(default=None, repr=False)
    new_doc: FlowDocument | None = field(default=None, repr=False)  # for lint/validate of the new side

    def counts(self) -> dict[str, int]:
        out = {r.value: 0 for r in Risk}
        for c in self.changes:
            out[c.risk.value] += 1
        return out

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    @property
    def behavioural(self) -> int:
        return sum(1 for c in self.changes if c.risk is Risk.BEHAVIOURAL)

    @property
    def path(self) -> str:
        return self.new_path or self.old_path or ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "type": self.type, "name": self.name,
                                "oldPath": self.old_path, "newPath": self.new_path,
                                "counts": self.counts(),
                                "changes": [c.to_json() for c in self.changes]}
        if self.old_name is not None:
            data["oldName"] = self.old_name
        if self.warnings:
            data["warnings"] = list(self.warnings)
        if self.findings:
            data["findings"] = [p.to_json() for p in self.findings]
        return data


@dataclass
class Problem:
    """A file that could not be compared (unreadable, not YAML...), or a finding of one side
    (a duplicate declaration) that the diff reports instead of showing it as a change."""

    path: str
    line: int
    message: str
    side: str  # "old" | "new"
    slot: str | None = field(default=None, repr=False, compare=False)  # what "the same file" means

    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "line": self.line, "message": self.message, "side": self.side}


@dataclass
class DiffResult:
    base: str  # label of the old side (git ref, or path)
    head: str
    flows: list[FlowDiff] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # base-side load errors whose file loads on the head side: the change fixes them
    fixed: list[Problem] = field(default_factory=list)
    prompts: list[Any] = field(default_factory=list)  # ivr_ci.diff.prompts.PromptDiff

    @property
    def changed_flows(self) -> list[FlowDiff]:
        return [f for f in self.flows if f.changed]

    @property
    def behavioural(self) -> int:
        return sum(f.behavioural for f in self.flows)

    @property
    def side_findings(self) -> list[Problem]:
        """Findings of one side (duplicates…) of every compared flow, changed or not."""
        return [p for f in self.flows for p in f.findings]

    def counts(self) -> dict[str, int]:
        out = {r.value: 0 for r in Risk}
        for f in self.flows:
            for k, v in f.counts().items():
                out[k] += v
        return out

    def to_json(self) -> dict[str, Any]:
        changed = self.changed_flows
        return {
            "schemaVersion": SCHEMA_VERSION,
            "base": self.base,
            "head": self.head,
            "summary": {"flowsChanged": len(changed), "counts": self.counts(),
                        "behavioural": self.behavioural},
            "flows": [f.to_json() for f in changed],
            "problems": [p.to_json() for p in self.problems],
            "fixed": [p.to_json() for p in self.fixed],
            **({"prompts": [p.to_json() for p in self.prompts]} if self.prompts else {}),
        }
