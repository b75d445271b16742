"""The simulation's variables: flow/task/state scopes, platform built-ins, declared types.

Names are matched case-insensitively (Architect's own lookups are; a valid flow never depends
on case). Values the user declared (`--set`, a case's `variables:`) are "pins": they are the
initial value of a flow variable and the answer of any data action or lookup that writes it.
"""

from __future__ import annotations

import decimal
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from ivr_ci.expr.fn_time import to_datetime_value
from ivr_ci.expr.values import (
    NOT_SET,
    Audio,
    Collection,
    ExprError,
    NotSet,
    OrgObject,
    Unknown,
    Unsupported,
    is_not_set,
    to_string,
)

# Scopes whose variables belong to the flow: never assigned means NOT_SET.
FLOW_SCOPES = frozenset({"flow", "task", "state", "common", "slot"})
PROMPT_SCOPES = frozenset({"prompt", "promptsystem"})
BLOCK_SCOPES = ("task.", "state.")

# Archy's variable type keys (`integerVariable` -> "integer") as Architect type names.
ARCHITECT_TYPES = {
    "integer": "Integer", "decimal": "Decimal", "string": "String", "boolean": "Boolean",
    "datetime": "DateTime", "duration": "Duration", "currency": "Currency", "json": "JSON",
    "phonenumber": "PhoneNumber", "queue": "Queue", "user": "User", "group": "Group", "skill": "Skill",
    "languageskill": "Language Skill", "schedulegroup": "ScheduleGroup", "wrapupcode": "WrapupCode",
    "communication": "Communication", "audio": "Audio", "prompt": "Prompt", "emailaddress": "EmailAddress",
}


def architect_type(vtype: str | None) -> str | None:
    """`integer` -> "Integer", `stringCollection` -> "String Collection" (None when unknown)."""
    if not vtype:
        return None
    t = vtype.lower()
    if t.endswith("collection"):
        item = ARCHITECT_TYPES.get(t[: -len("collection")])
        return f"{item} Collection" if item else None
    return ARCHITECT_TYPES.get(t)


def _coerce(vtype: str | None, value: Any) -> Any:
    """A user-given value (often text from the command line) as the declared variable type."""
    if vtype is None or isinstance(value, Unknown):
        return value
    t = vtype.lower()
    if is_not_set(value):
        typed = architect_type(vtype)
        return NotSet(typed) if typed else value
    try:
        if t == "integer" and isinstance(value, (str, float, Decimal)) and not isinstance(value, bool):
            return int(Decimal(str(value).strip()))
        if t == "decimal" and isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return Decimal(str(value).strip())
        if t == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if t == "string" and isinstance(value, (int, float, bool, Decimal)):
            return to_string(Decimal(repr(value)) if isinstance(value, float) else value)
        if t == "json" and isinstance(value, str):
            return json.loads(value, parse_float=Decimal)
        if t.endswith("collection") and isinstance(value, str):
            item_type = architect_type(t[: -len("collection")])
            items = [v.strip() for v in value.split(",")] if value else []
            return Collection([_coerce(t[: -len("collection")], v) for v in items], item_type)
        if t in ("queue", "user", "group", "skill", "languageskill", "schedulegroup") and isinstance(value, str):
            return OrgObject(ARCHITECT_TYPES[t], value)
        if t == "datetime" and isinstance(value, str):
            return to_datetime_value(value)
    except (ValueError, TypeError, OverflowError, decimal.InvalidOperation, ExprError):
        # `--set Flow.n=1e309` or `x` stays the text given
        return value
    return value


class Variables:
    def __init__(self, pins: dict[str, Any], now: datetime | None) -> None:
        self.values: dict[str, Any] = {}
        self.names: dict[str, str] = {}  # lower -> name as written
        self.types: dict[str, str] = {}
        self.pins = {k.lower(): v for k, v in pins.items()}
        self.pin_names = {k.lower(): k for k in pins}
        self._now = now
        self.participant: dict[str, Any] = {}

    # --- Env protocol (ivr_ci.expr.evaluate) ---
    def now(self) -> Any:
        if self._now is None:
            return Unknown("the current time (give --at, or at: in a case)")
        return self._now

    def lookup(self, parts: list[str]) -> tuple[Any, int]:
        scope = parts[0].lower()
        if scope in PROMPT_SCOPES and len(parts) >= 2:
            return Audio((f"[prompt {parts[0]}.{parts[1]}]",)), 2
        if scope in FLOW_SCOPES:
            if len(parts) < 2:
                raise Unsupported(f"'{parts[0]}' alone is not a variable")
            key = f"{scope}.{parts[1].lower()}"
            if key in self.values:
                return self.values[key], 2
            if key == "flow.startdatetimeutc":
                return self.now(), 2
            typed = architect_type(self.types.get(key))
            return (NotSet(typed) if typed else NOT_SET), 2
        if len(parts) < 2:
            raise Unsupported(f"name '{parts[0]}' is not a variable or a known value")
        for n in range(len(parts), 1, -1):  # platform values: the longest name the user gave
            key = ".".join(parts[:n]).lower()
            if key in self.values:
                return self.values[key], n
        dotted = ".".join(parts)
        return Unknown(f"{dotted} (set by the platform at runtime; --set {dotted}=…)"), len(parts)

    # --- assignments ---
    def declare(self, name: str, vtype: str | None) -> None:
        key = name.lower()
        self.names.setdefault(key, name)
        if vtype:
            self.types[key] = vtype

    def set(self, name: str, value: Any) -> None:
        key = name.lower()
        self.names.setdefault(key, name)
        self.values[key] = _coerce(self.types.get(key), value)

    def get(self, name: str) -> Any:
        return self.lookup(name.split("."))[0]

    def pinned(self, name: str) -> tuple[bool, Any]:
        key = name.lower()
        if key in self.pins:
            return True, _coerce(self.types.get(key), self.pins[key])
        return False, None

    def apply_pins(self) -> None:
        for key, value in self.pins.items():
            self.set(self.pin_names[key], value)

    def snapshot(self) -> str:
        """A hashable picture of the variables (loop detection)."""
        return repr(sorted((k, _freeze(v)) for k, v in self.values.items()))

    # --- task/state scopes ---
    def save_block_scope(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if k.startswith(BLOCK_SCOPES)}

    def clear_block_scope(self) -> None:
        """A new task/state starts with fresh Task./State. variables (pins stay)."""
        for k in [k for k in self.values if k.startswith(BLOCK_SCOPES)]:
            del self.values[k]
        for key, value in self.pins.items():
            if key.startswith(BLOCK_SCOPES):
                self.set(self.pin_names[key], value)

    def restore_block_scope(self, saved: dict[str, Any]) -> None:
        for k in [k for k in self.values if k.startswith(BLOCK_SCOPES)]:
            del self.values[k]
        self.values.update(saved)


def _freeze(value: Any) -> str:
    if isinstance(value, (datetime, timedelta)):
        return str(value)
    return repr(value)
