"""lint-menu rules on menu timing: selection timeout, repeat count, no-input handling.

Archy writes the flow-wide defaults in `settingsMenu` at the flow level and lets each
menu override them in its own `settingsMenu`, where `noValue: true` means "inherit".
A flow with no `settingsMenu` block at all gets Architect's built-in defaults (10 s, 3
plays; several published provider examples rely on that).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ivr_ci.flow.model import Flow, Menu
from ivr_ci.rules.architect_limits import LIMITS, duration_ms
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line
from ivr_ci.rules.menu_common import (
    ABSENT,
    INHERIT,
    LITERAL,
    as_number,
    bool_option,
    menu_label,
    wrapped,
)
from ivr_ci.util.numbers import read_number

ARCHITECT_DEFAULT_REPEAT = 3  # plays of the prompt when the flow sets nothing
TIMEOUT = LIMITS[("settingsMenu", "menuSelectionTimeout")]
REPEAT = LIMITS[("settingsMenu", "repeatCount")]


def _settings(owner: Any) -> dict:
    return owner if isinstance(owner, dict) else {}


def flow_menu_settings(flow: Flow) -> dict:
    return _settings(flow.settings.get("settingsMenu"))


def _timeout_hits(block: dict, where: str) -> Iterator[Hit]:
    state, lit = wrapped(block.get("menuSelectionTimeout"))
    if state != LITERAL:
        return
    found = duration_ms(lit)
    if found is None:
        return
    ms, unit, shown = found
    if not TIMEOUT.accepts(ms):
        yield Hit(key_line(lit, unit, key_line(block, "menuSelectionTimeout")), message=(
            f"{where}: menuSelectionTimeout is {shown}; Architect accepts {TIMEOUT.describe()} "
            "(its default is 10 s)"))


@rule(
    "IVR104", "menu-timeout-range", stage="lint-menu", severity="error",
    summary="a menu selection timeout is outside the 1-60 seconds Architect accepts",
    rationale=f"""
        `menuSelectionTimeout` is how long Architect waits for a key or an utterance before
        replaying the prompt. Architect documents its range: "{TIMEOUT.quote}"
        ({TIMEOUT.source}); a flow outside it does not publish, and every value inside it is
        accepted. Checked at the flow level (`settingsMenu.menuSelectionTimeout.lit`, any
        duration units added up) and in each menu's override; `noValue` inherits and
        expressions or placeholders are not checked.
    """,
    bad="""
        settingsMenu:
          menuSelectionTimeout:
            lit: {seconds: 0}
    """,
    good="""
        settingsMenu:
          menuSelectionTimeout:
            lit: {seconds: 10}
    """,
)
def menu_timeout_range(ctx: FlowContext) -> Iterator[Hit]:
    yield from _timeout_hits(flow_menu_settings(ctx.flow), "flow settingsMenu")
    for menu in ctx.flow.menus:
        yield from _timeout_hits(_settings(menu.settings), f"menu {menu_label(menu)}")


def _repeat_literal(block: dict) -> tuple[str, Any]:
    state, lit = wrapped(block.get("repeatCount"))
    return state, lit


def _repeat_hit(block: dict, where: str) -> Iterator[Hit]:
    state, lit = _repeat_literal(block)
    if state != LITERAL:
        return
    reading = read_number(lit)
    n = reading.value
    if n is None or not REPEAT.accepts(n):
        shown = reading.shown + (f": {reading.problem}" if reading.problem else "")
        line = key_line(block.get("repeatCount"), "lit", key_line(block, "repeatCount"))
        yield Hit(line, message=(
            f"{where}: repeatCount is {shown}; Architect accepts a whole number from "
            f"{REPEAT.describe()} (its default is {ARCHITECT_DEFAULT_REPEAT})"))


@rule(
    "IVR105", "menu-repeat-range", stage="lint-menu", severity="error",
    summary="a menu repeat count is outside the 0-10 Architect accepts, or a menu inherits a flow default that has no value",
    rationale=f"""
        `repeatCount` is how many times Architect repeats the menu before giving up on a
        selection (then it runs the menu's default choice, or disconnects). Architect
        documents its range: "{REPEAT.quote}" ({REPEAT.source}); a value outside it does not
        publish, and every whole number inside it, 0 included, is accepted (a menu that never
        repeats and has no default choice is IVR115's warning). A menu whose own value is
        `noValue` inherits the flow-level `settingsMenu.repeatCount`; when that is explicitly
        `noValue` too there is nothing to inherit. (A flow without any `settingsMenu` block gets
        Architect's built-in default of 3 and is not reported.)
    """,
    bad="""
        settingsMenu:
          repeatCount:
            lit: 11
    """,
    good="""
        settingsMenu:
          repeatCount:
            lit: 3
    """,
)
def menu_repeat_range(ctx: FlowContext) -> Iterator[Hit]:
    flow_block = flow_menu_settings(ctx.flow)
    yield from _repeat_hit(flow_block, "flow settingsMenu")
    inheriting: list[Menu] = []
    for menu in ctx.flow.menus:
        block = _settings(menu.settings)
        yield from _repeat_hit(block, f"menu {menu_label(menu)}")
        if _repeat_literal(block)[0] in (ABSENT, INHERIT):
            inheriting.append(menu)
    if inheriting and _repeat_literal(flow_block)[0] == INHERIT:
        names = ", ".join(menu_label(m) for m in inheriting[:3]) + (" ..." if len(inheriting) > 3 else "")
        yield Hit(key_line(flow_block, "repeatCount"), message=(
            f"flow settingsMenu.repeatCount has no value, but {len(inheriting)} menu(s) inherit it "
            f"({names}); set `repeatCount: {{lit: {ARCHITECT_DEFAULT_REPEAT}}}`"))


def effective_repeat(flow: Flow, menu: Menu) -> float | None:
    """Plays of `menu`'s prompt, or None when only known at run time."""
    state, lit = _repeat_literal(_settings(menu.settings))
    if state == LITERAL:
        return as_number(lit)
    if state not in (ABSENT, INHERIT):
        return None
    flow_block = flow.settings.get("settingsMenu")
    state, lit = _repeat_literal(_settings(flow_block))
    if state == LITERAL:
        return as_number(lit)
    if state == ABSENT:
        return float(ARCHITECT_DEFAULT_REPEAT)
    return None


@rule(
    "IVR115", "no-input-handling", stage="lint-menu", severity="warning",
    summary="a menu neither re-prompts nor has a default choice: a silent caller is cut off",
    rationale="""
        When a caller presses nothing (or a key no choice answers), Architect replays the
        menu prompt until `repeatCount` plays are used up, then runs the menu's default choice
        (`defaultChildMenuRef`) or, without one, disconnects. A menu with no default choice
        and a single play (`repeatCount` 1, or 0) therefore drops anyone who hesitated or
        misdialled once. Give the menu a default choice (e.g. transfer to an agent) or at
        least one re-prompt. With the option `require-default-choice: true` every menu
        without a default choice is reported, whatever its repeat count.
    """,
    bad="""
        menu:
          name: Main Menu
          settingsMenu: {repeatCount: {lit: 1}}
          choices: [...]      # no defaultChildMenuRef
    """,
    good="""
        menu:
          name: Main Menu
          defaultChildMenuRef: ./choices/menuTransferToAcd[agent]
          choices: [...]
    """,
    options={"require-default-choice": False},
)
def no_input_handling(ctx: FlowContext) -> Iterator[Hit]:
    strict = bool_option(ctx, "IVR115", "require-default-choice")
    for menu in ctx.flow.menus:
        if menu.default_child_ref:
            continue
        plays = effective_repeat(ctx.flow, menu)
        if strict:
            yield Hit(menu.line, message=(
                f"menu {menu_label(menu)} has no default choice (defaultChildMenuRef): a caller who "
                "presses nothing is disconnected after the last replay; add a default choice"))
        elif plays is not None and plays <= 1:
            yield Hit(menu.line, message=(
                f"menu {menu_label(menu)} plays its prompt only {plays:g} time(s) and has no default "
                "choice: a caller who presses nothing or a wrong key is disconnected at once; add a "
                "defaultChildMenuRef or set repeatCount to 2 or more"))
