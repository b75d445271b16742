"""Deployments from the ledger (docs/ledger.md) and the rule that tells pipeline events from
out-of-band ones.

An audit event is **pipeline** when a ledger entry of this environment explains it: the same
flow (id, else name), made by the deploying OAuth client, inside the entry's time window
(`startedAt - WINDOW_BEFORE` … `finishedAt + WINDOW_AFTER`: clock skew and audit latency), and,
for a publish that names its version, a version the entry published or restored in a
rollback. Everything else is **out-of-band**, with the reason why.

Which client deployed: the entry's `clientId` when the ledger records it; else the pipeline
clients given with `--pipeline-client` / `audit: pipeline-clients:`; else the client the report
itself authenticates as.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ivr_ci.audit.events import AuditEvent, parse_event_date
from ivr_ci.audit.timerange import TimeRange

WINDOW_BEFORE = timedelta(minutes=2)
WINDOW_AFTER = timedelta(minutes=10)
# an entry without finishedAt (the run died) explains events for at most this long
OPEN_RUN_LIMIT = timedelta(hours=2)

PIPELINE, OUT_OF_BAND = "pipeline", "out-of-band"


@dataclass
class DeployedFlow:
    name: str
    type: str
    flow_id: str | None
    previous_version: str | None
    new_version: str | None
    status: str


@dataclass(eq=False)  # identity: deployments are deduplicated in sets
class Deployment:
    run_id: str
    environment: str
    git_sha: str | None
    plan_hash: str | None
    actor: str | None
    client_id: str | None
    started: datetime
    finished: datetime | None
    outcome: str
    flows: list[DeployedFlow] = field(default_factory=list)
    rollback_versions: dict[str, set[str]] = field(default_factory=dict)  # flow name (casefold) -> versions
    line: int = 0
    maintenance: list[dict[str, Any]] = field(default_factory=list)  # windows the deployed flows carry

    @property
    def window(self) -> tuple[datetime, datetime]:
        end = self.finished or (self.started + OPEN_RUN_LIMIT)
        return self.started - WINDOW_BEFORE, end + WINDOW_AFTER

    @property
    def label(self) -> str:
        sha = (self.git_sha or "")[:7] or "no git sha"
        return f"{self.run_id} ({sha})"

    def flow_for(self, event: AuditEvent) -> DeployedFlow | None:
        for f in self.flows:
            if f.flow_id and f.flow_id == event.flow_id:
                return f
        folded = event.flow_name.casefold()
        return next((f for f in self.flows if not f.flow_id and f.name.casefold() == folded), None)

    def versions_for(self, flow: DeployedFlow) -> set[str]:
        out = {v for v in (flow.new_version,) if v}
        return out | self.rollback_versions.get(flow.name.casefold(), set())


def _text(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int, float)) and str(value) else None


def parse_deployment(data: dict[str, Any], line: int = 0) -> Deployment | None:
    started = parse_event_date(data.get("startedAt"))
    if started is None:
        return None
    dep = Deployment(
        run_id=str(data.get("runId") or f"line {line}"), environment=str(data.get("environment")),
        git_sha=_text(data.get("gitSha")), plan_hash=_text(data.get("planHash")), actor=_text(data.get("actor")),
        client_id=_text(data.get("clientId")), started=started, finished=parse_event_date(data.get("finishedAt")),
        outcome=str(data.get("outcome") or ""), line=line,
        maintenance=[w for w in data.get("maintenance") or [] if isinstance(w, dict)],
    )
    for f in data.get("flows") or []:
        if isinstance(f, dict) and f.get("name"):
            dep.flows.append(DeployedFlow(str(f["name"]), str(f.get("type") or ""), _text(f.get("flowId")),
                                          _text(f.get("previousVersion")), _text(f.get("newVersion")),
                                          str(f.get("status") or "")))
    rollback = data.get("rollback")
    for r in (rollback.get("flows") if isinstance(rollback, dict) else None) or []:
        if isinstance(r, dict) and r.get("name") and r.get("version"):
            dep.rollback_versions.setdefault(str(r["name"]).casefold(), set()).add(str(r["version"]))
    return dep


@dataclass(frozen=True)
class Verdict:
    kind: str  # pipeline | out-of-band
    reason: str
    deployment: Deployment | None = None


class LedgerIndex:
    """This environment's deployments, indexed by flow id and flow name."""

    def __init__(self, deployments: list[Deployment], pipeline_clients: set[str]) -> None:
        self.deployments = sorted(deployments, key=lambda d: d.started)
        self.pipeline_clients = set(pipeline_clients)
        self._by_key: dict[str, list[Deployment]] = defaultdict(list)
        for dep in self.deployments:
            for f in dep.flows:
                for key in {f.flow_id, "name:" + f.name.casefold()} - {None}:
                    self._by_key[str(key)].append(dep)

    @classmethod
    def from_entries(cls, entries: list[dict[str, Any]], environment: str,
                     pipeline_clients: set[str]) -> LedgerIndex:
        deps = []
        for number, data in enumerate(entries, start=1):
            if data.get("environment") != environment:
                continue
            dep = parse_deployment(data, number)
            if dep is not None:
                deps.append(dep)
        return cls(deps, pipeline_clients)

    def in_range(self, rng: TimeRange) -> list[Deployment]:
        return [d for d in self.deployments if rng.start <= (d.finished or d.started) and d.started < rng.end]

    def _is_pipeline_client(self, dep: Deployment, client_id: str) -> bool:
        return client_id == dep.client_id if dep.client_id else client_id in self.pipeline_clients

    def deployment_at(self, event: AuditEvent) -> Deployment | None:
        """The deployment of this flow that can explain an event at its time: the one most
        recently started (deploys of an environment are serialised by its lock), else — for
        clock skew — a later one whose window already covers the event."""
        found = self._by_key.get(event.flow_id, []) + self._by_key.get("name:" + event.flow_name.casefold(), [])
        candidates = sorted(dict.fromkeys(found), key=lambda d: d.started)
        prior = [d for d in candidates if d.started <= event.when]
        order = prior[-1:] + [d for d in candidates if d.started > event.when]
        return next((d for d in order if d.window[0] <= event.when <= d.window[1]), None)

    def classify(self, event: AuditEvent) -> Verdict:
        if event.user_id:
            return Verdict(OUT_OF_BAND, f"made by a person ({event.actor}), not by the pipeline")
        if not event.client_id:
            return Verdict(OUT_OF_BAND, "no user or OAuth client in the audit record")
        known = {d.client_id for d in self.deployments if d.client_id} | self.pipeline_clients
        dep = self.deployment_at(event)
        if dep is None:
            if event.client_id not in known:
                return Verdict(OUT_OF_BAND, f"OAuth client {event.client_id} is not the pipeline's client")
            return Verdict(OUT_OF_BAND, "pipeline client, but no deployment of this flow in the ledger at that time")
        if not self._is_pipeline_client(dep, event.client_id):
            if event.client_id not in known:
                return Verdict(OUT_OF_BAND, f"OAuth client {event.client_id} is not the pipeline's client")
            return Verdict(OUT_OF_BAND, f"OAuth client {event.client_id} did not run deployment {dep.label}")
        flow = dep.flow_for(event)
        versions = dep.versions_for(flow) if flow else set()
        if event.version and event.action.casefold() == "publish" and versions and event.version not in versions:
            return Verdict(OUT_OF_BAND, f"published version {event.version}, but deployment {dep.label} published "
                                        f"{', '.join(sorted(versions))}")
        return Verdict(PIPELINE, f"deployment {dep.label}", dep)
