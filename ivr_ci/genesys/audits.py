"""Audits: asynchronous query (submit -> poll -> cursor results, streamed) and realtime query."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ivr_ci.genesys.errors import AuditQueryFailed, JobTimeout
from ivr_ci.genesys.paging import iter_cursor, iter_pages
from ivr_ci.genesys.policy import PollPolicy
from ivr_ci.genesys.transport import Transport

AUDITS = "/api/v2/audits/query"


def audit_query(
    interval: str,
    *,
    service_name: str | None = None,
    filters: Mapping[str, str] | list[dict[str, str]] | None = None,
    sort: str | None = "descending",
) -> dict[str, Any]:
    """An `AuditQueryRequest` body. `filters` maps property (EntityType, Action, EntityId,
    UserId, ClientId, TrusteeOrganizationId) to value, or is the raw list."""
    body: dict[str, Any] = {"interval": interval}
    if service_name:
        body["serviceName"] = service_name
    if filters:
        body["filters"] = (
            [{"property": k, "value": v} for k, v in filters.items()] if isinstance(filters, Mapping) else list(filters)
        )
    if sort:
        body["sort"] = [{"name": "Timestamp", "sortOrder": sort}]
    return body


class AuditsMixin:
    """Audit queries of `GenesysClient`."""

    _t: Transport
    polling: PollPolicy

    def submit_audit_query(self, query: Mapping[str, Any]) -> str:
        """`POST /audits/query`; returns the transaction id. Retried on 5xx: a duplicate query
        is read-only and harmless."""
        data = self._t.json("POST", AUDITS, json=dict(query), safe=True) or {}
        if not data.get("id"):
            raise AuditQueryFailed("audit query submission answered without an id", None)
        if data.get("state") in ("Failed", "Cancelled"):
            raise AuditQueryFailed(f"audit query {data['id']} {data['state']}", str(data["id"]))
        return str(data["id"])

    def wait_audit_query(self, transaction_id: str, *, timeout: float | None = None) -> dict[str, Any]:
        """Poll `GET /audits/query/{id}` (200 or 202) until `Succeeded`; Failed/Cancelled raise."""
        limit = self.polling.audit_timeout if timeout is None else timeout
        start = time.monotonic()
        delays = self.polling.delays()
        path = f"{AUDITS}/{quote(transaction_id, safe='')}"
        while True:
            state = self._t.json("GET", path) or {}
            status = state.get("state")
            if status == "Succeeded":
                return state
            if status in ("Failed", "Cancelled"):
                raise AuditQueryFailed(f"audit query {transaction_id} {status}", transaction_id)
            delay = next(delays)
            if time.monotonic() - start + delay > limit:
                raise JobTimeout(f"audit query {transaction_id} still {status} after {limit:.0f}s", transaction_id)
            time.sleep(delay)

    def iter_audit_results(
        self, transaction_id: str, *, page_size: int = 500, expand_user: bool = False
    ) -> Iterator[dict[str, Any]]:
        """Stream the `AuditLogMessage`s of a finished query, page by page (cursor)."""
        params = {"expand": "user" if expand_user else None}
        yield from iter_cursor(self._t, f"{AUDITS}/{quote(transaction_id, safe='')}/results", params,
                               page_size=min(page_size, 500))

    def iter_audits(
        self,
        interval: str,
        *,
        service_name: str | None = "Architect",
        filters: Mapping[str, str] | list[dict[str, str]] | None = None,
        sort: str | None = "descending",
        page_size: int = 500,
        expand_user: bool = False,
        timeout: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        """A generator over the audit log: submit, wait, stream the results (constant memory).
        Nothing is sent until the first item is requested."""
        query = audit_query(interval, service_name=service_name, filters=filters, sort=sort)
        transaction_id = self.submit_audit_query(query)
        self.wait_audit_query(transaction_id, timeout=timeout)
        yield from self.iter_audit_results(transaction_id, page_size=page_size, expand_user=expand_user)

    def iter_realtime_audits(
        self,
        interval: str,
        *,
        service_name: str | None = "Architect",
        filters: Mapping[str, str] | list[dict[str, str]] | None = None,
        sort: str | None = "descending",
        page_size: int = 100,
        expand_user: bool = False,
    ) -> Iterator[dict[str, Any]]:
        """`POST /audits/query/realtime`, page by page (last 14 days only for some services)."""
        body = audit_query(interval, service_name=service_name, filters=filters, sort=sort)
        params = {"expand": "user" if expand_user else None}
        for page in iter_pages(self._t, f"{AUDITS}/realtime", params, page_size=page_size, method="POST", body=body):
            yield from page.get("entities") or []
