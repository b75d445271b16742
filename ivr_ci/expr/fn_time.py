"""Dates, times and durations: MakeDateTime, ToDateTime, MakeDuration, ToDuration, Add*, Day...,
WeekNum, GetDayOfWeekOccurrence, DateTimeDiff, GetCurrentDateTimeUtc (catalogue 0.0.18).

DateTimes are aware datetimes in UTC, Durations timedeltas (Architect keeps milliseconds)."""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from ivr_ci.expr.registry import Context, Registry, arg_type_error, as_int, need
from ivr_ci.expr.values import ExprRuntimeError, NotSet, is_not_set

_ISO_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)


def to_datetime_value(value: Any, where: str = "ToDateTime") -> datetime:
    """A DateTime from a DateTime or ISO-8601 text (an offset is converted to UTC)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(need(value, where), str):
        raise arg_type_error(where, (value,))
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise ExprRuntimeError(f"{where}(): \"{value}\" is not an ISO-8601 date and time") from None
    return (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _to_datetime(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("DateTime")
    if isinstance(value, int) and not isinstance(value, bool):  # seconds since the epoch
        return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=value)
    if isinstance(value, str) and not value.strip():
        return NotSet("DateTime")
    return to_datetime_value(value)


def parse_duration(text: str, where: str = "ToDuration") -> timedelta:
    m = _ISO_DURATION.match(text.strip())
    if not m or text.strip().upper() in ("P", "PT", "-P", "+P"):
        raise ExprRuntimeError(f"{where}(): \"{text}\" is not an ISO-8601 duration")
    seconds = Decimal(m.group("s") or 0)
    ms = int(seconds * 1000)  # Architect keeps milliseconds: 30.250567S is 30.250 seconds
    value = timedelta(weeks=int(m.group("w") or 0), days=int(m.group("d") or 0), hours=int(m.group("h") or 0),
                      minutes=int(m.group("m") or 0), milliseconds=ms)
    return -value if m.group("sign") == "-" else value


def _to_duration(_ctx: Context, value: Any) -> Any:
    if is_not_set(value):
        return NotSet("Duration")
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(milliseconds=value)
    if isinstance(value, str):
        return parse_duration(value) if value.strip() else NotSet("Duration")
    raise arg_type_error("ToDuration", (value,))


def _make_datetime(_ctx: Context, *parts: Any) -> datetime:
    numbers = [as_int(p, "MakeDateTime") for p in parts]
    try:
        return datetime(*numbers, tzinfo=timezone.utc)  # type: ignore[misc,arg-type]
    except (ValueError, TypeError, OverflowError) as exc:
        raise ExprRuntimeError(f"MakeDateTime(): {exc}") from None


def _make_duration(_ctx: Context, days: Any, hours: Any, minutes: Any, seconds: Any, ms: Any = 0) -> timedelta:
    d, h, m, s, f = (as_int(v, "MakeDuration") for v in (days, hours, minutes, seconds, ms))
    try:
        return timedelta(days=d, hours=h, minutes=m, seconds=s, milliseconds=f)
    except OverflowError:
        raise ExprRuntimeError("MakeDuration(): out of range") from None


def _adder(unit: str) -> Any:
    def add(_ctx: Context, dt: Any, n: Any) -> datetime:
        base, count = to_datetime_value(need(dt, f"Add{unit.title()}"), f"Add{unit.title()}"), as_int(n, "Add")
        try:
            return base + timedelta(**{unit: count})
        except OverflowError:
            raise ExprRuntimeError(f"Add{unit.title()}(): out of range") from None
    return add


def _add_months(dt: datetime, months: int) -> datetime:
    index = dt.year * 12 + dt.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ExprRuntimeError("AddMonths(): out of range")
    day = min(dt.day, calendar.monthrange(year, month + 1)[1])
    return dt.replace(year=year, month=month + 1, day=day)


def _add_months_fn(_ctx: Context, dt: Any, n: Any) -> datetime:
    return _add_months(to_datetime_value(need(dt, "AddMonths"), "AddMonths"), as_int(n, "AddMonths"))


def _add_years_fn(_ctx: Context, dt: Any, n: Any) -> datetime:
    return _add_months(to_datetime_value(need(dt, "AddYears"), "AddYears"), 12 * as_int(n, "AddYears"))


def _add_duration(_ctx: Context, dt: Any, d: Any) -> datetime:
    base, delta = to_datetime_value(need(dt, "AddDuration"), "AddDuration"), need(d, "AddDuration")
    if not isinstance(delta, timedelta):
        raise arg_type_error("AddDuration", (dt, d))
    return base + delta


def _diff(_ctx: Context, a: Any, b: Any) -> timedelta:
    return to_datetime_value(need(a, "DateTimeDiff"), "DateTimeDiff") - \
        to_datetime_value(need(b, "DateTimeDiff"), "DateTimeDiff")


def _part(name: str, getter: Any) -> Any:
    def get(_ctx: Context, dt: Any) -> int:
        return int(getter(to_datetime_value(need(dt, name), name)))
    return get


def day_of_week(d: datetime) -> int:
    """Architect numbers the days of the week 1 (Sunday) to 7 (Saturday)."""
    return d.isoweekday() % 7 + 1


def week_number(d: datetime) -> int:
    """US week numbering as the catalogue's examples give it: the week holding 1 January is week
    1 and weeks start on Sunday (2009-12-31 is week 53)."""
    jan1 = d.replace(month=1, day=1)
    offset = day_of_week(jan1) - 1
    return (d.timetuple().tm_yday - 1 + offset) // 7 + 1


def _day_of_week_occurrence(_ctx: Context, *args: Any) -> Any:
    """GetDayOfWeekOccurrence(dayOfWeek, occurrence, year[, month][, hour, minute, second])."""
    nums = [as_int(a, "GetDayOfWeekOccurrence") for a in args]
    dow, occurrence, year = nums[:3]
    month = nums[3] if len(nums) in (4, 7) else None
    h, m, s = (nums[-3:] if len(nums) >= 6 else [0, 0, 0])
    if not 1 <= dow <= 7 or occurrence == 0:
        raise ExprRuntimeError("GetDayOfWeekOccurrence(): day of week is 1-7, occurrence not 0")
    first = datetime(year, month or 1, 1, h, m, s, tzinfo=timezone.utc)
    if month is None:
        last = datetime(year, 12, 31, h, m, s, tzinfo=timezone.utc)
    else:
        last = first.replace(day=calendar.monthrange(year, month)[1])
    if occurrence > 0:
        start = first + timedelta(days=(dow - day_of_week(first)) % 7)
        found = start + timedelta(weeks=occurrence - 1)
    else:
        start = last - timedelta(days=(day_of_week(last) - dow) % 7)
        found = start + timedelta(weeks=occurrence + 1)
    return found if first <= found <= last else NotSet("DateTime")


def _round_up(_ctx: Context, d: Any, step: Any = None, marks: Any = None) -> timedelta:
    """RoundUp(duration[, step[, marks]]): up to the first of `marks` that is at least the
    duration, else to a multiple of `step` (default: a minute under a minute, else five
    minutes) -- as the catalogue's examples give it."""
    value = need(d, "RoundUp")
    if not isinstance(value, timedelta):
        raise arg_type_error("RoundUp", (d,))
    for mark in sorted(m for m in (marks or []) if isinstance(m, timedelta)):
        if mark >= value:
            return mark
    if step is None:
        unit = timedelta(minutes=1) if value <= timedelta(minutes=1) else timedelta(minutes=5)
    else:
        unit = need(step, "RoundUp")
        if not isinstance(unit, timedelta) or unit <= timedelta(0):
            raise ExprRuntimeError("RoundUp(): the step is a positive Duration")
    return -(-value // unit) * unit


def _range(_ctx: Context, d: Any, spread: Any) -> Any:
    """Range(duration, spread): [duration - spread, duration + spread] (catalogue example)."""
    from ivr_ci.expr.values import Collection

    mid, width = need(d, "Range"), need(spread, "Range")
    if not isinstance(mid, timedelta) or not isinstance(width, timedelta):
        raise arg_type_error("Range", (d, spread))
    return Collection([mid - width, mid + width], "Duration")


def _now(ctx: Context) -> Any:
    return ctx.now()


def register(reg: Registry) -> None:
    reg.add("ToDateTime")(_to_datetime)
    reg.add("ToDuration")(_to_duration)
    reg.add("MakeDateTime")(_make_datetime)
    reg.add("MakeDuration")(_make_duration)
    for name, unit in (("AddSeconds", "seconds"), ("AddMinutes", "minutes"), ("AddHours", "hours"),
                       ("AddDays", "days")):
        reg.add(name)(_adder(unit))
    reg.add("AddMonths")(_add_months_fn)
    reg.add("AddYears")(_add_years_fn)
    reg.add("AddDuration")(_add_duration)
    reg.add("DateTimeDiff")(_diff)
    reg.add("Year", "GetYear")(_part("Year", lambda d: d.year))
    reg.add("Month", "GetMonth")(_part("Month", lambda d: d.month))
    reg.add("Day", "GetDay", "GetDayOfMonth")(_part("Day", lambda d: d.day))
    reg.add("Hour", "GetHour")(_part("Hour", lambda d: d.hour))
    reg.add("Minute", "GetMinute")(_part("Minute", lambda d: d.minute))
    reg.add("Second", "GetSecond")(_part("Second", lambda d: d.second))
    reg.add("DayOfWeek", "GetDayOfWeek")(_part("DayOfWeek", day_of_week))
    reg.add("WeekNum")(_part("WeekNum", week_number))
    reg.add("GetDayOfWeekOccurrence")(_day_of_week_occurrence)
    reg.add("GetCurrentDateTimeUtc")(_now)
    reg.add("RoundUp")(_round_up)
    reg.add("Range")(_range)
