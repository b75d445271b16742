"""Small helpers shared by the emulator: deterministic ids, the clock, dates, name matching."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from ivr_ci.emulator.exceptions import invalid_date


def stable_id(*parts: object) -> str:
    """A UUID-4-shaped id derived from `parts`: same seed → same ids, run after run."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def seeded_int(*parts: object) -> int:
    """A stable 64-bit integer seed (Python's own `hash` of str changes per process)."""
    return int.from_bytes(hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()[:8], "big")


class Clock:
    """Wall clock plus an offset that the admin API can move (tokens, audits, jobs use it)."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        return self._offset

    def now(self) -> float:
        return time.time() + self._offset

    def now_ms(self) -> int:
        return int(self.now() * 1000)

    def set_now(self, when: float) -> None:
        with self._lock:
            self._offset = when - time.time()

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)


def iso_ms(ms: int) -> str:
    """Epoch milliseconds → `2026-01-01T10:00:00.000Z` (the platform's format)."""
    dt = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_datetime(text: str, field: str = "date") -> datetime:
    """ISO-8601 date or date-time (Z, offsets, fractions); naive values are UTC."""
    if not isinstance(text, str) or not text.strip():
        raise invalid_date(field, text)
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = re.sub(r"(\.\d{6})\d+", r"\1", value)  # more than microseconds
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise invalid_date(field, text) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_DURATION_RE = re.compile(
    r"^P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?$"
)
_MONTH_RE = re.compile(r"^P(\d+)M$")


def parse_duration(text: str, field: str = "granularity") -> timedelta:
    """ISO-8601 duration as used by analytics granularity (PT30M, PT1H, P1D, P7D, P1M≈30 days)."""
    month = _MONTH_RE.match(text or "")
    if month:
        return timedelta(days=30 * int(month.group(1)))
    m = _DURATION_RE.match(text or "")
    if not m or not any(m.groupdict().values()):
        raise invalid_date(field, text)
    g = {k: int(v or 0) for k, v in m.groupdict().items()}
    delta = timedelta(weeks=g["w"], days=g["d"], hours=g["h"], minutes=g["m"], seconds=g["s"])
    if delta.total_seconds() <= 0:
        raise invalid_date(field, text)
    return delta


def parse_interval(text: Any, field: str = "interval") -> tuple[int, int]:
    """`start/end` ISO-8601 interval → (start_ms, end_ms); `start/PnD` and `PnD/end` too."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise invalid_date(field, text)
    left, right = text.split("/")
    if left.startswith("P"):
        end = parse_datetime(right, field)
        start = end - parse_duration(left, field)
    elif right.startswith("P"):
        start = parse_datetime(left, field)
        end = start + parse_duration(right, field)
    else:
        start, end = parse_datetime(left, field), parse_datetime(right, field)
    if end <= start:
        raise invalid_date(field, text)
    return int(start.timestamp() * 1000), int(end.timestamp() * 1000)


def name_matches(candidate: str, pattern: str, mode: str = "exact") -> bool:
    """Genesys-ish name filters, case-insensitive.

    `*` anywhere makes it a wildcard; otherwise `mode` decides: exact, prefix or contains.
    """
    c, p = candidate.casefold(), pattern.casefold()
    if "*" in p:
        regex = "^" + ".*".join(re.escape(part) for part in p.split("*")) + "$"
        return re.match(regex, c, re.DOTALL) is not None
    if mode == "prefix":
        return c.startswith(p)
    if mode == "contains":
        return p in c
    return c == p


def sanitize_file_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "flow"
