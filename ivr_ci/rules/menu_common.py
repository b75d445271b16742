"""Small helpers shared by the lint-menu rule modules (labels, value wrappers, options)."""

from __future__ import annotations

from typing import Any

from ivr_ci.errors import ConfigError
from ivr_ci.flow.model import Choice, Menu
from ivr_ci.rules.context import FlowContext
from ivr_ci.util.numbers import read_number

# How a settings value is given (Archy wraps nearly every value in a one-key mapping).
ABSENT, INHERIT, LITERAL, DYNAMIC = "absent", "inherit", "literal", "dynamic"


def menu_label(menu: Menu) -> str:
    return f"'{menu.name or menu.ref_id or '(unnamed)'}'"


def choice_label(choice: Choice) -> str:
    return f"'{choice.name or choice.ref_id or choice.kind}'"


def is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and "{{" in value


def no_value(value: Any) -> bool:
    """`{noValue: true}`: explicitly not set (inherit the flow default)."""
    return isinstance(value, dict) and value.get("noValue") in (True, "true")


def wrapped(value: Any) -> tuple[str, Any]:
    """(ABSENT|INHERIT|LITERAL|DYNAMIC, literal payload) of an Archy value."""
    if value is None:
        return ABSENT, None
    if isinstance(value, dict):
        if no_value(value):
            return INHERIT, None
        if "lit" in value:
            lit = value["lit"]
            return (DYNAMIC, None) if is_placeholder(lit) else (LITERAL, lit)
        return DYNAMIC, None  # exp/var: only known at run time
    if is_placeholder(value):
        return DYNAMIC, None
    return LITERAL, value


def as_number(value: Any) -> float | None:
    """A finite literal number (also written as a string); None when it is not one (or is
    one no setting can hold: see ivr_ci.util.numbers)."""
    return read_number(value).value


def int_option(ctx: FlowContext, rule_id: str, name: str, minimum: int = 1) -> int:
    """A whole-number rule option from `.ivr-ci.yaml` lint.options, validated."""
    value = ctx.options.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        where = ctx.config.path or ".ivr-ci.yaml"
        raise ConfigError(f"{where}: lint.options.{rule_id}.{name} must be a whole number >= {minimum}, "
                          f"got {value!r}")
    return value


def bool_option(ctx: FlowContext, rule_id: str, name: str) -> bool:
    value = ctx.options.get(name)
    if not isinstance(value, bool):
        where = ctx.config.path or ".ivr-ci.yaml"
        raise ConfigError(f"{where}: lint.options.{rule_id}.{name} must be true or false, got {value!r}")
    return value
