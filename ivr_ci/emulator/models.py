"""The emulator's state, moto-style: one `OrgBackend` per org (flows, versions, jobs, audits,
org objects) under one `EmulatorBackend` (OAuth clients and tokens, clock, faults, settings).

Everything is guarded by `EmulatorBackend.lock` (an RLock); handlers take it for the whole
call, so the server can be a ThreadingHTTPServer without races.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from ivr_ci.emulator.audits import AuditQuery, AuditStore
from ivr_ci.emulator.exceptions import GenesysError, OAuthError, bad_credentials, not_found, unauthenticated
from ivr_ci.emulator.exports import ExportJob, ExportOpsMixin
from ivr_ci.emulator.faults import FaultInjector, FaultRule
from ivr_ci.emulator.flowops import FlowOpsMixin
from ivr_ci.emulator.flows import Actor, FlowRecord, FlowRenderer
from ivr_ci.emulator.imports import ImportJob, ImportOpsMixin
from ivr_ci.emulator.orgobjects import OrgObjects
from ivr_ci.emulator.util import Clock, stable_id

__all__ = ["Actor", "EmulatorBackend", "OrgBackend", "Principal", "Settings"]


@dataclass
class Settings:
    """Tunables (seed `settings:`; camelCase there)."""

    token_expires_in: int = 86399
    import_job_polls: int = 2  # the poll that reports Success/Failure; earlier polls say Started
    export_job_polls: int = 2
    audit_query_polls: int = 2  # the status poll that says Succeeded; earlier ones say Running
    job_latency_ms: int = 0  # and at least this long after the upload
    presign_ttl: int = 900
    audit_large_results: int = 10000  # allowRedirect=true beyond this many results → 302
    realtime_audit_days: int = 14

    @classmethod
    def from_seed(cls, data: dict[str, Any] | None) -> Settings:
        out = cls()
        for f in fields(cls):
            camel = "".join(w.capitalize() if i else w for i, w in enumerate(f.name.split("_")))
            if data and camel in data:
                setattr(out, f.name, int(data[camel]))
        return out


@dataclass(frozen=True)
class Principal:
    org: str
    client_id: str
    token_key: str  # a hash of the token: rate-limit bucket, never the token itself


@dataclass
class TokenRecord:
    org: str
    client_id: str
    expires_at: float


@dataclass
class ClientRecord:
    org: str
    secret_sha256: str
    name: str


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OrgBackend(FlowOpsMixin, ImportOpsMixin, ExportOpsMixin):
    def __init__(self, backend: EmulatorBackend, name: str) -> None:
        self.backend = backend
        self.name = name
        self.id = stable_id("org", name)
        self.objects = OrgObjects(name)
        self.flows: dict[str, FlowRecord] = {}
        self.import_jobs: dict[str, ImportJob] = {}
        self.export_jobs: dict[str, ExportJob] = {}
        self.validate_jobs: dict[str, ExportJob] = {}
        self.audit_queries: dict[str, AuditQuery] = {}
        self.histories: dict[str, str] = {}  # history id → flow id
        self.audits = AuditStore(self.id)
        self.client_names: dict[str, str] = {}
        self.counter = 0
        self.import_count = 0
        self.renderer = FlowRenderer(self)

    @property
    def clock(self) -> Clock:
        return self.backend.clock

    @property
    def settings(self) -> Settings:
        return self.backend.settings

    @property
    def faults(self) -> FaultInjector:
        return self.backend.faults

    def new_id(self, kind: str) -> str:
        self.counter += 1
        return stable_id(self.id, kind, self.counter)

    def flow_ref(self, name_or_id: str) -> dict[str, Any] | None:
        flow = self.flows.get(name_or_id) or self.find_flow(name_or_id)
        return {"id": flow.id, "name": flow.name, "selfUri": f"/api/v2/flows/{flow.id}"} if flow else None

    def flow_by_name_or_id(self, name_or_id: str, flow_type: str | None = None) -> FlowRecord:
        flow = self.flows.get(name_or_id)
        if flow is None or flow.deleted:
            flow = self.find_flow(name_or_id, flow_type.upper() if flow_type else None)
        if flow is None:
            raise not_found(f"Flow '{name_or_id}'")
        return flow

    def to_state(self) -> dict[str, Any]:
        return {
            "name": self.name, "counter": self.counter, "importCount": self.import_count,
            "objects": self.objects.to_state(),
            "flows": [f.to_state() for f in self.flows.values()],
            "importJobs": [j.to_state() for j in self.import_jobs.values()],
            "exportJobs": [j.to_state() for j in self.export_jobs.values()],
            "audits": self.audits.to_state(),
        }

    def load_state(self, data: dict[str, Any]) -> None:
        self.counter = int(data.get("counter", 0))
        self.import_count = int(data.get("importCount", 0))
        self.objects = OrgObjects(self.name, data.get("objects") or {})
        self.flows = {f["id"]: FlowRecord.from_state(f) for f in data.get("flows", [])}
        self.import_jobs = {j["id"]: ImportJob.from_state(j) for j in data.get("importJobs", [])}
        self.export_jobs = {j["id"]: ExportJob(**j) for j in data.get("exportJobs", [])}
        self.audits = AuditStore(self.id, data.get("audits") or [])


class EmulatorBackend:
    def __init__(self, settings: Settings | None = None, fault_seed: int = 0) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.settings = settings or Settings()
        self.faults = FaultInjector(fault_seed)
        self.orgs: dict[str, OrgBackend] = {}
        self.clients: dict[str, ClientRecord] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.base_url = ""
        self._sign_key = secrets.token_bytes(32)
        self.listeners: list[Callable[[], None]] = []
        self.recorder: Any = None  # server.Recorder when started with record=True

    # ---- orgs and clients -----------------------------------------------------------------
    def add_org(self, name: str) -> OrgBackend:
        if name not in self.orgs:
            self.orgs[name] = OrgBackend(self, name)
        return self.orgs[name]

    def org(self, name: str | None = None) -> OrgBackend:
        if name is None:
            return next(iter(self.orgs.values()))
        if name not in self.orgs:
            raise GenesysError(404, "not.found", f"No org named '{name}'.")
        return self.orgs[name]

    def add_client(self, org: str, client_id: str, secret: str, name: str | None = None,
                   hashed: bool = False) -> None:
        self.clients[client_id] = ClientRecord(org, secret if hashed else _sha256(secret), name or client_id)
        self.orgs[org].client_names[client_id] = name or client_id

    # ---- tokens ---------------------------------------------------------------------------
    def issue_token(self, client_id: str, secret: str) -> tuple[str, int]:
        client = self.clients.get(client_id)
        if client is None or not hmac.compare_digest(client.secret_sha256, _sha256(secret)):
            raise OAuthError(401, "invalid_client", "authentication failed")
        token = secrets.token_urlsafe(48)
        expires_in = self.settings.token_expires_in
        self.tokens[_sha256(token)] = TokenRecord(client.org, client_id, self.clock.now() + expires_in)
        return token, expires_in

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise unauthenticated()
        key = _sha256(authorization[7:].strip())
        record = self.tokens.get(key)
        if record is None:
            raise bad_credentials()
        if record.expires_at <= self.clock.now():
            del self.tokens[key]
            raise bad_credentials()
        return Principal(record.org, record.client_id, key[:16])

    def token_info(self, authorization: str | None) -> TokenRecord | None:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None
        return self.tokens.get(_sha256(authorization[7:].strip()))

    def expire_tokens(self) -> int:
        count = len(self.tokens)
        self.tokens.clear()
        return count

    # ---- signing (presigned upload/download URLs) -----------------------------------------
    def sign(self, *parts: str) -> str:
        return hmac.new(self._sign_key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()

    def check_sig(self, sig: str | None, *parts: str) -> bool:
        return bool(sig) and hmac.compare_digest(str(sig), self.sign(*parts))

    # ---- faults ---------------------------------------------------------------------------
    def add_fault(self, spec: dict[str, Any]) -> FaultRule:
        """Install a rule; `lock` and an immediate `token_expiry` act right away."""
        rule = self.faults.add(spec)
        if rule.kind == "lock":
            org = self.org(spec.get("org"))
            flow = org.flow_by_name_or_id(str(spec["flow"]), spec.get("type"))
            org.lock_by_user(flow, str(spec["user"]))
            self.changed()
        elif rule.kind == "token_expiry" and "nth" not in spec:
            self.expire_tokens()
        return rule

    # ---- change notification (state persistence) ------------------------------------------
    def changed(self) -> None:
        for listener in list(self.listeners):
            listener()

    def to_state(self) -> dict[str, Any]:
        return {
            "version": 1, "clockOffset": self.clock.offset,
            "clients": [{"id": cid, "org": c.org, "name": c.name, "secretSha256": c.secret_sha256}
                        for cid, c in self.clients.items()],
            "orgs": [o.to_state() for o in self.orgs.values()],
        }

    def load_state(self, data: dict[str, Any]) -> None:
        self.clock.set_offset(float(data.get("clockOffset", 0.0)))
        for org_data in data.get("orgs", []):
            self.add_org(org_data["name"]).load_state(org_data)
        for c in data.get("clients", []):
            self.add_client(c["org"], c["id"], c["secretSha256"], c.get("name"), hashed=True)
