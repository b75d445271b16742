"""Change-management notification of every deploy outcome: a JSON POST to `notify:`.

Sent for `success`, `rolled-back`, `rollback-failed` and `interrupted` (not for `unchanged`:
nothing happened), with the outcome in the payload. Retried with backoff on connection errors,
429 and 5xx; every attempt is logged; the delivery (status, attempts) goes into the ledger.
A webhook that is down must not turn a good deploy into a failed job, but change management
not hearing of a FAILED deploy is itself a failure: the caller exits non-zero then.
Standard library only (`urllib`): this runs after the API client has done its work.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ivr_ci import __version__

log = logging.getLogger("ivr_ci.promote")
BACKOFF = 1.0  # seconds before the 2nd attempt, doubling (module-level so tests can shorten it)


def _shown(url: str) -> str:
    """scheme://host/path only: query strings of webhook URLs often carry tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}{parts.path}"


@dataclass
class Delivery:
    delivered: bool
    message: str  # one line for the log
    url: str  # shown form (no query string)
    status: int | None  # last HTTP status
    attempts: int
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "delivered": self.delivered, "status": self.status, "attempts": self.attempts,
                "error": self.error}


def notify(url: str, payload: dict[str, Any], *, attempts: int = 4, backoff: float | None = None,
           timeout: float = 10.0) -> Delivery:
    """POST `payload`; returns the delivery. Never raises."""
    body = json.dumps(payload).encode("utf-8")
    last = ""
    code: int | None = None
    outcome = str(payload.get("outcome") or "")
    n = 0
    for n in range(1, attempts + 1):
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": f"ivr-ci/{__version__}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured https URL
                status = resp.status
            log.info("notify %s: HTTP %s (attempt %d)", _shown(url), status, n)
            return Delivery(True, f"notified {_shown(url)} of outcome {outcome} (HTTP {status})", _shown(url),
                            status, n)
        except urllib.error.HTTPError as exc:
            last, code = f"HTTP {exc.code}", exc.code
            retry = exc.code == 429 or exc.code >= 500
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(getattr(exc, "reason", exc))
            retry = True
        log.warning("notify %s failed: %s (attempt %d/%d)", _shown(url), last, n, attempts)
        if not retry or n == attempts:
            break
        time.sleep((BACKOFF if backoff is None else backoff) * 2 ** (n - 1))
    tail = "" if not outcome else " (the deploy itself succeeded)" if outcome in ("success", "unchanged") else \
        f" (change management has NOT been told of this {outcome} deploy)"
    return Delivery(False, f"notification to {_shown(url)} failed after {n} attempt(s): {last}{tail}",
                    _shown(url), code, n, last)
