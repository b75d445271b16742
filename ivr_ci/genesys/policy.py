"""Retry and polling policies (all times in seconds; tests pass small values)."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How the transport retries.

    - 429: always retried (the request was not processed), waiting `Retry-After` (or a backoff
      when absent), as long as the wait fits in `max_total`.
    - 5xx (500, 502, 503, 504) and connection errors: exponential backoff with full jitter,
      `uniform(0, min(backoff_cap, backoff_base * 2**n))`, at most `max_attempts` attempts, on
      idempotent calls and POSTs marked safe only (see `docs/genesys-client.md`).
    - Everything stops at `max_total` seconds after the first attempt: the last error is raised
      instead of sleeping past the budget.
    """

    max_total: float = 120.0
    max_attempts: int = 8
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    retry_after_default: float = 1.0  # a 429 without Retry-After
    retry_after_cap: float = 180.0  # a longer Retry-After is not waited for (Go SDK: 180 s)
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})

    def backoff(self, attempt: int) -> float:
        """Full-jitter backoff before retry number `attempt` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** max(0, attempt - 1)))
        return random.uniform(0.0, ceiling)


@dataclass(frozen=True)
class PollPolicy:
    """Polling of export jobs and audit queries: start at `initial`, multiply by `factor` up to
    `cap`, each within its own limit. (Import jobs are polled by `promote.poller.AdaptivePoller`,
    which learns their duration.) `upload_timeout` bounds the presigned-URL upload's retries."""

    initial: float = 0.2
    factor: float = 1.5
    cap: float = 5.0
    export_timeout: float = 120.0
    audit_timeout: float = 600.0
    upload_timeout: float = 20.0  # total retry time of the presigned-URL upload (TF: 20 s)

    def delays(self) -> _Delays:
        return _Delays(self)


class _Delays:
    """Iterator of growing poll delays."""

    def __init__(self, policy: PollPolicy) -> None:
        self._policy = policy
        self._next = policy.initial

    def __iter__(self) -> _Delays:
        return self

    def __next__(self) -> float:
        delay = self._next
        self._next = min(self._policy.cap, self._next * self._policy.factor)
        return delay
