"""Stream flow audit records from the API, window by window, with progress on stderr.

Each window is one realtime query (paged) or one asynchronous transaction (submit → poll →
cursor pages); both are generators in the client, so only one page is in memory at a time.
A realtime window the server refuses (400: outside its horizon, e.g. clock skew) is retried
as an asynchronous query.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TextIO

from ivr_ci.audit.timerange import QueryWindow

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient

FILTERS = {"EntityType": "Flow"}
SERVICE = "Architect"
PAGE_SIZE = 500  # the documented maximum (genesys-api.md §4.1, §6.4)


class Progress:
    """`audit-report: 12,500 audit records (window 2/3, async)` on stderr: rewritten in place on a
    terminal, otherwise one line at most every `interval` seconds and at the end of each window."""

    def __init__(self, total_windows: int, stream: TextIO | None = None, interval: float = 5.0,
                 enabled: bool = True) -> None:
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.total_windows = total_windows
        self.interval = 0.2 if self.tty else interval
        self.enabled = enabled
        self.count = 0
        self._last = 0.0
        self._label = ""

    def window(self, index: int, window: QueryWindow) -> None:
        # nothing shown yet: a count before the first answer ("0 audit records") would be
        # printed ahead of an error such as a 401 and read as a result
        self._label = f"window {index}/{self.total_windows}, {window.mode}, {window.range.interval}"

    def window_done(self) -> None:
        self._show(force=True)

    def tick(self) -> None:
        self.count += 1
        if self.count % 500 == 0:
            self._show()

    def note(self, text: str) -> None:
        if self.enabled:
            self._clear()
            print(f"audit-report: {text}", file=self.stream, flush=True)

    def _clear(self) -> None:
        if self.tty and self._last:
            self.stream.write("\r\033[K")

    def _show(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._last < self.interval):
            return
        self._last = now
        text = f"audit-report: {self.count:,} audit records ({self._label})"
        if self.tty:
            self.stream.write("\r\033[K" + text)
            self.stream.flush()
        else:
            print(text, file=self.stream, flush=True)

    def done(self) -> None:
        if self.enabled:
            self._clear()
            print(f"audit-report: {self.count:,} audit records read", file=self.stream, flush=True)


def _window_records(client: GenesysClient, window: QueryWindow) -> Iterator[dict[str, Any]]:
    interval = window.range.interval
    if window.realtime:
        from ivr_ci.genesys.errors import BadRequest

        pages = client.iter_realtime_audits(interval, service_name=SERVICE, filters=FILTERS, sort="ascending",
                                            page_size=PAGE_SIZE, expand_user=True)
        try:
            first = next(pages, None)
        except BadRequest:
            pass  # outside the realtime horizon: use the full-history query
        else:
            if first is not None:
                yield first
                yield from pages
            return
    yield from client.iter_audits(interval, service_name=SERVICE, filters=FILTERS, sort="ascending",
                                  page_size=PAGE_SIZE, expand_user=True)


def iter_records(client: GenesysClient, windows: list[QueryWindow],
                 progress: Progress | None = None) -> Iterator[dict[str, Any]]:
    """Every flow audit record of the windows, oldest first."""
    for index, window in enumerate(windows, start=1):
        if progress:
            progress.window(index, window)
        for record in _window_records(client, window):
            if progress:
                progress.tick()
            yield record
        if progress:
            progress.window_done()
    if progress:
        progress.done()
