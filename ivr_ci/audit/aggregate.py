"""Per-flow aggregation with bounded state: memory depends on the number of flows and the
configured limits, never on the number of audit records.

Per flow: counts by class and action, the last `timeline_limit` events, the last publish.
Across flows: the last `headline_limit` out-of-band publishes (the report's headline) and
totals. Records arrive oldest first (queries sort ascending), so "last" means most recent.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.audit.deployments import OUT_OF_BAND, PIPELINE, LedgerIndex, Verdict
from ivr_ci.audit.events import AuditEvent, normalize
from ivr_ci.audit.timerange import iso

TIMELINE_LIMIT = 50
HEADLINE_LIMIT = 200


@dataclass(frozen=True)
class Classified:
    event: AuditEvent
    verdict: Verdict

    @property
    def kind(self) -> str:
        return self.verdict.kind

    def to_json(self) -> dict[str, Any]:
        e = self.event
        return {"id": e.id, "time": iso(e.when), "action": e.action, "flowId": e.flow_id, "flow": e.flow_name,
                "actor": e.actor, "actorKind": e.actor_kind, "userId": e.user_id, "clientId": e.client_id,
                "version": e.version, "status": e.status, "class": self.kind, "reason": self.verdict.reason,
                "deployment": self.verdict.deployment.run_id if self.verdict.deployment else None}


@dataclass
class FlowActivity:
    flow_id: str
    name: str
    events: int = 0
    by_class: Counter[str] = field(default_factory=Counter)
    by_action: Counter[str] = field(default_factory=Counter)
    out_of_band_publishes: int = 0
    timeline: deque[Classified] = field(default_factory=deque)
    last_publish: Classified | None = None

    def to_json(self) -> dict[str, Any]:
        return {"flowId": self.flow_id, "name": self.name, "events": self.events,
                "pipeline": self.by_class[PIPELINE], "outOfBand": self.by_class[OUT_OF_BAND],
                "outOfBandPublishes": self.out_of_band_publishes, "actions": dict(sorted(self.by_action.items())),
                "lastPublish": self.last_publish.to_json() if self.last_publish else None,
                "timelineShown": len(self.timeline),
                "timeline": [c.to_json() for c in self.timeline]}


@dataclass
class Totals:
    records: int = 0  # every record read from the API
    skipped: int = 0  # not a flow record, or unusable
    reads: int = 0  # read-only actions (Export, View ...)
    changes: int = 0
    pipeline: int = 0
    out_of_band: int = 0
    out_of_band_publishes: int = 0
    failed: int = 0  # status FAILURE

    def to_json(self) -> dict[str, int]:
        return {"records": self.records, "skipped": self.skipped, "reads": self.reads, "changes": self.changes,
                "pipeline": self.pipeline, "outOfBand": self.out_of_band,
                "outOfBandPublishes": self.out_of_band_publishes, "failed": self.failed}


class Aggregator:
    """Feed records with `add(record)`; `on_event` sees every classified change event (the CSV
    writer streams them) before it is reduced to counts."""

    def __init__(self, ledger: LedgerIndex, *, timeline_limit: int = TIMELINE_LIMIT,
                 headline_limit: int = HEADLINE_LIMIT,
                 on_event: Callable[[Classified], None] | None = None) -> None:
        self.ledger = ledger
        self.timeline_limit = timeline_limit
        self.flows: dict[str, FlowActivity] = {}
        self.headline: deque[Classified] = deque(maxlen=headline_limit)
        self.totals = Totals()
        self.on_event = on_event
        self.daily: dict[str, Counter[str]] = {}  # "YYYY-MM-DD" -> class counts (one per day in range)

    def add(self, record: Any) -> Classified | None:
        self.totals.records += 1
        event = normalize(record)
        if event is None:
            self.totals.skipped += 1
            return None
        if not event.change:
            self.totals.reads += 1
            return None
        item = Classified(event, self.ledger.classify(event))
        self._count(item)
        if self.on_event is not None:
            self.on_event(item)
        return item

    def _count(self, item: Classified) -> None:
        e, t = item.event, self.totals
        t.changes += 1
        t.failed += e.status.upper() == "FAILURE"
        flow = self.flows.get(e.flow_id)
        if flow is None:
            flow = self.flows[e.flow_id] = FlowActivity(e.flow_id, e.flow_name,
                                                         timeline=deque(maxlen=self.timeline_limit))
        flow.name = e.flow_name  # the latest name wins (flows can be renamed)
        flow.events += 1
        flow.by_class[item.kind] += 1
        flow.by_action[e.action] += 1
        flow.timeline.append(item)
        self.daily.setdefault(e.when.strftime("%Y-%m-%d"), Counter())[item.kind] += 1
        if item.kind == PIPELINE:
            t.pipeline += 1
        else:
            t.out_of_band += 1
        if e.publish_like:
            flow.last_publish = item
            if item.kind == OUT_OF_BAND:
                flow.out_of_band_publishes += 1
                t.out_of_band_publishes += 1
                self.headline.append(item)

    def sorted_flows(self) -> list[FlowActivity]:
        """Flows with out-of-band publishes first, then by name."""
        return sorted(self.flows.values(), key=lambda f: (-f.out_of_band_publishes, -f.by_class[OUT_OF_BAND],
                                                           f.name.casefold()))
