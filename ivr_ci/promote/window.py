"""Maintenance windows: weekly slots (days, start, end) in the environment's time zone.

A slot whose end is earlier than its start runs past midnight into the next day (`fri
22:00-02:00` covers Saturday 01:00); `24:00` means the end of the day. Times are compared as
wall-clock times in the zone, so a slot keeps its local hours across DST changes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ivr_ci.promote.settings import Slot, Window

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _slot_covers(slot: Slot, weekday: int, minute: int) -> bool:
    start, end = _minutes(slot.start), _minutes(slot.end)
    today = DAYS[weekday]
    yesterday = DAYS[(weekday - 1) % 7]
    if start < end:
        return today in slot.days and start <= minute < end
    # crosses midnight: the evening part belongs to the listed day, the morning to the next
    return (today in slot.days and minute >= start) or (yesterday in slot.days and minute < end)


def is_open(window: Window | None, now: datetime | None = None) -> bool:
    """True when `now` (default: the current time) falls in a slot, or there is no window."""
    if window is None:
        return True
    now = now or datetime.now(timezone.utc)
    local = now.astimezone(ZoneInfo(window.timezone))
    minute = local.hour * 60 + local.minute
    return any(_slot_covers(s, local.weekday(), minute) for s in window.slots)


def next_opening(window: Window, now: datetime | None = None, horizon_days: int = 8) -> datetime | None:
    """The next time the window opens (to the minute), for the refusal message."""
    now = (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(window.timezone))
    t = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    end = now + timedelta(days=horizon_days)
    # step by slot starts instead of minutes: only starts can open a window
    starts = sorted({_minutes(s.start) for s in window.slots})
    day = t.replace(hour=0, minute=0)
    while day <= end:
        for m in starts:
            candidate = day + timedelta(minutes=m)
            if candidate >= t and is_open(window, candidate):
                return candidate
        day += timedelta(days=1)
    return None


def describe(window: Window) -> str:
    parts = [f"{','.join(s.days)} {s.start}-{s.end}" for s in window.slots]
    return f"{'; '.join(parts)} ({window.timezone})"
