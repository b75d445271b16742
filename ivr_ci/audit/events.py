"""One audit record (`AuditLogMessage`, genesys-api.md §4.5) reduced to what the report needs.

Records are normalised one at a time and dropped after aggregation; only small, flat
`AuditEvent`s are ever kept (and only a bounded number of them, see aggregate.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ivr_ci.audit.timerange import from_iso

# Actions that change a flow or its lock. Anything else (Export, View, Read, Download ...) is a
# read: counted, never classified, so the report's own export jobs are not "out-of-band edits".
CHANGE_ACTIONS = frozenset({
    "create", "update", "delete", "publish", "unpublish", "checkin", "checkout", "unlock", "revert",
    "deactivate", "activate", "save", "debug", "upload", "rollback", "restore", "transcode",
})
# Changes that alter what callers get: the headline of the report when done out of band.
# (Revert only discards a draft: callers are not affected.)
PUBLISH_ACTIONS = frozenset({"publish", "unpublish", "deactivate", "activate", "delete", "rollback", "restore"})


@dataclass(frozen=True)
class AuditEvent:
    id: str
    when: datetime
    action: str  # as the API spells it (Publish, Checkin ...)
    flow_id: str
    flow_name: str
    user_id: str | None
    user_name: str | None
    client_id: str | None
    version: str | None  # the version the event produced (publish/check-in), when the record says
    status: str  # SUCCESS | FAILURE | WARNING

    @property
    def change(self) -> bool:
        return self.action.casefold() in CHANGE_ACTIONS

    @property
    def publish_like(self) -> bool:
        return self.action.casefold() in PUBLISH_ACTIONS

    @property
    def actor(self) -> str:
        """A person by name (id when the name is unknown), else the OAuth client."""
        if self.user_id:
            return self.user_name or f"user {self.user_id}"
        if self.client_id:
            return f"OAuth client {self.client_id}"
        return "system"

    @property
    def actor_kind(self) -> str:
        return "user" if self.user_id else "client" if self.client_id else "system"


def parse_event_date(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return from_iso(text)
    except ValueError:
        return None


def _version(record: dict[str, Any]) -> str | None:
    """The version a record produced: `context.version`, else the new value of a version-like
    property change (publishedVersion, checkedInVersion, version)."""
    context = record.get("context")
    if isinstance(context, dict) and context.get("version"):
        return str(context["version"])
    for change in record.get("propertyChanges") or []:
        if not isinstance(change, dict):
            continue
        prop = str(change.get("property") or "")
        new = change.get("newValues") or []
        if prop.casefold() in ("publishedversion", "checkedinversion", "version") and new and new[-1]:
            return str(new[-1])
    return None


def _ref(record: dict[str, Any], key: str) -> dict[str, Any]:
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def normalize(record: Any) -> AuditEvent | None:
    """An `AuditEvent` for a flow audit record, or None for anything else / unusable records."""
    if not isinstance(record, dict):
        return None
    if str(record.get("entityType") or "Flow").casefold() != "flow":
        return None
    when = parse_event_date(record.get("eventDate"))
    entity = _ref(record, "entity")
    if when is None or not entity.get("id"):
        return None
    user, client = _ref(record, "user"), _ref(record, "client")
    return AuditEvent(
        id=str(record.get("id") or ""),
        when=when,
        action=str(record.get("action") or "Unknown"),
        flow_id=str(entity["id"]),
        flow_name=str(entity.get("name") or entity["id"]),
        user_id=str(user["id"]) if user.get("id") else None,
        user_name=str(user["name"]) if user.get("name") else None,
        client_id=str(client["id"]) if client.get("id") else None,
        version=_version(record),
        status=str(record.get("status") or "SUCCESS"),
    )
