"""IVR210: flow settings outside the ranges Architect documents (speech recognition, extension dialing).

The menu timeout and repeat count have their own lint-menu rules (IVR104, IVR105); every
limit comes from `architect_limits.LIMITS`, which quotes Architect's documentation.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from ivr_ci.rules.architect_limits import LIMITS, Limit, duration_ms
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line
from ivr_ci.rules.menu_common import LITERAL, menu_label, wrapped
from ivr_ci.util.numbers import read_number

# IVR104 / IVR105 own these two
_OWN = [lim for key, lim in LIMITS.items() if key not in {("settingsMenu", "menuSelectionTimeout"),
                                                           ("settingsMenu", "repeatCount")}]


def _cited(limits: list[Limit]) -> str:
    return "; ".join(f"`{lim.block}.{lim.key}` {lim.describe()} (\"{lim.quote.split('  ')[-1]}\", "
                     f"{lim.page}#{lim.member})" for lim in limits)


def _check(block: Any, where: str, menu: bool = False) -> Iterator[Hit]:
    if not isinstance(block, dict):
        return
    for lim in _OWN:
        if menu and not lim.per_menu:
            continue
        state, lit = wrapped(block.get(lim.key))
        if state != LITERAL:
            continue
        if lim.kind == "duration":
            found = duration_ms(lit)
            value, shown = (found[0], found[2]) if found else (None, "")
        else:
            reading = read_number(lit)
            value = reading.value if not reading.problem else math.inf
            shown = reading.shown + (f": {reading.problem}" if reading.problem else "")
        if value is None or lim.accepts(value):
            continue
        holder = block.get(lim.key)
        yield Hit(key_line(holder, "lit", key_line(block, lim.key)), message=(
            f"{where}{lim.block}.{lim.key} is {shown}; Architect accepts {lim.describe()} "
            f"({lim.page}#{lim.member})"))


@rule(
    "IVR210", "setting-range", stage="validate-flow", severity="error",
    summary="a speech-recognition or extension-dialing setting is outside the range Architect documents",
    rationale=f"""
        Architect refuses to publish a flow whose settings are outside their documented
        ranges, and accepts every value inside them. The ranges, from the Architect
        Scripting SDK documentation (purecloud-flow-scripting-api-sdk-javascript,
        src/scripting/documentation): {_cited(_OWN)}. Checked in the flow-level
        `settingsMenu` / `settingsSpeechRec` blocks and in each menu's own
        `settingsSpeechRec`; `noValue` (inherit), expressions and placeholders are not checked.
    """,
    bad="""
        settingsSpeechRec:
          completeMatchTimeout:
            lit: {ms: 50}
          minConfidenceLevel:
            lit: 120
    """,
    good="""
        settingsSpeechRec:
          completeMatchTimeout:
            lit: {ms: 100}
          minConfidenceLevel:
            lit: 50
    """,
)
def setting_range(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    for name in ("settingsMenu", "settingsSpeechRec"):
        yield from _check(flow.settings.get(name), "")
    for menu in flow.menus:
        raw = menu.raw if isinstance(menu.raw, dict) else {}
        yield from _check(raw.get("settingsSpeechRec"), f"menu {menu_label(menu)}: ", menu=True)
        yield from _check(raw.get("settingsMenu"), f"menu {menu_label(menu)}: ", menu=True)
