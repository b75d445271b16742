"""The report's time range (`--since 7d` | `--from … --to …`) and how it is cut into audit queries.

Limits (../shared/reference/genesys-api.md §4): the realtime query only reaches back
`REALTIME_DAYS` (14) days for some services, so it serves ranges that lie entirely inside
that horizon; anything older goes to the asynchronous query. The reference states no interval
limit for the asynchronous query; we still cut it into windows of at most `ASYNC_WINDOW_DAYS`
so each transaction stays small (a failure costs one window, not the whole range) and the
realtime window is cut the same way by `REALTIME_WINDOW_DAYS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ivr_ci.errors import UsageError

REALTIME_DAYS = 14
REALTIME_WINDOW_DAYS = 7
ASYNC_WINDOW_DAYS = 30
MAX_DURATION_DAYS = 36500  # --since / --metrics-window: 100 years
# a little margin so "the last 14 days" at query time never reaches past the horizon
_REALTIME_MARGIN = timedelta(minutes=10)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.I)
_UNIT_SECONDS = {"m": 60, "min": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str, what: str = "--since") -> timedelta:
    """`30m`, `12h`, `7d`, `2w` → timedelta."""
    m = _DURATION.match(text or "")
    if not m:
        raise UsageError(f"{what}: expected a duration such as 30m, 12h, 7d or 2w, not {text!r}")
    value = float(m.group(1)) * _UNIT_SECONDS[m.group(2).lower()]
    if value <= 0:
        raise UsageError(f"{what}: the duration must be positive, not {text!r}")
    if value > MAX_DURATION_DAYS * 86400:  # also keeps `now - duration` inside the calendar
        raise UsageError(f"{what}: the duration must be more than 0 and at most {MAX_DURATION_DAYS}d "
                         f"(100 years), not {text!r}")
    return timedelta(seconds=value)


def from_iso(value: str) -> datetime:
    """ISO-8601 date or date-time (`Z` suffix allowed, naive = UTC) → aware datetime;
    ValueError when it is not one."""
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def parse_when(text: str, what: str) -> datetime:
    """ISO-8601 date or date-time (naive = UTC) → aware datetime."""
    try:
        return from_iso((text or "").strip())
    except ValueError:
        raise UsageError(f"{what}: expected an ISO-8601 date or date-time (2026-01-31 or "
                         f"2026-01-31T08:00:00Z), not {text!r}") from None


def iso(dt: datetime) -> str:
    """`2026-01-31T08:00:00.000Z` (UTC, milliseconds: the platform's own spelling)."""
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class TimeRange:
    start: datetime
    end: datetime

    @property
    def interval(self) -> str:
        return f"{iso(self.start)}/{iso(self.end)}"

    def __contains__(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class QueryWindow:
    range: TimeRange
    realtime: bool  # POST /audits/query/realtime (paged) instead of the async transaction

    @property
    def mode(self) -> str:
        return "realtime" if self.realtime else "async"


def resolve_range(since: str | None, start: str | None, end: str | None,
                  now: datetime | None = None) -> TimeRange:
    """The range the user asked for; default: the last 7 days."""
    now = now or datetime.now(timezone.utc)
    if since and (start or end):
        raise UsageError("give either --since or --from/--to, not both")
    if since or not (start or end):
        return TimeRange(now - parse_duration(since or "7d"), now)
    if not start:
        raise UsageError("--to needs --from")
    lo = parse_when(start, "--from")
    hi = parse_when(end, "--to") if end else now
    if hi <= lo:
        raise UsageError(f"--to ({iso(hi)}) must be after --from ({iso(lo)})")
    return TimeRange(lo, hi)


def _cut(lo: datetime, hi: datetime, step: timedelta, realtime: bool) -> list[QueryWindow]:
    out = []
    while lo < hi:
        nxt = min(lo + step, hi)
        out.append(QueryWindow(TimeRange(lo, nxt), realtime))
        lo = nxt
    return out


def plan_windows(rng: TimeRange, now: datetime | None = None, *, realtime_days: int = REALTIME_DAYS,
                 async_window_days: int = ASYNC_WINDOW_DAYS,
                 realtime_window_days: int = REALTIME_WINDOW_DAYS) -> list[QueryWindow]:
    """Oldest first: async windows for whatever lies before the realtime horizon, realtime
    windows for the rest. Adjacent windows share a boundary (`start <= t < end`), so no
    record is fetched twice."""
    now = now or datetime.now(timezone.utc)
    horizon = now - timedelta(days=realtime_days) + _REALTIME_MARGIN
    split = min(max(rng.start, horizon), rng.end)
    return (_cut(rng.start, split, timedelta(days=async_window_days), False)
            + _cut(split, rng.end, timedelta(days=realtime_window_days), True))
