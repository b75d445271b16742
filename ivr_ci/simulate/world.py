"""What the simulated caller and the outside world do: keys, variables, time, schedules, stubs.

Everything here is given by the user (`ivr-ci simulate` options or a `*.paths.yaml` case); the
parsers raise ValueError with a message the caller prefixes with a file:line or an option name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

NO_INPUT = "-"  # a key slot in which the caller presses nothing (the menu times out)
SCHEDULE_GROUP_STATES = ("open", "closed", "holiday", "emergency")
_STATE_ALIASES = {"active": "open", "inactive": "closed", "on": "open", "off": "closed"}
_KEY_RE = re.compile(r"^[0-9*#]+$")
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_HOURS_RE = re.compile(r"^(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
                       r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})(?:\s+(?P<tz>\S+))?$")


@dataclass
class Stub:
    """The declared result of a data action or lookup: the output path and output values."""

    path: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class SimInput:
    keys: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None
    schedules: dict[str, str] = field(default_factory=dict)  # lower-cased name ("*" = any) -> state
    stubs: dict[str, Stub] = field(default_factory=dict)  # lower-cased key ("*" = any)
    max_steps: int = 2000

    def schedule_state(self, names: list[str]) -> tuple[str | None, str | None]:
        """(state, name it was found under) for the first declared name; '*' as the fallback."""
        for name in [*names, "*"]:
            spec = self.schedules.get(name.lower())
            if spec is not None:
                return _resolve_state(spec, self.at), name
        return None, None

    def stub(self, keys: list[str]) -> tuple[Stub | None, str | None]:
        for key in [*keys, "*"]:
            found = self.stubs.get(key.lower())
            if found is not None:
                return found, key
        return None, None


def parse_keys(value: Any) -> list[str]:
    """"2,1" or [2, 1] -> ["2", "1"]. Items: digits/*/# (several = collected input), "-" for
    no input, "say:words" for speech."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, list) \
        else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise ValueError(f"key {item!r} is not a digit, '*', '#', '-' or 'say:words'")
        text = str(item).strip()
        if text.lower() in ("-", "timeout", "none"):
            out.append(NO_INPUT)
        elif text.lower().startswith("say:") and text[4:].strip():
            out.append("say:" + text[4:].strip())
        elif _KEY_RE.match(text):
            out.append(text)
        elif text == "" and isinstance(value, str) and not value.strip():
            continue
        else:
            raise ValueError(f"key {text!r} is not a digit, '*', '#', '-' (no input) or 'say:words'")
    return out


def parse_assignment(text: str, what: str) -> tuple[str, str]:
    name, sep, value = text.rpartition("=") if what == "data action" else text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"expected NAME=VALUE, got '{text}'")
    return name.strip(), value.strip()


def check_schedule_state(value: Any) -> str:
    """open|closed|holiday|emergency (active/inactive for schedules), or weekly hours
    'mon-fri 08:00-18:00 [Area/Zone]' evaluated at the simulated time."""
    text = str(value).strip().lower() if not isinstance(value, bool) else ("open" if value else "closed")
    text = _STATE_ALIASES.get(text, text)
    if text in SCHEDULE_GROUP_STATES:
        return text
    m = _HOURS_RE.match(text)
    if m and _zone(m.group("tz")) is not None:
        _days(m.group("days"))
        _minute(m.group("end"))
        if _minute(m.group("start")) >= 24 * 60:
            raise ValueError(f"'{m.group('start')}' is not a start time from 00:00 to 23:59 (24:00 ends a day)")
        return text
    raise ValueError(f"schedule state '{value}' is not open, closed, holiday, emergency, active, "
                     "inactive or weekly hours like 'mon-fri 08:00-18:00 Europe/London'")


def parse_stub(value: Any) -> Stub:
    """'success' or {path: success, outputs: {field: value}} (an output value alone: outputs only)."""
    if isinstance(value, str):
        return Stub(value.strip() or None)
    if isinstance(value, dict):
        unknown = set(value) - {"path", "outputs"}
        if unknown:
            raise ValueError(f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; use path and outputs")
        outputs = value.get("outputs") or {}
        if not isinstance(outputs, dict):
            raise ValueError("outputs must be a mapping of output name to value")
        path = value.get("path")
        return Stub(str(path) if path is not None else None, {str(k): v for k, v in outputs.items()})
    raise ValueError(f"data action result {value!r} is not a path name or {{path, outputs}}")


def _zone(name: str | None) -> Any:
    if not name:
        return timezone.utc
    from zoneinfo import ZoneInfo

    # the spec is matched lower-cased; zone names are not ("europe/london" -> "Europe/London")
    for candidate in (name, name.upper(), "/".join(p.title() for p in name.split("/"))):
        try:
            return ZoneInfo(candidate)
        except Exception:  # unknown zone name, or no tz database on this host
            continue
    return None


def _days(spec: str) -> set[int]:
    out: set[int] = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        if a not in _DAYS or (b and b not in _DAYS):
            raise ValueError(f"'{part}' is not a day range like mon-fri")
        i, j = _DAYS.index(a), _DAYS.index(b or a)
        out.update(range(i, j + 1) if i <= j else [*range(i, 7), *range(0, j + 1)])
    return out


def _minute(hhmm: str) -> int:
    """'08:30' -> 510; '24:00' (the end of the day) -> 1440."""
    h, m = (int(p) for p in hhmm.split(":"))
    if m > 59 or h * 60 + m > 24 * 60:
        raise ValueError(f"'{hhmm}' is not a time from 00:00 to 24:00")
    return h * 60 + m


def _resolve_state(spec: str, at: datetime | None) -> str:
    m = _HOURS_RE.match(spec)
    if not m:
        return spec
    if at is None:
        return "unknown-time"
    try:
        local = at.astimezone(_zone(m.group("tz")))
    except OverflowError:  # an instant at the very edge of the calendar (parse_at keeps --at away from it)
        return "unknown-time"
    start, end = _minute(m.group("start")), _minute(m.group("end"))  # the end is exclusive; 24:00 ends the day
    inside = local.weekday() in _days(m.group("days")) and start <= local.hour * 60 + local.minute < end
    return "open" if inside else "closed"
