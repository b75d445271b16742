"""Fault injection: throttling, real rate limits, 5xx, resets, latency, token expiry, failing
jobs, locks. Deterministic (`random.Random(seed)`) and thread-safe.

A rule is a dict (seed `faults:`, `--faults FILE`, `POST /__admin/faults`)::

    {"kind": "throttle", "path": "/api/v2/flows*", "method": "GET", "nth": 3, "times": 2, "retryAfter": 5}

Selectors: `path` (glob with `*`, `^regex`, or a plain prefix), `method`, `org`.
Triggers: `nth` (first matching call that fails, default 1) and `times` (how many, default 1),
or `always: true`, or `rate` (probability per matching call, seeded).
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

KINDS = ("throttle", "error", "reset", "latency", "rate_limit", "token_expiry", "token_throttle",
         "job_failure", "lock")
DEFAULT_JOB_FAILURE = "Archy failed: the flow could not be published (exit code: 1). [injected fault]"


class FaultError(ValueError):
    """A rule that cannot be understood."""


@dataclass
class FaultRule:
    id: str
    kind: str
    spec: dict[str, Any]
    path: str | None = None
    method: str | None = None
    org: str | None = None
    nth: int = 1
    times: int | None = 1
    always: bool = False
    rate: float | None = None
    seen: int = 0
    fired: int = 0
    windows: dict[str, deque[float]] = field(default_factory=dict, repr=False)

    def matches(self, method: str, path: str, org: str | None = None) -> bool:
        if self.method and self.method != method.upper():
            return False
        if self.org and org and self.org != org:
            return False
        if self.path:
            if self.path.startswith("^"):
                return re.search(self.path, path) is not None
            if "*" in self.path or "?" in self.path:
                return fnmatchcase(path, self.path)
            return path.startswith(self.path)
        return True

    def describe(self) -> dict[str, Any]:
        return {**self.spec, "id": self.id, "seen": self.seen, "fired": self.fired}


def _int(spec: dict[str, Any], key: str, default: int | None, minimum: int = 0) -> int | None:
    value = spec.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < minimum:
        raise FaultError(f"fault '{spec.get('kind')}': {key} must be a number >= {minimum}")
    return int(value)


def parse_rule(spec: Any, rule_id: str) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultError("a fault must be a mapping with a 'kind'")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise FaultError(f"unknown fault kind {kind!r}; expected one of: {', '.join(KINDS)}")
    always = bool(spec.get("always", False))
    rate = spec.get("rate")
    if rate is not None and (not isinstance(rate, (int, float)) or not 0 <= rate <= 1):
        raise FaultError(f"fault '{kind}': rate must be between 0 and 1")
    default_times = None if always or rate is not None or kind in ("latency", "rate_limit") else 1
    rule = FaultRule(
        id=rule_id, kind=kind, spec=dict(spec),
        path=spec.get("path") or ("/oauth/token" if kind == "token_throttle" else None),
        method=str(spec["method"]).upper() if spec.get("method") else None, org=spec.get("org"),
        nth=_int(spec, "nth", 1, 1) or 1, times=_int(spec, "times", default_times, 1),
        always=always or (kind in ("latency", "rate_limit") and "nth" not in spec and rate is None),
        rate=float(rate) if rate is not None else None,
    )
    if kind == "error":
        status = _int(spec, "status", 503, 400)
        if status is None or (status != 409 and not 500 <= status <= 599):
            raise FaultError("fault 'error': status must be 409 (a conflict) or a 5xx code")
    if kind == "latency":
        _int(spec, "ms", 100)
    if kind == "rate_limit":
        _int(spec, "perMinute", 300, 1)
    if kind == "lock" and not (spec.get("flow") and spec.get("user")):
        raise FaultError("fault 'lock' needs 'flow' (name or id) and 'user'")
    if (path := rule.path) and path.startswith("^"):
        try:
            re.compile(path)
        except re.error as exc:
            raise FaultError(f"fault '{kind}': bad path regex: {exc}") from None
    return rule


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next = 0

    # ---- admin ----------------------------------------------------------------------------
    def add(self, spec: dict[str, Any]) -> FaultRule:
        with self._lock:
            self._next += 1
            rule = parse_rule(spec, f"fault-{self._next}")
            if rule.kind not in ("lock",) and not (rule.kind == "token_expiry" and "nth" not in spec):
                self._rules.append(rule)
            return rule

    def clear(self, rule_id: str | None = None) -> int:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if rule_id is not None and r.id != rule_id]
            return before - len(self._rules)

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [r.describe() for r in self._rules]

    # ---- evaluation -----------------------------------------------------------------------
    def _fires(self, rule: FaultRule) -> bool:
        rule.seen += 1
        if rule.times is not None and rule.fired >= rule.times:
            return False
        if rule.rate is not None:
            hit = self._rng.random() < rule.rate
        elif rule.always:
            hit = True
        else:
            hit = rule.seen >= rule.nth
        if hit:
            rule.fired += 1
        return hit

    def on_request(self, method: str, path: str, token_key: str | None, now: float) -> list[tuple[str, Any]]:
        """What to do to this request: [(action, arg)], in order. Actions: latency(ms),
        reset, expire_tokens, throttle(retry_after), error(status), rate_limit(retry_after, limit),
        token_throttle(retry_after)."""
        out: list[tuple[str, Any]] = []
        with self._lock:
            for rule in self._rules:
                if rule.kind in ("job_failure",) or not rule.matches(method, path):
                    continue
                if rule.kind == "rate_limit":
                    verdict = self._rate_limit(rule, token_key or "anonymous", now)
                    if verdict is not None:
                        out.append(("rate_limit", verdict))
                    continue
                if not self._fires(rule):
                    continue
                spec = rule.spec
                if rule.kind == "latency":
                    out.append(("latency", int(spec.get("ms", 100))))
                elif rule.kind == "reset":
                    out.append(("reset", None))
                elif rule.kind == "token_expiry":
                    out.append(("expire_tokens", None))
                elif rule.kind == "throttle":
                    out.append(("throttle", int(spec.get("retryAfter", 1))))
                elif rule.kind == "token_throttle":
                    out.append(("token_throttle", int(spec.get("retryAfter", 1))))
                elif rule.kind == "error":
                    out.append(("error", int(spec.get("status", 503))))
        return out

    def _rate_limit(self, rule: FaultRule, key: str, now: float) -> tuple[int, int] | None:
        limit = int(rule.spec.get("perMinute", 300))
        window = rule.windows.setdefault(key, deque())
        while window and window[0] <= now - 60:
            window.popleft()
        rule.seen += 1
        if len(window) >= limit:
            rule.fired += 1
            return max(1, math.ceil(window[0] + 60 - now)), limit
        window.append(now)
        return None

    def job_failure(self, org: str, flow_name: str) -> str | None:
        """Message to fail this import job with, if a `job_failure` rule says so.

        `nth` counts matching import jobs (as they complete) since the rule was added; `flow` restricts it to one flow name.
        """
        with self._lock:
            for rule in self._rules:
                if rule.kind != "job_failure" or (rule.org and rule.org != org):
                    continue
                wanted = rule.spec.get("flow")
                if wanted and str(wanted).casefold() != flow_name.casefold():
                    continue
                if "flow" in rule.spec and "nth" not in rule.spec and "times" not in rule.spec:
                    rule.seen += 1
                    rule.fired += 1
                    return str(rule.spec.get("message") or DEFAULT_JOB_FAILURE)
                if self._fires(rule):
                    return str(rule.spec.get("message") or DEFAULT_JOB_FAILURE)
        return None
