"""Lookups by name (queues, prompts, schedule groups, data actions, flows, divisions ...),
cached per client (negative answers too). Names are matched exactly, then case-insensitively
when exactly one entity matches that way (the APIs' `name` filters are prefix/partial)."""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

from ivr_ci.genesys.paging import iter_entities
from ivr_ci.genesys.transport import Transport

# kind -> (listing path, name parameter is a list?)
LOOKUPS: dict[str, str] = {
    "queue": "/api/v2/routing/queues",
    "prompt": "/api/v2/architect/prompts",
    "system_prompt": "/api/v2/architect/systemprompts",
    "schedule_group": "/api/v2/architect/schedulegroups",
    "schedule": "/api/v2/architect/schedules",
    "data_action": "/api/v2/integrations/actions",
    "division": "/api/v2/authorization/divisions",
    "skill": "/api/v2/routing/skills",
    "language": "/api/v2/routing/languages",
    "wrapup_code": "/api/v2/routing/wrapupcodes",
    "data_table": "/api/v2/flows/datatables",
    "ivr": "/api/v2/architect/ivrs",
    "flow_outcome": "/api/v2/flows/outcomes",
    "flow_milestone": "/api/v2/flows/milestones",
}


def pick_by_name(entities: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    exact = [e for e in entities if e.get("name") == name]
    if exact:
        return exact[0]
    folded = [e for e in entities if str(e.get("name", "")).casefold() == name.casefold()]
    return folded[0] if len(folded) == 1 else None


class LookupsMixin:
    """Name lookups of `GenesysClient`, with a per-client cache (negative answers too)."""

    _t: Transport
    _lookup_cache: dict[tuple[str, ...], Any]
    _lookup_lock: threading.Lock

    def _cached(self, key: tuple[str, ...], compute: Any, use_cache: bool = True) -> Any:
        if not use_cache:
            return compute()
        with self._lookup_lock:
            if key in self._lookup_cache:
                return self._lookup_cache[key]
        value = compute()  # outside the lock: parallel workers look up different names at once
        with self._lookup_lock:
            self._lookup_cache.setdefault(key, value)
            return self._lookup_cache[key]

    def find_by_name(self, kind: str, name: str, *, cache: bool = True, **params: Any) -> dict[str, Any] | None:
        """The entity of `kind` (a key of `LOOKUPS`) named `name`, or None (`cache=False`: ask
        the API even when the answer is cached; the cache is not updated)."""
        path = LOOKUPS[kind]

        def compute() -> dict[str, Any] | None:
            query = {"name": name, **params}
            candidates = list(iter_entities(self._t, path, query, page_size=100, max_pages=10))
            return pick_by_name(candidates, name)

        return self._cached((kind, name, *(f"{k}={v}" for k, v in sorted(params.items()))), compute, cache)

    def find_queue(self, name: str, *, cache: bool = True) -> dict[str, Any] | None:
        """The queue (with `memberCount`, fetched by id when the listing leaves it out)."""
        queue = self.find_by_name("queue", name, cache=cache)
        if queue is not None and "memberCount" not in queue:
            listed = queue

            def full() -> dict[str, Any]:
                return self._t.json("GET", f"{LOOKUPS['queue']}/{quote(str(listed['id']), safe='')}") or listed
            queue = self._cached(("queue-by-id", str(listed["id"])), full, cache)
        return queue
