"""lint-menu rules: IVR menus as callers meet them (IVR1xx).

This module holds the keypad/choice rules; the other IVR1xx families live beside it, each
listed in `catalogue.FAMILIES`: `menu_settings` (timeouts, repeats, no-input), `menu_paths`
(depth, reachability, agent routes, ways back), `menu_prompts` (announced keys, languages),
`menu_guids` (hard-coded ids).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ivr_ci.flow.model import Choice, Menu
from ivr_ci.flow.yamlpos import YSeq
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line
from ivr_ci.rules.menu_common import choice_label, int_option, is_placeholder, menu_label, no_value


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


def _has_dtmf(choice: Choice) -> bool:
    return choice.dtmf is not None and not no_value(choice.dtmf)


@rule(
    "IVR102", "invalid-digit", stage="lint-menu", severity="error",
    summary="a choice's dtmf is not a keypad key (digit_0..digit_9, digit_*, digit_#)",
    rationale="""
        Archy writes keypad keys as `digit_<n>` (`digit_1`, and `digit_*` / `digit_#` for the
        star and pound keys). A bare number, `digit_10` or a typo is not a key any phone can
        send, so the choice can never be selected by keypad and publishing fails or, worse,
        the choice silently becomes speech-only. `{{key}}` placeholders are not checked.
    """,
    bad="""
        - menuTask:
            name: Billing
            dtmf: 2
    """,
    good="""
        - menuTask:
            name: Billing
            dtmf: digit_2
    """,
)
def invalid_digit(ctx: FlowContext) -> Iterator[Hit]:
    for menu in ctx.flow.menus:
        for choice in menu.choices:
            dtmf = choice.dtmf
            if choice.digit is not None or not _has_dtmf(choice) or is_placeholder(dtmf):
                continue
            if isinstance(dtmf, dict):  # an unknown wrapper: not ours to judge
                continue
            hint = f"digit_{dtmf}" if isinstance(dtmf, int) and 0 <= dtmf <= 9 else "digit_0..digit_9, " \
                "digit_* or digit_#"
            yield Hit(key_line(choice.raw, "dtmf", choice.line), message=(
                f"menu {menu_label(menu)}, choice {choice_label(choice)}: dtmf {dtmf!r} is not a "
                f"keypad key; write {hint}"))


def _has_speech(choice: Choice) -> bool:
    raw = choice.raw.get("speechRecTerms") if isinstance(choice.raw, dict) else None
    if is_placeholder(raw):
        return True
    return any(any(str(t).strip() for t in terms) for terms in choice.speech_terms.values())


def _default_choice(ctx: FlowContext, menu: Menu) -> Any:
    if not menu.default_child_ref:
        return None
    return ctx.refs.resolve(menu.default_child_ref, menu)


@rule(
    "IVR103", "unselectable-choice", stage="lint-menu", severity="error",
    summary="a menu choice has neither a dtmf key nor speech terms",
    rationale="""
        A caller selects a choice by pressing its `dtmf` key or saying one of its
        `speechRecTerms`. A choice with neither can never be selected (in the corpus every
        choice without `dtmf` carries speech terms, e.g. yes/no confirmation menus), so its
        actions are dead code and the caller who wanted it is stuck. The menu's default choice
        (`defaultChildMenuRef`) is exempt: Architect runs it when no selection is made.
    """,
    bad="""
        - menuTask:
            name: Agent
            task: {actions: [...]}
    """,
    good="""
        - menuTask:
            name: Agent
            dtmf: digit_0
            speechRecTerms: {en-us: {terms: [agent, operator]}}
            task: {actions: [...]}
    """,
)
def unselectable_choice(ctx: FlowContext) -> Iterator[Hit]:
    for menu in ctx.flow.menus:
        default = None
        for choice in menu.choices:
            if _has_dtmf(choice) or _has_speech(choice):
                continue
            default = default or _default_choice(ctx, menu)
            if choice is default:
                continue
            yield Hit(choice.line, message=(
                f"menu {menu_label(menu)}: choice {choice_label(choice)} has neither a dtmf key nor "
                "speech terms, so no caller can select it; add `dtmf: digit_N` or speechRecTerms "
                "(or make it the menu's defaultChildMenuRef)"))


@rule(
    "IVR107", "too-many-choices", stage="lint-menu", severity="warning",
    summary="a menu offers more choices than callers can keep in mind (option `max-choices`)",
    rationale="""
        Callers must remember every option read out before pressing a key; past about nine
        (one per digit key) they forget the early ones, replay the prompt or zero out. Group
        related options into a sub-menu. The limit is the `max-choices` option.
    """,
    bad="""
        choices:  # ten or more choices in one menu
          - menuTransferToAcd: {name: Sales, dtmf: digit_1}
          - ...
    """,
    good="""
        choices:  # nine or fewer; the rest one level down
          - menuTransferToAcd: {name: Sales, dtmf: digit_1}
          - menuJumpToMenu: {name: More options, dtmf: digit_9, targetMenuRef: ...}
    """,
    options={"max-choices": 9},
)
def too_many_choices(ctx: FlowContext) -> Iterator[Hit]:
    limit = int_option(ctx, "IVR107", "max-choices")
    for menu in ctx.flow.menus:
        if len(menu.choices) > limit:
            yield Hit(key_line(menu.raw, "choices", menu.line), message=(
                f"menu {menu_label(menu)} has {len(menu.choices)} choices (max-choices is {limit}); "
                "callers forget early options: move some into a sub-menu"))


def _terms(choice: Choice) -> Iterator[tuple[str, str, int]]:
    """(language, term, line) of each speech term; the line from the YAML where known."""
    spec = choice.raw.get("speechRecTerms") if isinstance(choice.raw, dict) else None
    for lang, terms in choice.speech_terms.items():
        entry = spec.get(lang) if isinstance(spec, dict) else None
        raw = entry.get("terms") if isinstance(entry, dict) else entry
        if isinstance(raw, YSeq):
            for item, pos in zip(raw, raw.item_pos, strict=False):
                if item is not None:
                    yield lang, str(item), pos.line
        else:
            for term in terms:
                yield lang, term, choice.line


def _normal_term(term: str) -> str:
    return "".join(term.split()).casefold()


@rule(
    "IVR112", "speech-term-collision", stage="lint-menu", severity="warning",
    summary="two choices of one menu listen for the same speech term",
    rationale="""
        Speech recognition returns one choice per utterance. When two choices list the same
        term for the same language (compared ignoring case and spaces), what a caller says
        picks one of them arbitrarily and the other is unreachable by voice.
    """,
    bad="""
        - menuTask: {name: Billing, speechRecTerms: {en-us: {terms: [billing, payments]}}}
        - menuTask: {name: Payments, speechRecTerms: {en-us: {terms: [Payments]}}}
    """,
    good="""
        - menuTask: {name: Billing, speechRecTerms: {en-us: {terms: [billing, invoice]}}}
        - menuTask: {name: Payments, speechRecTerms: {en-us: {terms: [payments]}}}
    """,
)
def speech_term_collision(ctx: FlowContext) -> Iterator[Hit]:
    for menu in ctx.flow.menus:
        owner: dict[tuple[str, str], Choice] = {}
        for choice in menu.choices:
            for lang, term, line in _terms(choice):
                key = (lang.lower(), _normal_term(term))
                if not key[1]:
                    continue
                first = owner.setdefault(key, choice)
                if first is not choice:
                    yield Hit(line, message=(
                        f"menu {menu_label(menu)}: speech term '{term}' ({lang}) of choice "
                        f"{choice_label(choice)} is also a term of choice {choice_label(first)}; "
                        "a caller saying it reaches only one of them: make the terms distinct"))
