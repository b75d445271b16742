"""The assembled audit report (what every renderer reads) and its JSON form (docs/audit-report.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ivr_ci.audit.aggregate import Aggregator, Classified, FlowActivity
from ivr_ci.audit.deployments import Deployment
from ivr_ci.audit.drift import DriftResult
from ivr_ci.audit.metrics import ReleaseOutcome
from ivr_ci.audit.timerange import QueryWindow, TimeRange, iso

SCHEMA_VERSION = 1


@dataclass
class AuditReport:
    environment: str
    range: TimeRange
    generated: datetime
    windows: list[QueryWindow]
    aggregator: Aggregator
    deployments: list[Deployment]  # ledger entries of this environment inside the range
    drift: DriftResult
    releases: list[ReleaseOutcome] = field(default_factory=list)
    ledger_path: str | None = None
    ledger_entries: int = 0  # entries of this environment in the whole ledger
    pipeline_clients: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def totals(self) -> Any:
        return self.aggregator.totals

    @property
    def headline(self) -> list[Classified]:
        """Out-of-band publishes, most recent first (the last `headline_limit` of them)."""
        return list(reversed(self.aggregator.headline))

    @property
    def flows(self) -> list[FlowActivity]:
        return self.aggregator.sorted_flows()

    @property
    def maintenance(self) -> list[dict[str, Any]]:
        """Maintenance windows the range's deployments rendered, with the versions carrying them."""
        from ivr_ci.audit.maintenance import windows_carried

        return windows_carried(self.deployments)

    @property
    def has_drift(self) -> bool:
        return bool(self.drift.drifted)

    @property
    def has_out_of_band(self) -> bool:
        return self.totals.out_of_band > 0

    @property
    def headline_truncated(self) -> int:
        return max(0, self.totals.out_of_band_publishes - len(self.aggregator.headline))

    def status_line(self) -> str:
        t = self.totals
        drift = "drift not checked" if not self.drift.checked else \
            f"{len(self.drift.drifted)} of {len(self.drift.items)} flow(s) drifted"
        return (f"{t.out_of_band_publishes} out-of-band publish(es), {t.out_of_band} out-of-band and "
                f"{t.pipeline} pipeline change event(s), {drift}")

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": SCHEMA_VERSION,
            "environment": self.environment,
            "interval": self.range.interval,
            "generatedAt": iso(self.generated),
            "queries": [{"interval": w.range.interval, "mode": w.mode} for w in self.windows],
            "ledger": {"path": self.ledger_path, "entries": self.ledger_entries,
                       "pipelineClients": self.pipeline_clients},
            "summary": {**self.totals.to_json(), "drifted": len(self.drift.drifted),
                        "deployments": len(self.deployments), "status": self.status_line()},
            "outOfBandPublishes": [c.to_json() for c in self.headline],
            "outOfBandPublishesOmitted": self.headline_truncated,
            "flows": [f.to_json() for f in self.flows],
            "deployments": [_deployment_json(d) for d in self.deployments],
            "drift": self.drift.to_json(),
            "releases": [r.to_json() for r in self.releases],
            "maintenance": self.maintenance,
            "notes": self.notes,
        }


def _deployment_json(d: Deployment) -> dict[str, Any]:
    return {"runId": d.run_id, "gitSha": d.git_sha, "planHash": d.plan_hash, "actor": d.actor,
            "clientId": d.client_id, "startedAt": iso(d.started), "finishedAt": iso(d.finished) if d.finished else None,
            "outcome": d.outcome,
            "flows": [{"name": f.name, "type": f.type, "flowId": f.flow_id, "previousVersion": f.previous_version,
                       "newVersion": f.new_version, "status": f.status} for f in d.flows]}
