"""The simulation's variables: flow/task/state scopes, platform built-ins, declared types.

Names are matched case-insensitively (Architect's own lookups are; a valid flow never depends
on case). Values the user declared (`--set`, a case's `variables:`) are "pins": they are the
initial value of a flow variable and the answer of any data action or lookup that writes it.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from ivr_ci.simulate.values import NOT_SET, Audio, OrgObject, Unknown, Unsupported

# Scopes whose variables belong to the flow: never assigned means NOT_SET.
FLOW_SCOPES = frozenset({"flow", "task", "state", "common", "slot"})
PROMPT_SCOPES = frozenset({"prompt", "promptsystem"})
BLOCK_SCOPES = ("task.", "state.")


def _coerce(vtype: str | None, value: Any) -> Any:
    """A user-given value (often text from the command line) as the declared variable type."""
    if vtype is None or value is NOT_SET or isinstance(value, Unknown):
        return value
    t = vtype.lower()
    try:
        if t == "integer" and isinstance(value, (str, float)) and not isinstance(value, bool):
            return int(float(value))
        if t == "decimal" and isinstance(value, (str, int)) and not isinstance(value, bool):
            return float(value)
        if t == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if t == "string" and isinstance(value, (int, float, bool)):
            from ivr_ci.simulate.functions import to_string

            return to_string(value)
        if t == "json" and isinstance(value, str):
            return json.loads(value)
        if t.endswith("collection") and isinstance(value, str):
            return [v.strip() for v in value.split(",")] if value else []
        if t in ("queue", "user", "group", "skill", "languageskill", "schedulegroup") and isinstance(value, str):
            return OrgObject(t, value)
        if t == "datetime" and isinstance(value, str):
            from ivr_ci.simulate.functions_media import to_datetime

            return to_datetime(value)
    except (ValueError, TypeError, OverflowError):  # `--set Flow.n=1e309` stays the text given
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

    # --- Env protocol (ivr_ci.simulate.evaluate) ---
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
            return NOT_SET, 2
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
