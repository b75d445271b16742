"""Runtime values of the simulator: Architect's NOT_SET, values nobody told us, org objects, audio.

Architect is typed; Python values stand in for its types: str, int, float, bool, list (collections),
dict (JSON), datetime (DateTime, always timezone-aware UTC), timedelta (Duration), plus the classes
below. Two markers drive the simulator's honesty:

* `NOT_SET` is Architect's own "no value": a variable the flow never assigned.
* `Unknown` is a value the *simulation* does not know (a data action's output nobody declared,
  `Call.Ani` without `--set`). It flows through expressions; only when a decision needs it does
  the simulation stop with "cannot decide", naming the reason — never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class _NotSet:
    _instance: _NotSet | None = None

    def __new__(cls) -> _NotSet:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_SET"

    def __bool__(self) -> bool:
        return False


NOT_SET: Any = _NotSet()


@dataclass(frozen=True)
class Unknown:
    """A value the simulation was not given; `reason` says what to declare to know it."""

    reason: str

    def __repr__(self) -> str:
        return f"<unknown: {self.reason}>"


class Unsupported(Exception):
    """An expression or action outside what the simulator evaluates: the run cannot decide."""


class FlowRuntimeError(Exception):
    """What Architect would fail on at runtime (NOT_SET where not allowed, ToInt("x")...).

    Architect then runs the flow's error handling (settingsErrorHandling); so does the simulator.
    """


@dataclass(frozen=True)
class OrgObject:
    """A queue, user, group, schedule group... known by name (or id when only the id is known)."""

    kind: str
    name: str

    def attr(self, key: str) -> Any:
        if key.lower() in ("name", "id"):
            return self.name
        raise Unsupported(f"property '.{key}' of a {self.kind} is not simulated")

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Audio:
    """What the caller hears: TTS text, prompt names, silences, spoken numbers."""

    parts: tuple[str, ...] = ()

    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


@dataclass(frozen=True)
class PhoneNumber:
    raw: str
    fields: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def parse(cls, text: str) -> PhoneNumber:
        digits = "".join(c for c in text if c.isdigit())
        e164 = ("+" + digits) if digits else text
        sub = digits[-10:] if len(digits) > 10 else digits
        return cls(text, {"e164": e164, "dialstring": text, "subscribernumber": sub,
                          "isvalid": "true" if digits else "false", "uri": f"tel:{e164}"})

    def attr(self, key: str) -> Any:
        value = self.fields.get(key.lower())
        if value is None:
            raise Unsupported(f"phone number property '.{key}' is not simulated")
        return value == "true" if key.lower() == "isvalid" else value

    def __str__(self) -> str:
        return self.fields.get("e164", self.raw)


def first_unknown(*values: Any) -> Unknown | None:
    for v in values:
        if isinstance(v, Unknown):
            return v
        if isinstance(v, (list, tuple)):
            inner = first_unknown(*v)
            if inner is not None:
                return inner
    return None


def display(value: Any) -> str:
    """A value as the trace shows it."""
    from datetime import datetime, timedelta

    if value is NOT_SET:
        return "NOT_SET"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Audio):
        return value.text()
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, timedelta):
        return duration_text(value)
    if isinstance(value, Unknown):
        return f"<unknown: {value.reason}>"
    if isinstance(value, list):
        return "[" + ", ".join(display(v) for v in value) + "]"
    return str(value)


def duration_text(value: Any) -> str:
    """ISO-8601 duration, the form Architect's ToString gives (P0DT0H1M0S style)."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rem = divmod(total, 86400)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    return f"{sign}P{days}DT{hours}H{minutes}M{seconds}S"
