"""Outcome metrics per release: flow aggregates (genesys-api.md §5.3) before and after each
deployment in range, so a release that raised abandonment shows.

Readings (the reference's working assumption, not a Genesys definition): `nFlow` = entries;
`tFlowDisconnect.count` = callers who hung up inside the flow (abandonment =
disconnects / entries); `tFlowExit.count` = sessions that left the flow (transfers);
`nFlowOutcome` / `nFlowOutcomeFailed` = outcomes started / failed. One aggregates query per
window, grouped by flowId and filtered to the deployment's flows. Both windows have the same
length (`--metrics-window`, shortened for a release younger than that), so counts compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ivr_ci.audit.deployments import Deployment
from ivr_ci.audit.timerange import TimeRange, iso

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient

METRICS = ["nFlow", "tFlowDisconnect", "tFlowExit", "nFlowOutcome", "nFlowOutcomeFailed"]
DEFAULT_WINDOW = timedelta(hours=24)
MIN_AFTER = timedelta(minutes=15)  # a shorter "after" window says nothing yet
MAX_RELEASES = 20  # most recent deployments with metrics (one or two queries each)


@dataclass
class FlowMetrics:
    entries: int = 0
    disconnects: int = 0
    exits: int = 0
    outcomes: int = 0
    outcome_failures: int = 0

    @property
    def abandonment(self) -> float | None:
        return self.disconnects / self.entries if self.entries else None

    @property
    def failure_rate(self) -> float | None:
        return self.outcome_failures / self.outcomes if self.outcomes else None

    def to_json(self) -> dict[str, Any]:
        return {"entries": self.entries, "disconnects": self.disconnects, "exits": self.exits,
                "outcomes": self.outcomes, "outcomeFailures": self.outcome_failures,
                "abandonment": _round(self.abandonment), "outcomeFailureRate": _round(self.failure_rate)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class FlowOutcome:
    name: str
    flow_id: str
    version: str | None
    before: FlowMetrics | None
    after: FlowMetrics | None

    @property
    def abandonment_delta(self) -> float | None:
        a = self.after.abandonment if self.after else None
        b = self.before.abandonment if self.before else None
        return None if a is None or b is None else a - b

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "flowId": self.flow_id, "version": self.version,
                "before": self.before.to_json() if self.before else None,
                "after": self.after.to_json() if self.after else None,
                "abandonmentDelta": _round(self.abandonment_delta)}


@dataclass
class ReleaseOutcome:
    deployment: Deployment
    before: TimeRange
    after: TimeRange | None  # None: too recent to say
    flows: list[FlowOutcome] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        d = self.deployment
        return {"runId": d.run_id, "gitSha": d.git_sha, "startedAt": iso(d.started),
                "outcome": d.outcome, "before": self.before.interval,
                "after": self.after.interval if self.after else None, "error": self.error,
                "flows": [f.to_json() for f in self.flows]}


def parse_aggregates(results: list[dict[str, Any]]) -> dict[str, FlowMetrics]:
    """`{flowId: FlowMetrics}`, summed over every data bucket of each group."""
    out: dict[str, FlowMetrics] = {}
    for group in results or []:
        flow_id = (group.get("group") or {}).get("flowId")
        if not flow_id:
            continue
        m = out.setdefault(str(flow_id), FlowMetrics())
        for bucket in group.get("data") or []:
            for metric in bucket.get("metrics") or []:
                count = int((metric.get("stats") or {}).get("count") or 0)
                name = metric.get("metric")
                if name == "nFlow":
                    m.entries += count
                elif name == "tFlowDisconnect":
                    m.disconnects += count
                elif name == "tFlowExit":
                    m.exits += count
                elif name == "nFlowOutcome":
                    m.outcomes += count
                elif name == "nFlowOutcomeFailed":
                    m.outcome_failures += count
    return out


def _query(client: GenesysClient, rng: TimeRange, flow_ids: list[str]) -> dict[str, FlowMetrics]:
    return parse_aggregates(client.flow_aggregates(rng.interval, metrics=METRICS, group_by=["flowId"],
                                                   flow_ids=flow_ids))


def release_outcomes(client: GenesysClient, deployments: list[Deployment], now: datetime,
                     window: timedelta = DEFAULT_WINDOW) -> list[ReleaseOutcome]:
    """Before/after metrics of the most recent `MAX_RELEASES` deployments that published flows."""
    from ivr_ci.genesys.errors import GenesysError

    out = []
    published = [d for d in deployments if any(f.flow_id and f.new_version for f in d.flows)]
    for dep in published[-MAX_RELEASES:]:
        finished = dep.finished or dep.started
        span = min(finished + window, now) - finished  # a recent release gets a shorter after window ...
        if span >= MIN_AFTER:  # ... and an equally short before window, so counts compare
            release = ReleaseOutcome(dep, TimeRange(dep.started - span, dep.started),
                                     TimeRange(finished, finished + span))
        else:
            release = ReleaseOutcome(dep, TimeRange(dep.started - window, dep.started), None)
        flows = [f for f in dep.flows if f.flow_id and f.new_version]
        ids = sorted({str(f.flow_id) for f in flows})
        try:
            before = _query(client, release.before, ids)
            after = _query(client, release.after, ids) if release.after else {}
        except GenesysError as exc:
            release.error = str(exc).splitlines()[0]
            before, after = {}, {}
        for f in flows:
            fid = str(f.flow_id)
            release.flows.append(FlowOutcome(
                f.name, fid, f.new_version, before.get(fid, FlowMetrics()) if not release.error else None,
                after.get(fid, FlowMetrics()) if release.after and not release.error else None))
        out.append(release)
    return out
