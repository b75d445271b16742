"""Paging helpers: page-number envelopes and cursor results, as generators (constant memory)."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from ivr_ci.genesys.transport import Transport

log = logging.getLogger("ivr_ci.genesys")


def iter_pages(
    transport: Transport,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = 100,
    max_pages: int | None = None,
    method: str = "GET",
    body: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield each page of a page-number envelope (`entities, pageNumber, pageSize, pageCount,
    total`). Stops at `pageCount`, or when `total` is reached, or at a short/empty page when
    neither is given. For POST queries (realtime audits) the paging fields go in `body`."""
    page_number = 1
    seen = 0
    while True:
        if method == "GET":
            query = {**(params or {}), "pageNumber": page_number, "pageSize": page_size}
            page = transport.json("GET", path, params=query)
        else:
            payload = {**(body or {}), "pageNumber": page_number, "pageSize": page_size}
            page = transport.json(method, path, params=params, json=payload, safe=True)
        if not isinstance(page, dict):
            return
        entities = page.get("entities") or []
        seen += len(entities)
        yield page
        page_count = page.get("pageCount")
        total = page.get("total")
        if isinstance(page_count, int):
            if page_number >= page_count:
                return
        elif isinstance(total, int):
            if seen >= total:
                return
        elif len(entities) < page_size:
            return
        if not entities:
            return
        if max_pages is not None and page_number >= max_pages:
            log.info("GET %s: stopped after %d pages (max_pages)", path, page_number)
            return
        page_number += 1


def iter_entities(
    transport: Transport,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = 100,
    max_pages: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield every entity of a page-number listing, page by page."""
    for page in iter_pages(transport, path, params, page_size=page_size, max_pages=max_pages):
        yield from page.get("entities") or []


def iter_cursor(
    transport: Transport,
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    page_size: int = 500,
    cursor_param: str = "cursor",
) -> Iterator[dict[str, Any]]:
    """Yield every entity of a cursor listing (audit results): leave the cursor out on the first
    page, then send back the returned cursor until none comes back (or the same one comes back)."""
    cursor: str | None = None
    while True:
        query = {**(params or {}), "pageSize": page_size}
        if cursor:
            query[cursor_param] = cursor
        page = transport.json("GET", path, params=query)
        if not isinstance(page, dict):
            return
        yield from page.get("entities") or []
        previous, cursor = cursor, page.get("cursor") or None
        if not cursor or cursor == previous:
            return
