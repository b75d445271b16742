"""Flow records (flows, versions, locks) and how they look on the wire."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from ivr_ci.emulator.orgobjects import OrgObjects
from ivr_ci.emulator.util import iso_ms

FLOW_TYPES = ("BOT", "BUSINESSPROCESS", "COMMONMODULE", "DIGITALBOT", "EMAILSEND", "INBOUNDCALL",
              "INBOUNDCHAT", "INBOUNDEMAIL", "INBOUNDSHORTMESSAGE", "INQUEUECALL", "INQUEUEEMAIL",
              "INQUEUESHORTMESSAGE", "OUTBOUNDCALL", "SECURECALL", "SPEECH", "SURVEYINVITE", "VOICE",
              "VOICEMAIL", "VOICESURVEY", "WORKFLOW", "WORKITEM")
QUERY_FLOW_TYPES = tuple(t.lower() for t in FLOW_TYPES if t != "BUSINESSPROCESS")


def dependency_type(flow_type: str) -> str:
    """INBOUNDCALL → INBOUNDCALLFLOW; WORKFLOW stays WORKFLOW (TF's SetFlowTypeObjectMaps)."""
    if flow_type == "WORKFLOW":
        return "WORKFLOW"
    return {"BOT": "BOTFLOW", "DIGITALBOT": "DIGITALBOTFLOW"}.get(flow_type, f"{flow_type}FLOW")


@dataclass(frozen=True)
class Actor:
    """Who did something: an OAuth client (API calls) or a seeded user (UI edits)."""

    client_id: str | None = None
    user_id: str | None = None
    remote_ip: str = "127.0.0.1"
    application: str | None = None

    def same(self, other: Actor | None) -> bool:
        if other is None:
            return False
        if self.user_id or other.user_id:
            return self.user_id == other.user_id
        return self.client_id == other.client_id

    def to_state(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_state(cls, data: dict[str, Any] | None) -> Actor | None:
        return cls(**data) if data else None


@dataclass
class FlowVersionRec:
    id: str
    n: int
    created_ms: int
    created_by: Actor
    config: Any = None
    yaml: str | None = None
    refs: list[dict[str, Any]] = field(default_factory=list)
    checked_in_ms: int | None = None
    published_ms: int | None = None
    unpublished_ms: int | None = None
    deleted: bool = False

    def to_state(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_by"] = self.created_by.to_state()
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> FlowVersionRec:
        data = dict(data)
        data["created_by"] = Actor.from_state(data.get("created_by")) or Actor()
        return cls(**data)


@dataclass
class FlowRecord:
    id: str
    name: str
    type: str
    division_id: str | None
    description: str = ""
    versions: list[FlowVersionRec] = field(default_factory=list)
    published: str | None = None
    checked_in: str | None = None
    draft: FlowVersionRec | None = None
    locked_by: Actor | None = None
    published_by: Actor | None = None
    active: bool = True
    deleted: bool = False
    created_ms: int = 0
    modified_ms: int = 0
    supported_languages: list[str] = field(default_factory=list)
    default_language: str | None = None

    def version(self, version_id: str | None) -> FlowVersionRec | None:
        if version_id is None:
            return None
        return next((v for v in self.versions if v.id == version_id), None)

    @property
    def latest(self) -> FlowVersionRec | None:
        return self.versions[-1] if self.versions else None

    @property
    def published_version(self) -> FlowVersionRec | None:
        return self.version(self.published)

    def next_version_number(self) -> int:
        return (self.versions[-1].n if self.versions else 0) + 1

    def to_state(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("versions", "draft", "locked_by",
                                                                     "published_by")}
        data["versions"] = [v.to_state() for v in self.versions]
        data["draft"] = self.draft.to_state() if self.draft else None
        data["locked_by"] = self.locked_by.to_state() if self.locked_by else None
        data["published_by"] = self.published_by.to_state() if self.published_by else None
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> FlowRecord:
        data = dict(data)
        data["versions"] = [FlowVersionRec.from_state(v) for v in data.get("versions", [])]
        data["draft"] = FlowVersionRec.from_state(data["draft"]) if data.get("draft") else None
        data["locked_by"] = Actor.from_state(data.get("locked_by"))
        data["published_by"] = Actor.from_state(data.get("published_by"))
        return cls(**data)


class FlowRenderer:
    """Turns records into `Flow` / `FlowVersion` / `Operation` dicts (users, divisions and
    client names come from the org's objects)."""

    def __init__(self, objects: OrgObjects, client_names: dict[str, str]) -> None:
        self.objects = objects
        self.client_names = client_names

    def actor_user(self, actor: Actor | None) -> dict[str, Any] | None:
        return self.objects.user_ref(actor.user_id) if actor and actor.user_id else None

    def actor_client(self, actor: Actor | None) -> dict[str, Any] | None:
        if not actor or not actor.client_id:
            return None
        client = self.client_names.get(actor.client_id, actor.client_id)
        return {"id": actor.client_id, "name": client, "selfUri": f"/api/v2/oauth/clients/{actor.client_id}"}

    def version(self, flow: FlowRecord, v: FlowVersionRec, kind: str | None = None) -> dict[str, Any]:
        if kind is None:
            kind = "PUBLISH" if v.published_ms else ("CHECKIN" if v.checked_in_ms else "SAVE")
        base = f"/api/v2/flows/{flow.id}/versions/{v.id}"
        out: dict[str, Any] = {
            "id": v.id, "name": flow.name, "commitVersion": v.id, "configurationVersion": v.id,
            "type": kind, "secure": False, "debug": False, "configurationUri": f"{base}/configuration",
            "dateCreated": v.created_ms, "generationId": str(v.n), "selfUri": base,
        }
        if (user := self.actor_user(v.created_by)) is not None:
            out["createdBy"] = user
        if (client := self.actor_client(v.created_by)) is not None:
            out["createdByClient"] = client
        if v.checked_in_ms:
            out["dateCheckedIn"] = v.checked_in_ms
        if kind == "SAVE":
            out["dateSaved"] = v.created_ms
        if v.published_ms:
            out["datePublished"] = iso_ms(v.published_ms)
            out["publishResultUri"] = f"{base}/publishresult"
        if v.unpublished_ms:
            out["datePublishedEnd"] = iso_ms(v.unpublished_ms)
        if flow.supported_languages:
            out["supportedLanguages"] = self.languages(flow)
        return out

    def languages(self, flow: FlowRecord) -> list[dict[str, Any]]:
        return [{"language": lang, "isDefault": lang == flow.default_language}
                for lang in flow.supported_languages]

    def flow(self, flow: FlowRecord) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": flow.id, "name": flow.name, "division": self.objects.division_ref(flow.division_id),
            "description": flow.description, "type": flow.type,
        }
        if flow.locked_by is not None:
            if (user := self.actor_user(flow.locked_by)) is not None:
                out["lockedUser"] = user
            if (client := self.actor_client(flow.locked_by)) is not None:
                out["lockedClient"] = client
        out.update(active=flow.active, system=False, deleted=flow.deleted)
        if (pv := flow.published_version) is not None:
            out["publishedVersion"] = self.version(flow, pv, "PUBLISH")
        if flow.draft is not None:
            out["savedVersion"] = self.version(flow, flow.draft, "SAVE")
        if (cv := flow.version(flow.checked_in)) is not None:
            out["checkedInVersion"] = self.version(flow, cv, "CHECKIN")
        if flow.published_by is not None:
            out["publishedBy"] = self.actor_user(flow.published_by) or {
                "id": flow.published_by.client_id or "", "version": 1,
                "name": self.client_names.get(flow.published_by.client_id or "", "")}
        if flow.supported_languages:
            out["supportedLanguages"] = self.languages(flow)
        out["selfUri"] = f"/api/v2/flows/{flow.id}"
        return out

    def division_view(self, flow: FlowRecord) -> dict[str, Any]:
        full = self.flow(flow)
        keep = ("id", "name", "division", "type", "description", "supportedLanguages", "publishedVersion",
                "selfUri")
        return {k: full[k] for k in keep if k in full}

    def operation(self, action: str, actor: Actor, op_id: str, status: str = "SUCCESS") -> dict[str, Any]:
        out: dict[str, Any] = {"id": op_id, "complete": True, "actionName": action, "actionStatus": status}
        if (user := self.actor_user(actor)) is not None:
            out["user"] = user
        if (client := self.actor_client(actor)) is not None:
            out["client"] = client
        return out
