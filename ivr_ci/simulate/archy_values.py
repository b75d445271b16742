"""Archy value wrappers (`lit`, `exp`, `var`, `noValue`, `tts`, `prompt`) as expression values.

`exp:` text is evaluated by the expression engine (ivr_ci.expr) against the simulation's
variables; everything else is read here. Errors are the engine's: ExprRuntimeError (Architect
fails at runtime), Unsupported / ExprTypeError (the simulation cannot decide).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ivr_ci.expr.evaluate import evaluate_text
from ivr_ci.expr.values import (
    NOT_SET,
    Audio,
    Collection,
    ExprError,
    OrgObject,
    Unknown,
    Unsupported,
    is_not_set,
)
from ivr_ci.simulate.state import Variables

_DURATION_UNITS = {"ms": "milliseconds", "seconds": "seconds", "minutes": "minutes", "hours": "hours",
                   "days": "days"}

# What the flow's slots hold (Archy's key names) as the Architect types of their objects.
OBJECT_TYPES = {"queue": "Queue", "user": "User", "group": "Group", "skill": "Skill", "schedule": "Schedule",
                "schedulegroup": "ScheduleGroup", "emergencygroup": "EmergencyGroup", "flow": "Flow",
                "languageskill": "Language Skill", "object": "Object"}


def object_type(kind: str) -> str:
    return OBJECT_TYPES.get(kind.lower(), kind[:1].upper() + kind[1:])


class ArchyValues:
    """Reads a flow's value wrappers against `variables`; `language` picks per-language TTS."""

    def __init__(self, variables: Variables, language: str = "") -> None:
        self.vars = variables
        self.language = language

    def read(self, raw: Any, kind: str | None = None) -> Any:
        """The value of a wrapper; `kind` (queue, user...) makes a name an org object."""
        if raw is None:
            return NOT_SET
        if not isinstance(raw, dict):
            return _plain(raw)
        if raw.get("noValue") in (True, "true") or "none" in raw:
            return NOT_SET
        if "exp" in raw:
            text = raw["exp"]
            if isinstance(text, bool) or not isinstance(text, (str, int, float)):
                raise Unsupported(f"exp: {text!r} is not expression text")
            value = evaluate_text(str(text), self.vars)
            if kind and isinstance(value, str):
                return OrgObject(object_type(kind), value)
            return value
        if "var" in raw:
            return self.vars.get(str(raw["var"]))
        if "tts" in raw:
            return Audio((self.tts_text(raw["tts"]),))
        if "prompt" in raw:
            prompt = raw["prompt"]
            if isinstance(prompt, dict):
                return self.read(prompt, None)
            return Audio((f"[prompt {prompt}]",))
        if "lit" in raw:
            return self._lit(raw["lit"], kind)
        if isinstance(raw.get("name"), str):  # targetFlow: {name: X}
            return OrgObject(object_type(kind or "object"), raw["name"])
        raise Unsupported(f"value form {sorted(map(str, raw))} is not simulated")

    def _lit(self, lit: Any, kind: str | None) -> Any:
        if isinstance(lit, dict):
            if isinstance(lit.get("name"), str):
                return OrgObject(object_type(kind or "object"), lit["name"])
            units = {k: v for k, v in lit.items() if k in _DURATION_UNITS}
            if units and len(units) == len(lit) and all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in units.values()):
                try:
                    return timedelta(**{_DURATION_UNITS[k]: float(v) for k, v in units.items()})
                except (OverflowError, ValueError):  # beyond timedelta's ~2.7 million years, or NaN
                    raise Unsupported(f"duration {dict(units)} is out of range") from None
            if "lit" in lit or "exp" in lit or "noValue" in lit:
                return self.read(lit, kind)
            return {k: self.read(v, None) if isinstance(v, dict) else _plain(v) for k, v in lit.items()}
        if isinstance(lit, list):
            return Collection([self.read(v, None) if isinstance(v, dict) else _plain(v) for v in lit])
        if kind and isinstance(lit, str):
            return OrgObject(object_type(kind), lit)
        return _plain(lit)

    def tts_text(self, tts: Any) -> str:
        if isinstance(tts, dict):  # per-language text: the flow's language first
            for lang in (self.language, *tts.keys()):
                if lang in tts and tts[lang] is not None:
                    return str(tts[lang])
            return ""
        return "" if tts is None else str(tts)

    def quiet(self, raw: Any) -> Any:
        """Settings values: anything not understood is simply 'not set' (None)."""
        try:
            value = self.read(raw, None)
        except ExprError:
            return None
        return None if is_not_set(value) or isinstance(value, Unknown) else value

    def quiet_object(self, raw: Any, kind: str) -> OrgObject | None:
        try:
            value = self.read(raw, kind)
        except ExprError:
            return None
        return value if isinstance(value, OrgObject) else None

    def or_unknown(self, raw: Any, line: int) -> Any:
        """Initial values: a problem in one is only a problem if a decision needs it."""
        try:
            return self.read(raw, None)
        except Unsupported as exc:
            return Unknown(f"the initial value at line {line} (not simulated: {exc})")
        except ExprError as exc:
            return Unknown(f"the initial value at line {line} (fails: {exc})")


def _plain(value: Any) -> Any:
    """A YAML scalar as the Architect value it stands for (YAML floats are Decimals)."""
    if isinstance(value, float):
        return Decimal(repr(value))
    return value
