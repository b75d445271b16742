"""`POST /api/v2/analytics/flows/aggregates/query`: plausible, deterministic flow metrics.

Each (flow, time bucket) gets numbers from `random.Random(seed(flow id, bucket interval))`,
so the same query always returns the same answer and sub-intervals add up consistently
enough for reports (abandonment = tFlowDisconnect.count / nFlow.count, outcome failure
rate = nFlowOutcomeFailed / nFlowOutcome).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from ivr_ci.emulator.exceptions import bad_request, invalid_value
from ivr_ci.emulator.flows import FlowRecord
from ivr_ci.emulator.util import iso_ms, parse_duration, parse_interval, seeded_int

if TYPE_CHECKING:
    from ivr_ci.emulator.models import OrgBackend

METRICS = ("nFlow", "nFlowMilestone", "nFlowOutcome", "nFlowOutcomeFailed", "oFlowMilestone", "tFlow",
           "tFlowDisconnect", "tFlowExit", "tFlowOutcome")
_OUTCOME_DIMS = {"flowOutcomeId", "flowOutcome", "flowOutcomeValue"}
MAX_BUCKETS = 2000


def _flow_dims(org: OrgBackend, flow: FlowRecord) -> dict[str, str]:
    return {"flowId": flow.id, "flowName": flow.name, "flowType": flow.type,
            "divisionId": flow.division_id or "", "flowVersion": flow.published or "",
            "mediaType": "voice" if "CALL" in flow.type else "message"}


def _predicate_ok(pred: dict[str, Any], dims: dict[str, str]) -> bool:
    if pred.get("type", "dimension") != "dimension":
        return True  # metric/property predicates do not narrow synthetic data
    dim = pred.get("dimension")
    if dim not in dims:
        return True
    op = pred.get("operator", "matches")
    if op == "exists":
        return bool(dims[dim])
    if op == "notExists":
        return not dims[dim]
    return str(pred.get("value", "")).casefold() == dims[dim].casefold()


def _filter_ok(flt: dict[str, Any] | None, dims: dict[str, str]) -> bool:
    if not flt:
        return True
    results = [_predicate_ok(p, dims) for p in flt.get("predicates") or []]
    for clause in flt.get("clauses") or []:
        inner = [_predicate_ok(p, dims) for p in clause.get("predicates") or []]
        results.append(all(inner) if clause.get("type", "and") == "and" else any(inner))
    if not results:
        return True
    return all(results) if flt.get("type", "and") == "and" else any(results)


def _stats(count: int, rng: random.Random, mean_ms: int) -> dict[str, Any]:
    if count <= 0:
        return {"count": 0}
    values = [max(500, int(rng.expovariate(1 / mean_ms))) for _ in range(min(count, 50))]
    total = int(sum(values) / len(values) * count)
    return {"max": max(values), "min": min(values), "count": count, "sum": total}


def _bucket_metrics(seed_parts: tuple[Any, ...], start: int, end: int, metrics: list[str],
                    outcome_only: bool) -> list[dict[str, Any]]:
    base_rate = 20 + seeded_int(seed_parts[0]) % 180  # sessions per day for this flow
    rng = random.Random(seeded_int(*seed_parts, start, end))
    hours = (end - start) / 3_600_000
    n = int(base_rate * hours / 24 * (0.6 + 0.8 * rng.random()) + rng.random())
    if n <= 0:
        return []
    disconnect = int(n * (0.05 + 0.25 * rng.random()))
    outcomes = int(n * (0.5 + 0.4 * rng.random()))
    failed = int(outcomes * 0.2 * rng.random())
    milestones = int(n * 0.7 * rng.random())
    counts = {"nFlow": n, "nFlowMilestone": milestones, "oFlowMilestone": milestones, "nFlowOutcome": outcomes,
              "nFlowOutcomeFailed": failed, "tFlow": n, "tFlowDisconnect": disconnect, "tFlowExit": n - disconnect,
              "tFlowOutcome": outcomes - failed}
    means = {"tFlow": 90_000, "tFlowDisconnect": 40_000, "tFlowExit": 100_000, "tFlowOutcome": 60_000}
    out = []
    for metric in metrics:
        if outcome_only and metric not in ("nFlowOutcome", "nFlowOutcomeFailed", "tFlowOutcome"):
            continue
        count = counts[metric]
        if count <= 0:
            continue
        stats = _stats(count, rng, means[metric]) if metric.startswith("t") else {"count": count}
        out.append({"metric": metric, "stats": stats})
    return out


def aggregate(org: OrgBackend, body: dict[str, Any]) -> dict[str, Any]:
    for field in ("interval", "metrics"):
        if field not in body:
            raise bad_request(f"{field} is required", details=[{"errorCode": "missing.field", "fieldName": field}])
    start, end = parse_interval(body["interval"])
    metrics = body["metrics"]
    if not isinstance(metrics, list) or not metrics:
        raise bad_request("metrics must be a non-empty list")
    for m in metrics:
        if m not in METRICS:
            raise invalid_value("metrics", m, list(METRICS))
    step = int(parse_duration(body["granularity"]).total_seconds() * 1000) if body.get("granularity") else end - start
    if (end - start) / step > MAX_BUCKETS:
        raise bad_request(f"The interval holds more than {MAX_BUCKETS} granularity buckets.")
    buckets = [(s, min(s + step, end)) for s in range(start, end, step)]
    group_by = [str(g) for g in body.get("groupBy") or []]
    by_outcome = bool(_OUTCOME_DIMS & set(group_by))
    outcomes = org.objects.all("flowOutcome") or [{"id": "00000000-0000-4000-8000-000000000001",
                                                   "name": "Default Outcome"}]
    groups: dict[tuple[tuple[str, str], ...], dict[int, list[dict[str, Any]]]] = {}
    for flow in sorted(org.flows.records.values(), key=lambda f: f.id):
        if flow.deleted or flow.published is None or flow.created_ms >= end:
            continue
        dims = _flow_dims(org, flow)
        if not _filter_ok(body.get("filter"), dims):
            continue
        variants = [(o["id"], o["name"]) for o in outcomes] if by_outcome else [(None, None)]
        for outcome_id, outcome_name in variants:
            vdims: dict[str, Any] = dict(dims)  # an outcome's id and name are the org object's JSON
            if outcome_id:
                vdims.update(flowOutcomeId=outcome_id, flowOutcome=outcome_name, flowOutcomeValue="SUCCESS")
            key = tuple((g, vdims[g]) for g in group_by if vdims.get(g))
            per_bucket = groups.setdefault(key, {})
            for i, (s, e) in enumerate(buckets):
                data = _bucket_metrics((flow.id, outcome_id or ""), s, e, metrics, bool(outcome_id))
                if data:
                    per_bucket.setdefault(i, []).extend(data)
    results = []
    for key, per_bucket in groups.items():
        data = [{"interval": f"{iso_ms(buckets[i][0])}/{iso_ms(buckets[i][1])}", "metrics": _merge(items)}
                for i, items in sorted(per_bucket.items())]
        if data:
            results.append({"group": dict(key), "data": data})
    return {"results": results}


def _merge(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sum metrics of several flows that fall in one group."""
    merged: dict[str, dict[str, Any]] = {}
    for item in items:
        stats = merged.setdefault(item["metric"], {})
        for k, v in item["stats"].items():
            if k == "max":
                stats[k] = max(stats.get(k, v), v)
            elif k == "min":
                stats[k] = min(stats.get(k, v), v)
            else:
                stats[k] = stats.get(k, 0) + v
    return [{"metric": m, "stats": s} for m, s in merged.items()]
