"""Audit records, stored compactly (10k–100k rows per org is normal in benchmarks).

A row is a tuple; repeated strings are interned; the audit id is computed from the row's
sequence number, and the optional `extra` (propertyChanges, context, ...) is `None` for
bulk-generated rows. `render` produces an `AuditLogMessage`.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.emulator.exceptions import bad_request, invalid_value
from ivr_ci.emulator.util import iso_ms, parse_interval, stable_id

# row layout
TS, SEQ, SERVICE, ETYPE, ACTION, EID, ENAME, USER, CLIENT, STATUS, EXTRA = range(11)
FILTER_PROPERTIES = ("UserId", "TrusteeOrganizationId", "ClientId", "Action", "EntityType", "EntityId")
_FILTER_COLUMNS = {"UserId": USER, "ClientId": CLIENT, "Action": ACTION, "EntityType": ETYPE, "EntityId": EID}

SERVICE_MAPPING: dict[str, dict[str, list[str]]] = {
    "Architect": {
        "Flow": ["Create", "Update", "Delete", "Publish", "Unpublish", "Checkin", "Checkout", "Unlock",
                 "Revert", "Deactivate", "Save", "Debug", "Export", "Upload"],
        "FlowOutcome": ["Create", "Update", "Delete"], "FlowMilestone": ["Create", "Update", "Delete"],
        "Prompt": ["Create", "Update", "Delete"], "PromptResource": ["Create", "Update", "Delete", "Upload"],
        "Schedule": ["Create", "Update", "Delete"], "ScheduleGroup": ["Create", "Update", "Delete"],
        "IVR": ["Create", "Update", "Delete"], "EmergencyGroup": ["Create", "Update", "Delete"],
        "DependencyTrackingBuild": ["Create"],
    },
    "Routing": {"Queue": ["Create", "Update", "Delete", "MemberAdd", "MemberRemove"],
                "WrapupCode": ["Create", "Update", "Delete"], "Skill": ["Create", "Update", "Delete"]},
    "Datatables": {"Schema": ["Create", "Update", "Delete"], "Row": ["Create", "Update", "Delete"]},
    "Integrations": {"Action": ["Create", "Update", "Delete"], "ActionDraft": ["Create", "Update", "Publish"]},
}


def service_mapping() -> dict[str, Any]:
    return {"services": [{"name": s, "entities": [{"name": e, "actions": a} for e, a in ents.items()]}
                         for s, ents in SERVICE_MAPPING.items()]}


class AuditStore:
    """The audits backend of one org: its audit rows (persisted) and its asynchronous audit
    queries (not persisted, as a query's results expire on the service too)."""

    def __init__(self, org_id: str, rows: list[list[Any]] | None = None) -> None:
        self.org_id = org_id
        self._id_prefix = stable_id("audit", org_id)[:24]
        self.queries: dict[str, AuditQuery] = {}
        self._load_rows(rows or [])

    def _load_rows(self, rows: list[list[Any]]) -> None:
        self._strings: dict[str, str] = {}
        self.rows: list[tuple[Any, ...]] = [tuple(self._intern_row(r)) for r in rows]
        self.seq = max((r[SEQ] for r in self.rows), default=0)

    def to_state(self) -> dict[str, Any]:
        return {"audits": [list(r) for r in self.rows]}

    def load_state(self, data: dict[str, Any]) -> None:
        self._load_rows(data.get("audits") or [])

    def _s(self, value: str | None) -> str | None:
        if value is None:
            return None
        value = str(value)
        return self._strings.setdefault(value, sys.intern(value) if len(value) < 64 else value)

    def _intern_row(self, row: list[Any]) -> list[Any]:
        return [row[0], row[1], *[self._s(v) for v in row[2:10]], row[10] if len(row) > 10 else None]

    def add(self, ts_ms: int, action: str, entity_id: str, entity_name: str, *, entity_type: str = "Flow",
            service: str = "Architect", user_id: str | None = None, client_id: str | None = None,
            status: str = "SUCCESS", extra: dict[str, Any] | None = None) -> int:
        self.seq += 1
        self.rows.append((int(ts_ms), self.seq, self._s(service), self._s(entity_type), self._s(action),
                          self._s(entity_id), self._s(entity_name), self._s(user_id), self._s(client_id),
                          self._s(status), extra or None))
        return self.seq

    def audit_id(self, seq: int) -> str:
        return f"{self._id_prefix}{seq:012x}"

    def __len__(self) -> int:
        return len(self.rows)

    def render(self, row: tuple[Any, ...], user_name: Any = None, expand_user: bool = False) -> dict[str, Any]:
        extra = row[EXTRA] or {}
        etype, action, ename = row[ETYPE], row[ACTION], row[ENAME]
        out: dict[str, Any] = {"id": self.audit_id(row[SEQ]), "userHomeOrgId": self.org_id}
        if row[USER]:
            user = {"id": row[USER], "selfUri": f"/api/v2/users/{row[USER]}"}
            if expand_user and user_name and (name := user_name(row[USER])):
                user["name"] = name
            out["user"] = user
        if row[CLIENT]:
            out["client"] = {"id": row[CLIENT], "selfUri": f"/api/v2/oauth/clients/{row[CLIENT]}"}
        params = {"entityType": etype, "entityName": ename, "action": action}
        out.update(
            remoteIp=list(extra.get("remoteIp", ["127.0.0.1"])), serviceName=row[SERVICE],
            level="USER" if row[USER] or row[CLIENT] else "SYSTEM", eventDate=iso_ms(row[TS]),
            message={"localizableMessageCode": f"{etype}{action}".upper(),
                     "message": f"{etype} '{ename}' {action}",
                     "messageWithParams": "{entityType} '{entityName}' {action}", "messageParams": params},
            action=action, entity={"id": row[EID], "name": ename, "selfUri": _entity_uri(etype, row[EID])},
            entityType=etype, status=row[STATUS],
        )
        if extra.get("application"):
            out["application"] = extra["application"]
        out["initiatingAction"] = {"transactionId": extra.get("transactionId", out["id"]),
                                   "actionContext": extra.get("actionContext", action)}
        out["transactionInitiator"] = True
        out["propertyChanges"] = [dict(p) for p in extra.get("propertyChanges", [])]
        out["context"] = {str(k): str(v) for k, v in extra.get("context", {}).items()}
        return out

    def select(self, start_ms: int, end_ms: int, service: str | None, filters: list[tuple[int, str]],
               descending: bool) -> list[int]:
        """Indexes of matching rows, sorted by event time."""
        service_cf = service.casefold() if service else None
        out = []
        for i, row in enumerate(self.rows):
            if not start_ms <= row[TS] < end_ms:
                continue
            if service_cf and (row[SERVICE] or "").casefold() != service_cf:
                continue
            if all((row[col] or "").casefold() == value for col, value in filters):
                out.append(i)
        out.sort(key=lambda i: (self.rows[i][TS], self.rows[i][SEQ]), reverse=descending)
        return out

    # ---- bulk -----------------------------------------------------------------------------
    def generate(self, spec: dict[str, Any], entities: list[tuple[str, str]], users: list[str],
                 clients: list[str], now_ms: int) -> int:
        """Deterministic synthetic rows: `count`, `interval` (or `days` back from now), `seed`, ..."""
        count = int(spec.get("count", 1000))
        if not 0 < count <= 1_000_000:
            raise bad_request("generate.count must be between 1 and 1000000")
        if spec.get("interval"):
            start_ms, end_ms = parse_interval(spec["interval"], "generate.interval")
        else:
            end_ms = now_ms
            start_ms = end_ms - int(float(spec.get("days", 30)) * 86_400_000)
        rng = random.Random(int(spec.get("seed", 0)))
        actions = [str(a) for a in spec.get("actions", ["Update", "Publish", "Checkin", "Checkout", "Create"])]
        etype, service = str(spec.get("entityType", "Flow")), str(spec.get("serviceName", "Architect"))
        entities = [(str(e["id"]), str(e["name"])) for e in spec["entities"]] if spec.get("entities") \
            else entities or [(stable_id("generated-flow", i), f"Generated flow {i}") for i in range(20)]
        users = [str(u) for u in spec.get("users", users)]
        clients = [str(c) for c in spec.get("clients", clients)]
        span = max(end_ms - start_ms, 1)
        for _ in range(count):
            eid, ename = entities[rng.randrange(len(entities))]
            by_user = bool(users) and (not clients or rng.random() < 0.5)
            self.add(start_ms + rng.randrange(span), actions[rng.randrange(len(actions))], eid, ename,
                     entity_type=etype, service=service,
                     user_id=users[rng.randrange(len(users))] if by_user else None,
                     client_id=None if by_user or not clients else clients[rng.randrange(len(clients))])
        return count


def _entity_uri(entity_type: str, entity_id: str) -> str:
    base = {"Flow": "/api/v2/flows", "Queue": "/api/v2/routing/queues", "Prompt": "/api/v2/architect/prompts",
            "Schedule": "/api/v2/architect/schedules",
            "ScheduleGroup": "/api/v2/architect/schedulegroups"}.get(entity_type, "/api/v2/entities")
    return f"{base}/{entity_id}"


@dataclass
class AuditQuery:
    """One asynchronous audit query (a "transaction")."""

    id: str
    interval: str
    start_ms: int
    end_ms: int
    service: str | None
    filters: list[dict[str, str]]
    sort: list[dict[str, str]]
    created_ms: int
    state: str = "Queued"
    polls: int = 0
    result: list[int] | None = field(default=None, repr=False)

    def status_body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "state": self.state, "startDate": iso_ms(self.created_ms),
                               "interval": self.interval}
        if self.service:
            out["serviceName"] = self.service
        out["filters"] = [dict(f) for f in self.filters]
        out["sort"] = [dict(s) for s in self.sort]
        return out


def parse_query_request(body: dict[str, Any]) -> tuple[str, int, int, str | None, list[dict[str, str]],
                                                        list[dict[str, str]], list[tuple[int, str]], bool]:
    """Validate an `AuditQueryRequest`; returns its parts plus the compiled filters."""
    if "interval" not in body:
        raise bad_request("interval is required", details=[{"errorCode": "missing.field", "fieldName": "interval"}])
    start_ms, end_ms = parse_interval(body["interval"])
    service = body.get("serviceName")
    if service is not None and (not isinstance(service, str)
                                or service.casefold() not in {s.casefold() for s in SERVICE_MAPPING}):
        raise invalid_value("serviceName", service, list(SERVICE_MAPPING))
    filters = body.get("filters") or []
    compiled: list[tuple[int, str]] = []
    if not isinstance(filters, list):
        raise bad_request("filters must be a list")
    for f in filters:
        prop = f.get("property") if isinstance(f, dict) else None
        if prop not in FILTER_PROPERTIES:
            raise invalid_value("filters.property", prop, list(FILTER_PROPERTIES))
        if not isinstance(f.get("value"), str):
            raise bad_request("filters.value is required", details=[{"errorCode": "missing.field",
                                                                      "fieldName": "filters.value"}])
        if prop in _FILTER_COLUMNS:
            compiled.append((_FILTER_COLUMNS[prop], f["value"].casefold()))
    sort = body.get("sort") or []
    descending = False
    for s in sort if isinstance(sort, list) else []:
        if not isinstance(s, dict) or s.get("name") != "Timestamp":
            raise invalid_value("sort.name", s.get("name") if isinstance(s, dict) else s, ["Timestamp"])
        if s.get("sortOrder") not in ("ascending", "descending"):
            raise invalid_value("sort.sortOrder", s.get("sortOrder"), ["ascending", "descending"])
        descending = s["sortOrder"] == "descending"
    return (body["interval"], start_ms, end_ms, service, [dict(f) for f in filters],
            [dict(s) for s in sort], compiled, descending)
