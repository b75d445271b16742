"""The ranges Architect documents for flow settings: the one place rule thresholds come from.

Each limit quotes the sentence of the Architect Scripting SDK's documentation
(`purecloud-flow-scripting-api-sdk-javascript` 0.0.18, MIT, `src/scripting/documentation/<page>`,
member `<member>`) that states it; `tests/test_architect_limits.py` parses those pages and holds
every number here to them. A value inside a documented range is never an error.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ivr_ci.util.numbers import read_number

SDK_PACKAGE = "purecloud-flow-scripting-api-sdk-javascript"
SDK_DOCS = "src/scripting/documentation"
# Archy writes durations as a mapping of units (`{seconds: 10}`, `{ms: 1500}`, `{minutes: 1}`).
_UNIT_MS = {"ms": 1.0, "milliseconds": 1.0, "seconds": 1000.0, "minutes": 60_000.0, "hours": 3_600_000.0}


@dataclass(frozen=True)
class Limit:
    block: str  # settings block the value lives in (flow level, and per menu for menus)
    key: str
    kind: str  # "duration" (bounds in ms) or "integer"
    low: float | None
    high: float | None
    page: str  # SDK documentation page
    member: str  # member anchor on that page
    quote: str  # the documentation's own sentence
    per_menu: bool = True  # also a menu's own setting (documented on the page without `Flow`)

    @property
    def source(self) -> str:
        return f"{SDK_PACKAGE} {SDK_DOCS}/{self.page}#{self.member}"

    def describe(self) -> str:
        def shown(v: float) -> str:
            if self.kind != "duration":
                return f"{v:g}"
            return f"{v / 1000:g} s" if v >= 1000 and v % 1000 == 0 else f"{v:g} ms"

        if self.low is not None and self.high is not None:
            return f"{shown(self.low)} to {shown(self.high)}"
        return f"at least {shown(self.low)}" if self.low is not None else f"at most {shown(self.high or 0)}"

    def accepts(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.kind == "integer" and value != int(value):
            return False
        return (self.low is None or value >= self.low) and (self.high is None or value <= self.high)


def _limit(block: str, key: str, kind: str, low: float | None, high: float | None, page: str, quote: str,
           per_menu: bool = True) -> Limit:
    return Limit(block, key, kind, low, high, page, key, quote, per_menu)


LIMITS: dict[tuple[str, str], Limit] = {
    (lim.block, lim.key): lim for lim in (
        _limit("settingsMenu", "repeatCount", "integer", 0, 10, "ArchSettingsMenuFlow.html",
               "The number of times to repeat the menu.  This can range from 0 to 10."),
        _limit("settingsMenu", "menuSelectionTimeout", "duration", 1000, 60_000, "ArchSettingsMenuFlow.html",
               "The menu selection timeout.  This cannot be less than 1 second or greater than 60 seconds."),
        _limit("settingsMenu", "extensionDialingMaxDelay", "duration", 1000, None, "ArchSettingsMenuFlow.html",
               "The maximum delay for extension dialing.  This cannot be less than 1 second.", per_menu=False),
        _limit("settingsSpeechRec", "completeMatchTimeout", "duration", 100, 20_000, "ArchSettingsSpeechRecFlow.html",
               "The complete match timeout duration value.  This value can range from 100ms to 20000ms."),
        _limit("settingsSpeechRec", "incompleteMatchTimeout", "duration", 100, 20_000, "ArchSettingsSpeechRecFlow.html",
               "The incomplete match timeout duration value.  This value can range from 100ms to 20000ms."),
        _limit("settingsSpeechRec", "maxSpeechLengthTimeout", "duration", 100, 40_000, "ArchSettingsSpeechRecFlow.html",
               "The maximum overall speech allowed total duration value.  This value can range from 100ms to 40000ms."),
        _limit("settingsSpeechRec", "minConfidenceLevel", "integer", 0, 100, "ArchSettingsSpeechRecFlow.html",
               "The minimum speech rec confidence level integer value.  This value can range from 0 to 100."),
    )
}


def duration_ms(lit: Any) -> tuple[float, str, str] | None:
    """Milliseconds of a literal duration (units added up), its first unit key and the value as
    shown in a message; infinite when a part is too large to be a number. None: not a duration."""
    if not isinstance(lit, dict):
        return None
    total, first = 0.0, None
    for unit, value in lit.items():
        factor = _UNIT_MS.get(str(unit))
        if factor is None:
            return None
        n = read_number(value)
        if n.problem:
            return math.inf, str(unit), f"{{{unit}: {n.shown}}}: {n.problem}"
        if n.value is None:
            return None
        total += n.value * factor
        first = first or str(unit)
    if first is None:
        return None
    return total, first, (f"{total / 1000:g} s" if first != "ms" else f"{total:g} ms")
