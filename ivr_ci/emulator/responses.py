"""Thin HTTP handlers for flows: list/get/create/update/delete, versions, configuration,
history and the flow actions. Each takes a `Request` and returns a `Response`; the model
work happens on the org backend."""

from __future__ import annotations

import copy
from typing import Any

from ivr_ci.emulator.exceptions import bad_request, invalid_value, not_found
from ivr_ci.emulator.flows import FLOW_TYPES, QUERY_FLOW_TYPES, FlowRecord
from ivr_ci.emulator.request import Request, Response, listing, ok
from ivr_ci.emulator.util import iso_ms, name_matches, parse_datetime


def _types(req: Request) -> list[str]:
    out = []
    for t in req.q_list("type"):
        if t.lower() not in QUERY_FLOW_TYPES:
            raise invalid_value("type", t, list(QUERY_FLOW_TYPES))
        out.append(t.upper())
    return out


def _sort(req: Request, flows: list[FlowRecord]) -> list[FlowRecord]:
    sort_by = req.q("sortBy", "id") or "id"
    key = {"name": lambda f: f.name.casefold(), "type": lambda f: (f.type, f.name.casefold()),
           "description": lambda f: f.description.casefold()}.get(sort_by, lambda f: f.id)
    order = (req.q("sortOrder", "asc") or "asc").lower()
    if order not in ("asc", "desc", "ascending", "descending"):
        raise invalid_value("sortOrder", order, ["asc", "desc"])
    return sorted(flows, key=key, reverse=order.startswith("desc"))


def _published_ms(flow: FlowRecord) -> int | None:
    version = flow.published_version
    return version.published_ms if version else None


def get_flows(req: Request) -> Response:
    org = req.org
    types, ids, divisions = _types(req), set(req.q_list("id")), set(req.q_list("divisionId"))
    include_deleted = bool(req.q_bool("deleted", False))
    name, desc, either = req.q("name"), req.q("description"), req.q("nameOrDescription")
    after = parse_datetime(req.q("publishedAfter") or "", "publishedAfter") if req.q("publishedAfter") else None
    before = parse_datetime(req.q("publishedBefore") or "", "publishedBefore") if req.q("publishedBefore") else None
    flows = []
    for flow in org.flows.records.values():
        if flow.deleted and not include_deleted:
            continue
        if (types and flow.type not in types) or (ids and flow.id not in ids):
            continue
        if divisions and flow.division_id not in divisions:
            continue
        if name and not name_matches(flow.name, name, "contains"):
            continue
        if desc and not name_matches(flow.description, desc, "contains"):
            continue
        if either and not (name_matches(flow.name, either, "contains")
                           or name_matches(flow.description, either, "contains")):
            continue
        if req.q("publishVersionId") and flow.published != req.q("publishVersionId"):
            continue
        lock = flow.locked_by
        if req.q("lockedBy") and (lock is None or lock.user_id != req.q("lockedBy")):
            continue
        if req.q("lockedByClientId") and (lock is None or lock.client_id != req.q("lockedByClientId")):
            continue
        if req.q("editableBy") and lock is not None and lock.user_id != req.q("editableBy"):
            continue
        if req.q_bool("virtualAgentEnabled", None) is True:
            continue
        published = _published_ms(flow)
        if after and (published is None or published < after.timestamp() * 1000):
            continue
        if before and (published is None or published > before.timestamp() * 1000):
            continue
        flows.append(flow)
    return ok(listing(req, _sort(req, flows), org.flows.renderer.flow))


def lookup_flows(req: Request) -> Response:
    ids = req.q_list("id")
    if not ids:
        req.require("id")
    flows = [f for i in ids if (f := req.org.flows.records.get(i)) is not None and not f.deleted]
    return ok(listing(req, _sort(req, flows), req.org.flows.renderer.flow))


def division_views(req: Request) -> Response:
    org, types = req.org, _types(req)
    name, ids, divisions = req.q("name"), set(req.q_list("id")), set(req.q_list("divisionId"))
    flows = [f for f in org.flows.records.values() if not f.deleted and (not types or f.type in types)
             and (not name or name_matches(f.name, name, "contains")) and (not ids or f.id in ids)
             and (not divisions or f.division_id in divisions)]
    return ok(listing(req, _sort(req, flows), org.flows.renderer.division_view))


def create_flow(req: Request) -> Response:
    body = req.json_object()
    name, ftype = body.get("name"), str(body.get("type") or "").upper()
    if not isinstance(name, str) or not name.strip():
        raise bad_request("A flow name is required.", details=[{"errorCode": "missing.field", "fieldName": "name"}])
    if ftype not in FLOW_TYPES:
        raise invalid_value("type", body.get("type"), list(FLOW_TYPES))
    division = body.get("division")
    if not isinstance(division, dict):
        division = {}
    if division.get("id") and req.org.objects.get("division", division["id"]) is None:
        raise invalid_value("division.id", division["id"])
    flow = req.org.flows.create(name, ftype, req.actor, division.get("id"), str(body.get("description") or ""))
    return ok(req.org.flows.renderer.flow(flow))


def get_flow(req: Request) -> Response:
    flow = req.org.flows.get(req.params["flowId"], include_deleted=bool(req.q_bool("deleted", False)))
    return ok(req.org.flows.renderer.flow(flow))


def put_flow(req: Request) -> Response:
    flow = req.org.flows.update(req.params["flowId"], req.json_object(), req.actor)
    return ok(req.org.flows.renderer.flow(flow))


def delete_flow(req: Request) -> Response:
    req.org.flows.delete(req.params["flowId"], req.actor)
    return Response(200, None)


def delete_flows(req: Request) -> Response:
    ids = req.q_list("id")
    if not ids:
        req.require("id")
    for flow_id in ids:
        req.org.flows.delete(flow_id, req.actor)
    return ok(req.org.flows.renderer.operation("DELETE", req.actor, req.org.new_id("operation")))


def _flow_and_version(req: Request) -> tuple[FlowRecord, Any]:
    flow = req.org.flows.get(req.params["flowId"], include_deleted=bool(req.q_bool("deleted", False)))
    vid = req.params["versionId"]
    version = flow.version(vid) or (flow.draft if flow.draft and flow.draft.id == vid else None)
    if version is None:
        raise not_found(f"Version {vid} of flow", flow.id)
    return flow, version


def get_versions(req: Request) -> Response:
    flow = req.org.flows.get(req.params["flowId"], include_deleted=bool(req.q_bool("deleted", False)))
    versions = list(reversed(flow.versions))
    return ok(listing(req, versions, lambda v: req.org.flows.renderer.version(flow, v)))


def post_version(req: Request) -> Response:
    body = req.json(required=False)
    flow_id = req.params["flowId"]
    version = req.org.flows.create_version(flow_id, body if body is not None else {}, req.actor)
    return ok(req.org.flows.renderer.version(req.org.flows.get(flow_id), version))


def get_version(req: Request) -> Response:
    flow, version = _flow_and_version(req)
    return ok(req.org.flows.renderer.version(flow, version))


def _configuration(flow: FlowRecord, version: Any) -> dict[str, Any]:
    return {"id": flow.id, "name": flow.name, "type": flow.type, "version": version.id,
            "definition": copy.deepcopy(version.config) if version.config is not None else {}}


def get_version_configuration(req: Request) -> Response:
    flow, version = _flow_and_version(req)
    return ok(_configuration(flow, version))


def get_latest_configuration(req: Request) -> Response:
    flow = req.org.flows.get(req.params["flowId"], include_deleted=bool(req.q_bool("deleted", False)))
    version = flow.draft or flow.latest
    if version is None:
        raise not_found(f"Configuration of flow {flow.id}")
    return ok(_configuration(flow, version))


def post_history(req: Request) -> Response:
    flow = req.org.flows.get(req.params["flowId"])
    history_id = req.org.new_id("history")
    req.org.flows.histories[history_id] = flow.id
    return ok(req.org.flows.renderer.operation("HISTORY", req.actor, history_id))


def get_history(req: Request) -> Response:
    org = req.org
    flow = org.flows.get(req.params["flowId"], include_deleted=True)
    if org.flows.histories.get(req.params["historyId"]) != flow.id:
        raise not_found("History", req.params["historyId"])
    actions = {a.upper() for a in req.q_list("action")}
    rows = [r for r in org.audits.rows if r[5] == flow.id and (not actions or r[4].upper() in actions)]
    descending = (req.q("sortOrder", "desc") or "desc").lower().startswith("desc")
    rows.sort(key=lambda r: (r[0], r[1]), reverse=descending)

    def entry(row: tuple[Any, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {"action": str(row[4]).upper(), "resource": flow.name, "timestamp": iso_ms(row[0]),
                               "secure": False, "virtualAgentEnabled": False}
        if row[7]:
            out["user"] = org.objects.user_ref(row[7])
        if row[8]:
            out["client"] = {"id": row[8], "name": org.client_names.get(row[8], row[8])}
        version = ((row[10] or {}).get("context") or {}).get("version")
        if version:
            out["version"] = version
        return out

    page = listing(req, rows, entry)
    op = org.flows.renderer.operation("HISTORY", req.actor, req.params["historyId"])
    keep = ("entities", "pageSize", "pageNumber", "total", "pageCount")
    return ok({**op, "name": flow.name, "description": flow.description, "system": False,
               "started": iso_ms(org.clock.now_ms()), "completed": iso_ms(org.clock.now_ms()),
               **{k: page[k] for k in keep}})


def _flow_param(req: Request) -> str:
    return req.require("flow")


def action_publish(req: Request) -> Response:
    return ok(req.org.flows.publish(_flow_param(req), req.q("version"), req.actor))


def action_checkin(req: Request) -> Response:
    return ok(req.org.flows.checkin(_flow_param(req), req.actor))


def action_checkout(req: Request) -> Response:
    return ok(req.org.flows.renderer.flow(req.org.flows.checkout(_flow_param(req), req.actor)))


def action_unlock(req: Request) -> Response:
    return ok(req.org.flows.renderer.flow(req.org.flows.unlock(_flow_param(req), req.actor)))


def action_revert(req: Request) -> Response:
    return ok(req.org.flows.renderer.flow(req.org.flows.revert(_flow_param(req), req.actor)))


def action_deactivate(req: Request) -> Response:
    return ok(req.org.flows.renderer.flow(req.org.flows.deactivate(_flow_param(req), req.actor)))
