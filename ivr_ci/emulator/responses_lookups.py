"""Handlers for the org-object lookups a validator needs (queues, prompts, schedules, data
actions, divisions, skills, languages, wrap-up codes, data tables, outcomes, IVRs) and for
`organizations/me` / `tokens/me`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ivr_ci.emulator.exceptions import GenesysError, invalid_value, not_found
from ivr_ci.emulator.request import Request, Response, listing, ok
from ivr_ci.emulator.util import iso_ms, name_matches


def _sorted(req: Request, objs: list[dict[str, Any]], default_by: str = "name",
            allowed_orders: tuple[str, ...] = ("asc", "desc", "ascending", "descending")) -> list[dict[str, Any]]:
    by = req.q("sortBy", default_by) or default_by
    order = (req.q("sortOrder", "asc") or "asc").lower()
    if order not in allowed_orders:
        raise invalid_value("sortOrder", req.q("sortOrder"), list(allowed_orders))
    key = (lambda o: str(o.get("id"))) if by == "id" else (lambda o: str(o.get("name", "")).casefold())
    return sorted(objs, key=key, reverse=order.startswith("desc"))


def _filter_common(req: Request, objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = set(req.q_list("id"))
    divisions = set(req.q_list("divisionId"))
    return [o for o in objs if (not ids or o["id"] in ids) and (not divisions or o.get("divisionId") in divisions)]


def _list(kind: str, mode: str = "exact", multi_name: bool = False,
          max_size: int | None = None, **render_opts: Any) -> Callable[[Request], Response]:
    def handler(req: Request) -> Response:
        org = req.org
        if multi_name and len(req.q_list("name")) > 1:
            names = req.q_list("name")
            objs = [o for o in org.objects.all(kind) if any(name_matches(o["name"], n, mode) for n in names)]
        else:
            objs = _filter_common(req, org.objects.search(kind, req.q("name"), mode))
        opts = dict(render_opts)
        if kind == "dataTable":
            opts["expand_schema"] = "schema" in req.q_list("expand")
        if kind == "ivr":
            opts["flow_ref"] = org.flows.ref
        default_by = "id" if kind in ("prompt", "dataAction") else "name"
        return ok(listing(req, _sorted(req, objs, default_by), lambda o: org.objects.render(o, **opts),
                          max_size=max_size))
    handler.__name__ = f"list_{kind}"
    return handler


def _get(kind: str, param: str) -> Callable[[Request], Response]:
    def handler(req: Request) -> Response:
        obj = req.org.objects.get(kind, req.params[param])
        if obj is None:
            raise not_found(kind, req.params[param])
        opts: dict[str, Any] = {"flow_ref": req.org.flows.ref} if kind == "ivr" else {}
        return ok(req.org.objects.render(obj, **opts))
    handler.__name__ = f"get_{kind}"
    return handler


list_queues = _list("queue")
get_queue = _get("queue", "queueId")
list_system_prompts = _list("systemPrompt")
list_schedule_groups = _list("scheduleGroup")
get_schedule_group = _get("scheduleGroup", "scheduleGroupId")
list_schedules = _list("schedule")
get_schedule = _get("schedule", "scheduleId")
list_ivrs = _list("ivr")
get_action = _get("dataAction", "actionId")
list_divisions = _list("division", mode="contains")
list_skills = _list("skill", mode="prefix")
list_wrapup_codes = _list("wrapupCode")
list_data_tables = _list("dataTable")
list_outcomes = _list("flowOutcome", mode="contains")
get_outcome = _get("flowOutcome", "flowOutcomeId")
list_milestones = _list("flowMilestone", mode="contains")


def list_languages(req: Request) -> Response:
    order = (req.q("sortOrder") or "ascending").lower()
    if order not in ("ascending", "descending", "asc", "desc"):
        raise invalid_value("sortOrder", req.q("sortOrder"), ["ascending", "descending"])
    objs = req.org.objects.search("languageSkill", req.q("name"), "prefix")
    objs = sorted(objs, key=lambda o: o["name"].casefold(), reverse=order.startswith("desc"))
    return ok(listing(req, objs, req.org.objects.render))


def list_actions(req: Request) -> Response:
    org = req.org
    objs = org.objects.search("dataAction", req.q("name"), "contains")
    category = req.q("category")
    if category:
        objs = [o for o in objs if str(o.get("category", "")).casefold() == category.casefold()]
    ids = {i for i in (req.q("ids") or "").split(",") if i}
    if len(ids) > 50:
        raise GenesysError(400, "bad.request", "At most 50 ids may be requested at once.")
    if ids:
        objs = [o for o in objs if o["id"] in ids]
    secure = req.q("secure")
    if secure in ("true", "false"):
        objs = [o for o in objs if bool(o.get("secure")) == (secure == "true")]
    elif secure is not None:
        raise invalid_value("secure", secure, ["true", "false"])
    order = (req.q("sortOrder") or "ASC").upper()
    if order not in ("ASC", "DESC"):
        raise invalid_value("sortOrder", req.q("sortOrder"), ["ASC", "DESC"])
    by = req.q("sortBy") or "name"
    objs = sorted(objs, key=lambda o: str(o.get(by, o["name"])).casefold(), reverse=order == "DESC")
    return ok(listing(req, objs, org.objects.render))


def organization_me(req: Request) -> Response:
    org = req.org
    return ok({"id": org.id, "name": org.name, "defaultLanguage": "en-us", "defaultCountryCode": "US",
               "thirdPartyOrgName": org.name.lower().replace(" ", "-"), "domain": "emulator.invalid",
               "version": 1, "state": "active", "voicemailEnabled": True, "productPlatform": "GenesysCloud",
               "features": {"purecloud": True}, "selfUri": f"/api/v2/organizations/{org.id}"})


def token_me(req: Request) -> Response:
    org, principal = req.org, req.principal
    assert principal is not None
    record = req.backend.token_info(req.headers.get("Authorization"))
    named = {"id": org.id, "name": org.name}
    out: dict[str, Any] = {"organization": named, "homeOrganization": dict(named),
                           "authorizedScope": ["architect", "audits:readonly", "analytics:readonly",
                                               "routing:readonly", "integrations:readonly"],
                           "OAuthClient": {"id": principal.client_id,
                                           "name": org.client_names.get(principal.client_id, principal.client_id),
                                           "authorizedGrantType": "CLIENT-CREDENTIALS", "state": "active",
                                           "organization": named}}
    if record is not None:
        out["dateTokenIdles"] = iso_ms(int(record.expires_at * 1000))
    return ok(out)
