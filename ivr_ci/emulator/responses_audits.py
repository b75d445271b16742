"""Handlers for audits (async query + cursor-paged results, realtime query, service mapping),
flow analytics aggregates and Architect dependency tracking."""

from __future__ import annotations

import base64
import json
import math
from typing import Any

from ivr_ci.emulator import analytics, dependencies
from ivr_ci.emulator.audits import AuditQuery, parse_query_request, service_mapping
from ivr_ci.emulator.exceptions import GenesysError, bad_request, invalid_value, not_found
from ivr_ci.emulator.flows import dependency_type
from ivr_ci.emulator.request import Request, Response, listing, ok
from ivr_ci.emulator.util import iso_ms

MAX_RESULTS_PAGE = 500


def _user_name(req: Request) -> Any:
    org = req.org
    return lambda uid: (org.objects.get("user", uid, include_deleted=True) or {}).get("name")


def _expand_user(req: Request) -> bool:
    for value in req.q_list("expand"):
        if value != "user":
            raise invalid_value("expand", value, ["user"])
    return "user" in req.q_list("expand")


# ---- asynchronous query --------------------------------------------------------------------
def post_query(req: Request) -> Response:
    interval, start, end, service, filters, sort, _, _ = parse_query_request(req.json_object())
    org = req.org
    query = AuditQuery(id=org.new_id("audit-query"), interval=interval, start_ms=start, end_ms=end,
                       service=service, filters=filters, sort=sort, created_ms=org.clock.now_ms())
    org.audits.queries[query.id] = query
    return ok(query.status_body(), status=202)


def _query(req: Request) -> AuditQuery:
    query = req.org.audits.queries.get(req.params["transactionId"])
    if query is None:
        raise not_found("Audit query", req.params["transactionId"])
    return query


def _advance(req: Request, query: AuditQuery) -> None:
    if query.state in ("Succeeded", "Failed", "Cancelled"):
        return
    query.polls += 1
    if query.polls < req.org.settings.audit_query_polls:
        query.state = "Running"
        return
    body = {"interval": query.interval, "serviceName": query.service, "filters": query.filters,
            "sort": query.sort}
    _, start, end, service, _, _, compiled, descending = parse_query_request(
        {k: v for k, v in body.items() if v is not None})
    query.result = req.org.audits.select(start, end, service, compiled, descending)
    query.state = "Succeeded"


def get_query(req: Request) -> Response:
    query = _query(req)
    _advance(req, query)
    return ok(query.status_body(), status=200 if query.state == "Succeeded" else 202)


def _cursor(query_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([query_id[:8], offset]).encode()).decode().rstrip("=")


def _offset(query_id: str, cursor: str) -> int:
    try:
        tag, offset = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if tag != query_id[:8] or not isinstance(offset, int) or offset < 0:
            raise ValueError
        return offset
    except (ValueError, TypeError):
        raise bad_request(f"The cursor [{cursor}] is not valid for this query.", code="invalid.value",
                          details=[{"errorCode": "invalid.value", "fieldName": "cursor"}]) from None


def get_results(req: Request) -> Response:
    query = _query(req)
    if query.state != "Succeeded" or query.result is None:
        raise GenesysError(400, "bad.request",
                           f"The audit query {query.id} is not complete (state {query.state}); "
                           "poll GET /api/v2/audits/query/{transactionId} until it has Succeeded.")
    page_size = req.q_int("pageSize", 25, minimum=1, maximum=MAX_RESULTS_PAGE)
    expand = _expand_user(req)
    cursor = req.q("cursor")
    offset = _offset(query.id, cursor) if cursor else 0
    org = req.org
    rows = query.result
    if req.q_bool("allowRedirect", False) and len(rows) > org.settings.audit_large_results:
        from ivr_ci.emulator.responses_jobs import _presign

        url = _presign(req, f"/__download/audits/{org.name}/{query.id}", "audits", org.name, query.id,
                       signed_headers="host")
        # No Location header: HTTP clients would follow it with the bearer token still attached.
        return Response(302, {"id": query.id, "pageSize": page_size, "downloadUrl": url})
    page = rows[offset:offset + page_size]
    name = _user_name(req)
    out: dict[str, Any] = {"id": query.id, "pageSize": page_size}
    if offset + page_size < len(rows):
        out["cursor"] = _cursor(query.id, offset + page_size)
    out["entities"] = [org.audits.render(org.audits.rows[i], name, expand) for i in page]
    return ok(out)


def download_results(req: Request) -> Response:
    from ivr_ci.emulator.responses_jobs import _check_presigned

    org = req.backend.org(req.params["org"])
    query = org.audits.queries.get(req.params["transactionId"])
    _check_presigned(req, "audits", org.name, req.params["transactionId"])
    if query is None or query.result is None:
        raise not_found("Audit query results")
    rows = [org.audits.render(org.audits.rows[i]) for i in query.result]
    return ok({"id": query.id, "entities": rows})


# ---- realtime ------------------------------------------------------------------------------
def post_realtime(req: Request) -> Response:
    body = req.json_object()
    _, start, end, service, _, _, compiled, descending = parse_query_request(body)
    org = req.org
    days = org.settings.realtime_audit_days
    if start < org.clock.now_ms() - days * 86_400_000:
        raise bad_request(f"The realtime audit query interval must be within the last {days} days; "
                          "use POST /api/v2/audits/query for older data.", code="invalid.value",
                          details=[{"errorCode": "invalid.value", "fieldName": "interval"}])
    page_size = _int_field(body, "pageSize", 25, MAX_RESULTS_PAGE)
    page_number = _int_field(body, "pageNumber", 1, None)
    rows = org.audits.select(start, end, service, compiled, descending)
    expand, name = _expand_user(req), _user_name(req)
    first = (page_number - 1) * page_size
    return ok({"entities": [org.audits.render(org.audits.rows[i], name, expand)
                            for i in rows[first:first + page_size]],
               "pageSize": page_size, "pageNumber": page_number, "total": len(rows),
               "pageCount": math.ceil(len(rows) / page_size) if rows else 0})


def _int_field(body: dict[str, Any], key: str, default: int, maximum: int | None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum and value > maximum):
        raise bad_request(f"{key} must be an integer between 1 and {maximum or 'unbounded'}",
                          code="invalid.value", details=[{"errorCode": "invalid.value", "fieldName": key}])
    return value


def post_related(req: Request) -> Response:
    body = req.json_object()
    audit_id = body.get("auditId")
    if not isinstance(audit_id, str):
        raise bad_request("auditId is required", details=[{"errorCode": "missing.field", "fieldName": "auditId"}])
    org = req.org
    target = next((r for r in org.audits.rows if org.audits.audit_id(r[1]) == audit_id), None)
    if target is None:
        raise not_found("Audit", audit_id)
    related = [r for r in org.audits.rows if r[5] == target[5] and abs(r[0] - target[0]) <= 2000]
    return ok({"entities": [org.audits.render(r) for r in related]})


def get_service_mapping(req: Request) -> Response:
    return ok(service_mapping())


def post_flow_aggregates(req: Request) -> Response:
    return ok(analytics.aggregate(req.org, req.json_object()))


# ---- dependency tracking -------------------------------------------------------------------
def _types(req: Request, name: str) -> list[str]:
    out = [t.upper() for t in req.q_list(name)]
    for t in out:
        if t not in dependencies.OBJECT_TYPES:
            raise invalid_value(name, t, dependencies.OBJECT_TYPES)
    return out


def dep_search(req: Request) -> Response:
    org = req.org
    found = dependencies.search(org, req.require("name"), _types(req, "objectType"))
    with_consumed = bool(req.q_bool("consumedResources", False))
    with_consuming = bool(req.q_bool("consumingResources", False))
    return ok(listing(req, found, lambda x: dependencies.dependency_object(
        org, x[0], x[1], with_consumed, with_consuming)))


def dep_consumed(req: Request) -> Response:
    org = req.org
    flow_id, version, object_type = req.require("id"), req.require("version"), req.require("objectType")
    flow = org.flows.records.get(flow_id)
    if flow is None or dependency_type(flow.type) != object_type.upper():
        raise not_found(f"{object_type} object", flow_id)
    if flow.version(version) is None:
        raise not_found(f"Version {version} of", flow_id)
    items = dependencies.consumed(org, flow, version, _types(req, "resourceType"))
    return ok(listing(req, items, dict))


def dep_consuming(req: Request) -> Response:
    object_id = req.require("id")
    req.require("objectType")
    flow_filter = req.q("flowFilter")
    if flow_filter not in (None, "checkedIn", "published"):
        raise invalid_value("flowFilter", flow_filter, ["checkedIn", "published"])
    items = dependencies.consuming(req.org, object_id, flow_filter, _types(req, "resourceType"))
    return ok(listing(req, items, dict))


def dep_object(req: Request) -> Response:
    org = req.org
    object_id = req.require("id")
    found = next(((d, f) for d, f in dependencies.all_objects(org) if d["id"] == object_id), None)
    if found is None:
        raise not_found("Dependency object", object_id)
    return ok(dependencies.dependency_object(org, found[0], found[1],
                                             bool(req.q_bool("consumedResources", True)),
                                             bool(req.q_bool("consumingResources", True)), req.q("version")))


def dep_types(req: Request) -> Response:
    return ok(listing(req, dependencies.OBJECT_TYPES, dependencies.type_entity))


def dep_type(req: Request) -> Response:
    type_id = req.params["typeId"].upper()
    if type_id not in dependencies.OBJECT_TYPES:
        raise not_found("Dependency type", type_id)
    return ok(dependencies.type_entity(type_id))


def dep_build_status(req: Request) -> Response:
    org = req.org
    now = iso_ms(org.clock.now_ms())
    return ok({"id": "dependency-build", "name": "Dependency tracking build", "buildId": org.id,
               "dateStarted": now, "dateCompleted": now, "status": "OPERATIONAL", "failedObjects": [],
               "selfUri": "/api/v2/architect/dependencytracking/build"})


def dep_build(req: Request) -> Response:
    return Response(202, None)


def dep_deleted_consumers(req: Request) -> Response:
    return ok(listing(req, dependencies.broken_consumers(req.org, deleted=True), dict))


def dep_updated_consumers(req: Request) -> Response:
    return ok(listing(req, dependencies.broken_consumers(req.org, deleted=False), dict))
