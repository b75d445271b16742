"""Change-management notification after a successful deploy: a JSON POST to `notify:`.

Best effort by design: the deploy already happened and is in the ledger, so a webhook that
is down must not turn a good deploy into a failed job. Retried with backoff on connection
errors, 429 and 5xx; every attempt is logged; the outcome is returned for the summary.
Standard library only (`urllib`): this runs after the API client has done its work.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from ivr_ci import __version__

log = logging.getLogger("ivr_ci.promote")
BACKOFF = 1.0  # seconds before the 2nd attempt, doubling (module-level so tests can shorten it)


def _shown(url: str) -> str:
    """scheme://host/path only: query strings of webhook URLs often carry tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{':' + str(parts.port) if parts.port else ''}{parts.path}"


def notify(url: str, payload: dict[str, Any], *, attempts: int = 4, backoff: float | None = None,
           timeout: float = 10.0) -> tuple[bool, str]:
    """POST `payload`; returns (delivered, one-line description). Never raises."""
    body = json.dumps(payload).encode("utf-8")
    last = ""
    for n in range(1, attempts + 1):
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "User-Agent": f"ivr-ci/{__version__}"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - configured https URL
                status = resp.status
            log.info("notify %s: HTTP %s (attempt %d)", _shown(url), status, n)
            return True, f"notified {_shown(url)} (HTTP {status})"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
            retry = exc.code == 429 or exc.code >= 500
        except (urllib.error.URLError, OSError, ValueError) as exc:
            last = str(getattr(exc, "reason", exc))
            retry = True
        log.warning("notify %s failed: %s (attempt %d/%d)", _shown(url), last, n, attempts)
        if not retry or n == attempts:
            break
        time.sleep((BACKOFF if backoff is None else backoff) * 2 ** (n - 1))
    return False, f"notification to {_shown(url)} failed: {last} (the deploy itself succeeded)"
