"""`--at` times: what `ivr-ci simulate`, `test` and `expr` take as the current time."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

_YEARS = (1900, 9000)  # a simulated time outside these years is refused (zone arithmetic overflows near 1/9999)


def parse_at(text: Any) -> datetime:
    """ISO date-time; without an offset it is UTC (the zone GetCurrentDateTimeUtc works in)."""
    if isinstance(text, datetime):
        dt = text
    else:
        raw = str(text).strip().replace(" ", "T", 1).replace("Z", "+00:00")
        try:
            dt = datetime.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"'{text}' is not a date-time like 2026-11-23T10:00 "
                             "(UTC unless an offset such as +01:00 is given)") from None
    if not _YEARS[0] <= dt.year <= _YEARS[1]:
        raise ValueError(f"'{text}' is out of range: give a year from {_YEARS[0]} to {_YEARS[1]}")
    return dt.astimezone(timezone.utc) if dt.tzinfo else dt.replace(tzinfo=timezone.utc)
