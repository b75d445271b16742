"""Flows: the listing, the unlock action, delete (what promote, export and audit-report use)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from ivr_ci.genesys.errors import Conflict, NotFound
from ivr_ci.genesys.paging import iter_entities
from ivr_ci.genesys.transport import Transport

FLOWS = "/api/v2/flows"


def _q(value: str) -> str:
    return quote(str(value), safe="")


class FlowsMixin:
    """Flow operations of `GenesysClient` (`self._t` is the transport)."""

    _t: Transport

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

    # --- change ----------------------------------------------------------------------------
    def unlock_flow(self, flow_id: str) -> dict[str, Any]:
        """Admin override of a lock (`architect:flow:unlock`); returns the Flow. A flow action
        (POST ?flow=): not retried on 5xx, as it changes state."""
        return self._t.json("POST", f"{FLOWS}/actions/unlock", params={"flow": flow_id}) or {}

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
