"""The emulator's state, moto-style: one `EmulatorBackend` (OAuth clients and tokens, clock,
faults, settings) holding one `OrgBackend` per org, which is composed of resource backends that
each own their state and its `to_state`/`load_state`:

* `objects` — `orgobjects.OrgObjects`: queues, prompts, schedules, users, divisions, ... (lookups)
* `audits` — `audits.AuditStore`: audit rows and audit queries
* `flows` — `flowops.FlowsBackend`: flows, versions, locks and their lifecycle
* `imports` — `imports.ImportJobsBackend`: import jobs (Archy YAML parsed, checked, published)
* `exports` — `exports.ExportJobsBackend`: export and validate jobs

They share an `context.OrgContext` (org name and id, clock, settings, faults, id counter, OAuth
client names). A backend gets the backends it uses in its constructor; none imports this module.

Everything is guarded by `EmulatorBackend.lock` (an RLock); handlers take it for the whole
call, so the server can be a ThreadingHTTPServer without races.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ivr_ci.emulator.audits import AuditStore
from ivr_ci.emulator.context import OrgContext
from ivr_ci.emulator.exceptions import GenesysError, OAuthError, bad_credentials, unauthenticated
from ivr_ci.emulator.exports import ExportJobsBackend
from ivr_ci.emulator.faults import FaultInjector, FaultRule
from ivr_ci.emulator.flowops import FlowsBackend
from ivr_ci.emulator.flows import Actor
from ivr_ci.emulator.imports import ImportJobsBackend
from ivr_ci.emulator.orgobjects import OrgObjects
from ivr_ci.emulator.prompts import PromptsBackend
from ivr_ci.emulator.settings import Settings
from ivr_ci.emulator.util import Clock

__all__ = ["Actor", "EmulatorBackend", "OrgBackend", "Principal", "Settings"]


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


class StatefulBackend(Protocol):
    """What the org backend asks of each part: its keys of the org's persisted state."""

    def to_state(self) -> dict[str, Any]: ...

    def load_state(self, data: dict[str, Any]) -> None: ...


class OrgBackend:
    def __init__(self, backend: EmulatorBackend, name: str) -> None:
        self.context = OrgContext(name, backend.clock, backend.settings, backend.faults)
        self.objects = OrgObjects(name)
        self.audits = AuditStore(self.context.id)
        self.flows = FlowsBackend(self.context, self.objects, self.audits)
        self.imports = ImportJobsBackend(self.context, self.flows, self.objects)
        self.exports = ExportJobsBackend(self.context, self.flows, self.objects)
        self.prompts = PromptsBackend(self.context, self.objects)
        # persisted in this order; each part writes and reads its own keys of the org's state
        self.parts: tuple[StatefulBackend, ...] = (self.context, self.objects, self.flows, self.imports,
                                                   self.exports, self.audits, self.prompts)

    @property
    def name(self) -> str:
        return self.context.name

    @property
    def id(self) -> str:
        return self.context.id

    @property
    def clock(self) -> Clock:
        return self.context.clock

    @property
    def settings(self) -> Settings:
        return self.context.settings

    @property
    def client_names(self) -> dict[str, str]:
        return self.context.client_names

    def new_id(self, kind: str) -> str:
        return self.context.new_id(kind)

    def to_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"name": self.name}
        for part in self.parts:
            state.update(part.to_state())
        return state

    def load_state(self, data: dict[str, Any]) -> None:
        for part in self.parts:
            part.load_state(data)


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

    def settle_jobs(self) -> None:
        """Let every org's import jobs finish on the service's clock (called per request)."""
        for org in self.orgs.values():
            org.imports.settle()

    def org(self, name: str | None = None) -> OrgBackend:
        if name is None:
            return next(iter(self.orgs.values()))
        if name not in self.orgs:
            raise GenesysError(404, "not.found", f"No org named '{name}'.")
        return self.orgs[name]

    def add_client(self, org: str, client_id: str, secret: str, name: str | None = None,
                   hashed: bool = False) -> None:
        self.clients[client_id] = ClientRecord(org, secret if hashed else _sha256(secret), name or client_id)
        self.orgs[org].context.client_names[client_id] = name or client_id

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
            flow = org.flows.by_name_or_id(str(spec["flow"]), spec.get("type"))
            org.flows.lock_by_user(flow, str(spec["user"]))
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
