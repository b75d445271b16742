"""An org's configuration objects (queues, prompts, schedules, data actions, users, ...).

Objects are kept as plain dicts (`id`, `name`, `kind`, `divisionId`, kind-specific extras,
`deleted`), which makes persistence trivial; `render` turns one into its API shape.
"""

from __future__ import annotations

from typing import Any

from ivr_ci.emulator.util import iso_ms, name_matches, stable_id

# kind → selfUri prefix
SELF_URIS: dict[str, str] = {
    "queue": "/api/v2/routing/queues", "prompt": "/api/v2/architect/prompts",
    "systemPrompt": "/api/v2/architect/systemprompts", "scheduleGroup": "/api/v2/architect/schedulegroups",
    "schedule": "/api/v2/architect/schedules", "dataAction": "/api/v2/integrations/actions",
    "integration": "/api/v2/integrations", "dataTable": "/api/v2/flows/datatables",
    "languageSkill": "/api/v2/routing/languages", "skill": "/api/v2/routing/skills",
    "wrapupCode": "/api/v2/routing/wrapupcodes", "user": "/api/v2/users", "group": "/api/v2/groups",
    "division": "/api/v2/authorization/divisions", "emergencyGroup": "/api/v2/architect/emergencygroups",
    "ivr": "/api/v2/architect/ivrs", "contactList": "/api/v2/outbound/contactlists",
    "script": "/api/v2/scripts", "flowOutcome": "/api/v2/flows/outcomes",
    "flowMilestone": "/api/v2/flows/milestones",
}
KINDS = tuple(SELF_URIS)
DIVISIONED = {"queue", "prompt", "scheduleGroup", "schedule", "dataTable", "wrapupCode", "skill",
              "emergencyGroup", "ivr", "flowOutcome", "flowMilestone"}
DEFAULT_SYSTEM_PROMPTS = ("on_hold_music", "processing", "voicemail_greeting", "welcome", "goodbye",
                          "please_hold", "transfer_failed", "invalid_entry", "no_entry")
_CREATED_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z: seeded objects' creation date


class OrgObjects:
    def __init__(self, org_name: str, items: dict[str, list[dict[str, Any]]] | None = None) -> None:
        self.org_name = org_name
        self.items: dict[str, list[dict[str, Any]]] = items or {}

    # ---- mutation -------------------------------------------------------------------------
    def add(self, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
        if kind not in SELF_URIS:
            raise ValueError(f"unknown object kind {kind!r}")
        name = str(spec["name"])
        existing = self.find(kind, name, category=spec.get("category"), include_deleted=True)
        if existing is not None:
            existing.update({k: v for k, v in spec.items() if k not in ("id", "kind")})
            existing["deleted"] = False
            return existing
        obj = {k: v for k, v in spec.items() if k not in ("division",)}
        obj["kind"] = kind
        obj["name"] = name
        obj.setdefault("id", stable_id(self.org_name, kind, name, spec.get("category", "")))
        obj["deleted"] = False
        if kind in DIVISIONED:
            div = self.find("division", str(spec.get("division") or "Home")) or self.home_division()
            obj["divisionId"] = div["id"] if div else None
        self.items.setdefault(kind, []).append(obj)
        return obj

    def remove(self, kind: str, name: str, category: str | None = None) -> bool:
        obj = self.find(kind, name, category=category)
        if obj is None:
            return False
        obj["deleted"] = True
        return True

    # ---- lookup ---------------------------------------------------------------------------
    def all(self, kind: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        return [o for o in self.items.get(kind, []) if include_deleted or not o.get("deleted")]

    def find(self, kind: str, name: str, category: str | None = None,
             include_deleted: bool = False) -> dict[str, Any] | None:
        for obj in self.all(kind, include_deleted):
            if obj["name"].casefold() != name.casefold():
                continue
            if category and obj.get("category") and obj["category"].casefold() != category.casefold():
                continue
            return obj
        return None

    def get(self, kind: str, obj_id: str, include_deleted: bool = False) -> dict[str, Any] | None:
        return next((o for o in self.all(kind, include_deleted) if o["id"] == obj_id), None)

    def by_id(self, obj_id: str) -> dict[str, Any] | None:
        for objs in self.items.values():
            for obj in objs:
                if obj["id"] == obj_id:
                    return obj
        return None

    def search(self, kind: str, pattern: str | None, mode: str = "exact") -> list[dict[str, Any]]:
        objs = self.all(kind)
        if pattern:
            objs = [o for o in objs if name_matches(o["name"], pattern, mode)]
        return objs

    def home_division(self) -> dict[str, Any] | None:
        divs = self.all("division")
        return next((d for d in divs if d.get("homeDivision")), divs[0] if divs else None)

    def division(self, division_id: str | None) -> dict[str, Any] | None:
        return (self.get("division", division_id) if division_id else None) or self.home_division()

    # ---- rendering ------------------------------------------------------------------------
    def ref(self, obj: dict[str, Any]) -> dict[str, Any]:
        return {"id": obj["id"], "name": obj["name"], "selfUri": f"{SELF_URIS[obj['kind']]}/{obj['id']}"}

    def division_ref(self, division_id: str | None) -> dict[str, Any]:
        div = self.division(division_id)
        return self.ref(div) if div else {"id": "", "name": "Home", "selfUri": ""}

    def user_ref(self, user_id: str) -> dict[str, Any]:
        user = self.get("user", user_id, include_deleted=True)
        out = {"id": user_id, "version": 1, "selfUri": f"/api/v2/users/{user_id}"}
        if user:
            out.update(name=user["name"], state="active")
            if user.get("email"):
                out["email"] = user["email"]
                out["username"] = user["email"]
        return out

    def render(self, obj: dict[str, Any], **opts: Any) -> dict[str, Any]:
        kind = obj["kind"]
        out = self.ref(obj)
        if kind in DIVISIONED:
            out["division"] = self.division_ref(obj.get("divisionId"))
        if obj.get("description") is not None and kind not in ("languageSkill", "skill"):
            out["description"] = str(obj["description"])
        render = getattr(self, f"_render_{kind}", None)
        if render:
            render(obj, out, **opts)
        return out

    def _render_queue(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        members = int(obj.get("members", 0) or 0)
        out.update(memberCount=members, userMemberCount=members,
                   joinedMemberCount=int(obj.get("joined", members) or 0),
                   dateCreated=iso_ms(_CREATED_MS), scoringMethod="TimestampAndPriority")

    def _render_systemPrompt(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out["resources"] = [{"id": "en-us", "language": "en-us", "promptId": obj["id"],
                             "hasDefault": True, "languageDefault": True, "uploadStatus": "transcoded"}]

    def _render_scheduleGroup(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out.update(version=1, state="active", timeZone=obj.get("timeZone", "America/New_York"))
        for key in ("openSchedules", "closedSchedules", "holidaySchedules"):
            refs = [self.ref(s) for n in obj.get(key, []) if (s := self.find("schedule", str(n)))]
            out[key] = refs

    def _render_schedule(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out.update(version=1, state="active", start=str(obj.get("start", "2026-01-01T08:00:00.000")),
                   end=str(obj.get("end", "2026-01-01T17:00:00.000")),
                   rrule=str(obj.get("rrule", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")))

    def _render_dataAction(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        category = str(obj.get("category") or obj.get("integration") or "Web Services Data Actions")
        integration = self.find("integration", category)
        out.update(category=category, version=1, secure=bool(obj.get("secure", False)),
                   integrationId=integration["id"] if integration else stable_id(self.org_name, "integration",
                                                                                   category, ""))

    def _render_dataTable(self, obj: dict[str, Any], out: dict[str, Any], **opts: Any) -> None:
        if opts.get("expand_schema"):
            columns = obj.get("columns") or ["key"]
            out["schema"] = {"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
                             "required": ["key"],
                             "properties": {str(c): {"type": "string", "title": str(c)} for c in columns}}

    def _render_languageSkill(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out.update(state="active", version="1")

    _render_skill = _render_languageSkill

    def _render_division(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out.update(description=str(obj.get("description", "")), homeDivision=bool(obj.get("homeDivision")))

    def _render_wrapupCode(self, obj: dict[str, Any], out: dict[str, Any], **_: Any) -> None:
        out["dateCreated"] = iso_ms(_CREATED_MS)

    def _render_ivr(self, obj: dict[str, Any], out: dict[str, Any], **opts: Any) -> None:
        out.update(version=1, state="active", dnis=[str(d) for d in obj.get("dnis", [])])
        flows = opts.get("flow_ref")
        for key in ("openHoursFlow", "closedHoursFlow", "holidayHoursFlow"):
            if obj.get(key) and flows:
                ref = flows(str(obj[key]))
                if ref:
                    out[key] = ref
        if obj.get("scheduleGroup") and (sg := self.find("scheduleGroup", str(obj["scheduleGroup"]))):
            out["scheduleGroup"] = self.ref(sg)

    def to_state(self) -> dict[str, Any]:
        return {"objects": {k: [dict(o) for o in v] for k, v in self.items.items()}}

    def load_state(self, data: dict[str, Any]) -> None:
        self.items = data.get("objects") or {}
