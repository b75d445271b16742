"""Expression functions for audio, communications, org objects, phone numbers and time.

Registered into the table of `ivr_ci.simulate.functions` on import.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from ivr_ci.simulate.functions import _FUNCS, Fn, _fn, _required, _to_display, to_string
from ivr_ci.simulate.values import NOT_SET, Audio, OrgObject, PhoneNumber

# --- audio and communications ----------------------------------------------------------------

@_fn("ToAudioTTS")
def _tts(text: Any, *_voice: Any) -> Audio:
    return Audio(() if text is NOT_SET else (to_string(text),))


@_fn("ToAudioBlank")
def _blank(_ms: Any) -> Audio:
    return Audio(())


@_fn("ToAudioNumber", "ToAudioDigits")
def _audio_number(n: Any, *_rest: Any) -> Audio:
    return Audio(() if n is NOT_SET else (to_string(n),))


@_fn("ToAudioDuration")
def _audio_duration(d: Any, *_rest: Any) -> Audio:
    if not isinstance(d, timedelta):
        return Audio(())
    minutes, seconds = divmod(int(d.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in
             ((hours, "hour"), (minutes, "minute"), (seconds, "second")) if n]
    return Audio((" ".join(words) or "0 seconds",))


@_fn("ToAudio")
def _to_audio(value: Any) -> Audio:
    if isinstance(value, Audio):
        return value
    return Audio(() if value is NOT_SET else (f"[prompt {value}]",))


@_fn("AudioPlaybackOptions")
def _playback(audio: Any, *_flags: Any) -> Any:
    return audio


@_fn("MakeCommunication")
def _make_comm(*parts: Any) -> str:
    return "".join(_to_display(p) for p in parts)


@_fn("ToCommunication", "ToCommunicationSsml")
def _to_comm(value: Any) -> str:
    return _to_display(value)


@_fn("ToCommunicationBlank")
def _comm_blank(*_a: Any) -> str:
    return ""


# --- org objects and phone numbers -----------------------------------------------------------

def _finder(kind: str) -> Fn:
    def find(name: Any, *_rest: Any) -> Any:
        return NOT_SET if name is NOT_SET else OrgObject(kind, to_string(name))
    return find


for _name, _kind in (("FindQueue", "queue"), ("FindQueueById", "queue"), ("FindUser", "user"),
                     ("FindUserById", "user"), ("FindGroup", "group"), ("FindSkill", "skill"),
                     ("FindLanguageSkill", "languageSkill"), ("FindScheduleGroup", "scheduleGroup"),
                     ("FindSchedule", "schedule"), ("FindEmergencyGroup", "emergencyGroup"),
                     ("ToScheduleGroup", "scheduleGroup"), ("ToQueue", "queue"), ("ToUser", "user"),
                     ("ToGroup", "group"), ("ToSkill", "skill")):
    _FUNCS[_name.lower()] = _finder(_kind)


@_fn("ToPhoneNumber")
def _to_phone(text: Any) -> Any:
    return NOT_SET if text is NOT_SET else PhoneNumber.parse(to_string(text))


# --- date and time ---------------------------------------------------------------------------

def to_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    text = str(_required(value, "ToDateTime")).strip().replace("Z", "+00:00")
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


_FUNCS["todatetime"] = to_datetime


def _adder(unit: str) -> Fn:
    def add(dt: Any, n: Any) -> datetime:
        return to_datetime(dt) + timedelta(**{unit: int(_required(n, "Add"))})
    return add


for _name, _unit in (("AddSeconds", "seconds"), ("AddMinutes", "minutes"), ("AddHours", "hours"),
                     ("AddDays", "days")):
    _FUNCS[_name.lower()] = _adder(_unit)


@_fn("DateTimeDiff")
def _diff(a: Any, b: Any) -> timedelta:
    return to_datetime(a) - to_datetime(b)


@_fn("MakeDuration")
def _make_duration(days: Any = 0, hours: Any = 0, minutes: Any = 0, seconds: Any = 0, ms: Any = 0) -> timedelta:
    return timedelta(days=int(days), hours=int(hours), minutes=int(minutes), seconds=int(seconds),
                     milliseconds=int(ms))


@_fn("MakeDateTime")
def _make_datetime(*parts: Any) -> datetime:
    return datetime(*(int(p) for p in parts), tzinfo=timezone.utc)  # type: ignore[misc]


def _part(getter: Callable[[datetime], int]) -> Fn:
    def get(dt: Any) -> int:
        return getter(to_datetime(dt))
    return get


for _names, _get in (
    (("Hour", "GetHour"), lambda d: d.hour),
    (("Minute", "GetMinute"), lambda d: d.minute),
    (("Second", "GetSecond"), lambda d: d.second),
    (("Day", "GetDay", "GetDayOfMonth"), lambda d: d.day),
    (("Month", "GetMonth"), lambda d: d.month),
    (("Year", "GetYear"), lambda d: d.year),
    # Architect numbers the days of the week 1 (Sunday) to 7 (Saturday).
    (("DayOfWeek", "GetDayOfWeek"), lambda d: d.isoweekday() % 7 + 1),
):
    for _n in _names:
        _FUNCS[_n.lower()] = _part(_get)
