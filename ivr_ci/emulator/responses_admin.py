"""`/__admin/...`: test helpers outside the Genesys API (no auth; loopback only).

UI edits by a user, locks, the clock, bulk audits, faults, org objects, token expiry,
settings, recorded exchanges and a state dump. See docs/emulator.md for the bodies.
"""

from __future__ import annotations

from typing import Any

from ivr_ci.emulator.exceptions import GenesysError, bad_request
from ivr_ci.emulator.faults import FaultError
from ivr_ci.emulator.orgobjects import KINDS
from ivr_ci.emulator.request import Request, Response, ok
from ivr_ci.emulator.settings import Settings
from ivr_ci.emulator.util import iso_ms, parse_datetime


def _body(req: Request) -> dict[str, Any]:
    return req.json_object(required=False)


def health(req: Request) -> Response:
    return ok({"status": "ok", "orgs": list(req.backend.orgs)})


def state(req: Request) -> Response:
    data = req.backend.to_state()
    if not req.q_bool("audits", False):
        for org in data["orgs"]:
            org["audits"] = {"count": len(org["audits"])}
    for client in data["clients"]:
        client.pop("secretSha256", None)
    return ok(data)


def _flow(req: Request, body: dict[str, Any]) -> tuple[Any, Any]:
    org = req.backend.org(body.get("org"))
    ref = body.get("flow") or body.get("flowId") or body.get("name")
    if not ref:
        raise bad_request("'flow' (a flow name or id) is required")
    return org, org.flows.by_name_or_id(str(ref), body.get("type"))


def ui_edit(req: Request) -> Response:
    body = _body(req)
    if not body.get("user"):
        raise bad_request("'user' (a seeded user's name) is required")
    org, flow = _flow(req, body)
    org.flows.ui_edit(flow, str(body["user"]), body.get("yaml"), body.get("description"),
                publish=bool(body.get("publish", True)))
    return ok(org.flows.renderer.flow(flow))


def lock(req: Request) -> Response:
    body = _body(req)
    if not body.get("user"):
        raise bad_request("'user' (a seeded user's name) is required")
    org, flow = _flow(req, body)
    org.flows.lock_by_user(flow, str(body["user"]))
    return ok(org.flows.renderer.flow(flow))


def clock(req: Request) -> Response:
    backend = req.backend
    if req.method == "POST":
        body = _body(req)
        if "now" in body:
            backend.clock.set_now(parse_datetime(str(body["now"]), "now").timestamp())
        elif "offsetSeconds" in body:
            backend.clock.set_offset(float(body["offsetSeconds"]))
        elif "advanceSeconds" in body:
            backend.clock.advance(float(body["advanceSeconds"]))
        else:
            raise bad_request("give one of: now (ISO-8601), offsetSeconds, advanceSeconds")
    return ok({"now": iso_ms(backend.clock.now_ms()), "offsetSeconds": backend.clock.offset})


def audits(req: Request) -> Response:
    body = _body(req)
    org = req.backend.org(body.get("org"))
    added = 0
    for rec in body.get("records") or []:
        if not isinstance(rec, dict) or not rec.get("action") or not rec.get("entityId"):
            raise bad_request("each record needs at least action and entityId")
        when = rec.get("eventDate") or rec.get("timestamp")
        ts = int(parse_datetime(str(when), "eventDate").timestamp() * 1000) if when else org.clock.now_ms()
        user_id = rec.get("userId")
        if rec.get("user") and not user_id:
            user_id = org.flows.user_actor(str(rec["user"])).user_id
        extra = {k: rec[k] for k in ("propertyChanges", "context", "application", "remoteIp") if k in rec}
        org.audits.add(ts, str(rec["action"]), str(rec["entityId"]), str(rec.get("entityName", "")),
                       entity_type=str(rec.get("entityType", "Flow")),
                       service=str(rec.get("serviceName", "Architect")), user_id=user_id,
                       client_id=rec.get("clientId"), status=str(rec.get("status", "SUCCESS")), extra=extra)
        added += 1
    if body.get("generate"):
        spec = body["generate"]
        if not isinstance(spec, dict):
            raise bad_request("generate must be an object")
        entities = [(f.id, f.name) for f in org.flows.records.values() if not f.deleted]
        users = [u["id"] for u in org.objects.all("user")]
        added += org.audits.generate(spec, entities, users, list(org.client_names), org.clock.now_ms())
    return ok({"added": added, "total": len(org.audits)})


def faults(req: Request) -> Response:
    backend = req.backend
    if req.method == "GET":
        return ok({"faults": backend.faults.describe()})
    if req.method == "DELETE":
        removed = backend.faults.clear(req.params.get("faultId"))
        if req.params.get("faultId") and not removed:
            raise GenesysError(404, "not.found", f"No fault {req.params['faultId']}")
        return ok({"removed": removed})
    body = req.json(required=True)
    specs = body.get("faults") if isinstance(body, dict) and "faults" in body else body
    specs = specs if isinstance(specs, list) else [specs]
    try:
        rules = [backend.add_fault(spec) for spec in specs]
    except FaultError as exc:
        raise bad_request(str(exc)) from None
    return ok({"faults": [r.describe() for r in rules]})


def objects(req: Request) -> Response:
    body = _body(req)
    org = req.backend.org(body.get("org"))
    kind = body.get("kind")
    if kind not in KINDS:
        raise bad_request(f"kind must be one of: {', '.join(KINDS)}")
    added = [org.objects.add(kind, {"name": i} if isinstance(i, str) else dict(i)) for i in body.get("add") or []]
    removed = [n for n in body.get("remove") or [] if org.objects.remove(kind, str(n))]
    return ok({"added": [org.objects.render(o) for o in added], "removed": removed})


def expire_tokens(req: Request) -> Response:
    return ok({"expired": req.backend.expire_tokens()})


def settings(req: Request) -> Response:
    backend = req.backend
    if req.method == "POST":
        body = _body(req)
        current = backend.settings
        new = Settings.from_seed(body)
        for name in vars(current):
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(name.split("_")))
            if camel in body:
                setattr(current, name, getattr(new, name))
    return ok(vars(backend.settings))


def exchanges(req: Request) -> Response:
    recorder = getattr(req.backend, "recorder", None)
    if recorder is None:
        raise bad_request("recording is off (start the emulator with record=True)")
    if req.method == "DELETE":
        recorder.clear()
        return ok({"cleared": True})
    return ok({"exchanges": recorder.snapshot()})
