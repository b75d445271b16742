"""Flows: list, get, versions, configuration, lock state, actions (publish, checkin ...), delete."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ivr_ci.genesys.errors import Conflict, NotFound
from ivr_ci.genesys.paging import iter_entities
from ivr_ci.genesys.transport import Transport

FLOWS = "/api/v2/flows"


def _q(value: str) -> str:
    return quote(str(value), safe="")


@dataclass(frozen=True)
class FlowLock:
    """Who holds a flow's lock (`lockedUser` / `lockedClient` on the Flow)."""

    flow_id: str
    locked: bool
    user: dict[str, Any] | None  # {id, name, ...} of lockedUser
    client: dict[str, Any] | None  # {id, name, selfUri} of lockedClient
    by_me: bool  # held by this client's own OAuth client id

    @property
    def holder(self) -> str:
        """A readable description of the holder ('' when unlocked)."""
        if self.user:
            return f"user {self.user.get('name') or self.user.get('id')}"
        if self.client:
            return f"OAuth client {self.client.get('name') or self.client.get('id')}"
        return ""


class FlowsMixin:
    """Flow operations of `GenesysClient` (`self._t` is the transport)."""

    _t: Transport
    client_id: str

    # --- read ------------------------------------------------------------------------------
    def iter_flows(
        self,
        flow_type: str | list[str] | None = None,
        *,
        name: str | None = None,
        page_size: int = 500,
        **filters: Any,
    ) -> Iterator[dict[str, Any]]:
        """Every flow matching the filters (`type` lowercase in the query, repeated)."""
        types = [flow_type] if isinstance(flow_type, str) else list(flow_type or [])
        params: dict[str, Any] = {"type": [t.lower() for t in types] or None, "name": name, **filters}
        yield from iter_entities(self._t, FLOWS, params, page_size=page_size)

    def list_flows(self, flow_type: str | list[str] | None = None, **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.iter_flows(flow_type, **kwargs))

    def get_flow(self, flow_id: str, *, deleted: bool = False) -> dict[str, Any]:
        return self._t.json("GET", f"{FLOWS}/{_q(flow_id)}", params={"deleted": deleted})

    def lookup_flows(self, flow_ids: list[str]) -> list[dict[str, Any]]:
        """`GET /flows/lookup?id=...`: only the listed flows (missing ones are left out)."""
        if not flow_ids:
            return []
        return list(iter_entities(self._t, f"{FLOWS}/lookup", {"id": list(flow_ids)}, page_size=100))

    def list_flow_versions(self, flow_id: str, *, page_size: int = 100) -> list[dict[str, Any]]:
        return list(iter_entities(self._t, f"{FLOWS}/{_q(flow_id)}/versions", page_size=page_size))

    def get_flow_version(self, flow_id: str, version_id: str) -> dict[str, Any]:
        return self._t.json("GET", f"{FLOWS}/{_q(flow_id)}/versions/{_q(version_id)}")

    def get_latest_configuration(self, flow_id: str) -> dict[str, Any]:
        """Architect's internal JSON of the latest saved configuration (not Archy YAML)."""
        return self._t.json("GET", f"{FLOWS}/{_q(flow_id)}/latestconfiguration", params={"deleted": False})

    def get_version_configuration(self, flow_id: str, version_id: str) -> dict[str, Any]:
        return self._t.json("GET", f"{FLOWS}/{_q(flow_id)}/versions/{_q(version_id)}/configuration")

    def get_lock_state(self, flow_id: str) -> FlowLock:
        flow = self.get_flow(flow_id)
        user = flow.get("lockedUser") or None
        client = flow.get("lockedClient") or None
        return FlowLock(
            flow_id=flow_id,
            locked=bool(user or client),
            user=user,
            client=client,
            by_me=bool(client and client.get("id") == self.client_id and not user),
        )

    # --- actions (POST ?flow=; not retried on 5xx: they change state) -------------------
    def _action(self, action: str, flow_id: str, **params: Any) -> dict[str, Any]:
        return self._t.json("POST", f"{FLOWS}/actions/{action}", params={"flow": flow_id, **params}) or {}

    def unlock_flow(self, flow_id: str) -> dict[str, Any]:
        """Admin override of a lock (`architect:flow:unlock`); returns the Flow."""
        return self._action("unlock", flow_id)

    def publish_flow(self, flow_id: str, version: str | None = None) -> dict[str, Any]:
        """Publish the checked-in (or given) version; returns the asynchronous Operation."""
        return self._action("publish", flow_id, version=version)

    def checkin_flow(self, flow_id: str) -> dict[str, Any]:
        return self._action("checkin", flow_id)

    def checkout_flow(self, flow_id: str) -> dict[str, Any]:
        return self._action("checkout", flow_id)

    def revert_flow(self, flow_id: str) -> dict[str, Any]:
        return self._action("revert", flow_id)

    def deactivate_flow(self, flow_id: str) -> dict[str, Any]:
        return self._action("deactivate", flow_id)

    def delete_flow(self, flow_id: str, *, conflict_timeout: float = 30.0, poll: float = 1.0) -> bool:
        """Delete a flow. 404 counts as already deleted (returns False); a 409 (locked/busy) is
        retried for `conflict_timeout` seconds like the Terraform provider, then raised."""
        deadline = time.monotonic() + conflict_timeout
        while True:
            try:
                self._t.request("DELETE", f"{FLOWS}/{_q(flow_id)}")
                return True
            except NotFound:
                return False
            except Conflict:
                if time.monotonic() + poll > deadline:
                    raise
                time.sleep(poll)
