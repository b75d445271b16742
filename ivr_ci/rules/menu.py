"""lint-menu rules: IVR menus as callers meet them (IVR1xx)."""

from __future__ import annotations

from collections.abc import Iterator

from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line


@rule(
    "IVR101", "duplicate-digit", stage="lint-menu", severity="error",
    summary="two choices in one menu answer the same keypad digit",
    rationale="""
        Architect only ever runs one of them, so the other choice is unreachable by keypad
        and callers pressing that digit get whichever Architect picked.
    """,
    bad="""
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1}
          - menuTransferToAcd: {name: Support, dtmf: digit_1}
    """,
    good="""
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1}
          - menuTransferToAcd: {name: Support, dtmf: digit_2}
    """,
)
def duplicate_digit(ctx: FlowContext) -> Iterator[Hit]:
    for menu in ctx.flow.menus:
        seen: dict[str, str] = {}
        for choice in menu.choices:
            if choice.digit is None:
                continue
            if choice.digit in seen:
                yield Hit(key_line(choice.raw, "dtmf", choice.line), message=(
                    f"menu '{menu.name}': digit {choice.digit} is already taken by choice "
                    f"'{seen[choice.digit]}'; choice '{choice.name}' is unreachable by keypad"))
            else:
                seen[choice.digit] = str(choice.name)
