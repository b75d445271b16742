"""The one rule catalogue: ids, severities, messages, rationale and examples.

Rule docs (`docs/rules.md`), SARIF rule metadata and `ivr-ci rules` are generated from
here. A rule is a function decorated with `@rule(...)`; it yields `Hit`s and the engine
turns them into findings with the configured severity.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ivr_ci.findings import Severity
from ivr_ci.stages import RULE_STAGES

STAGES = RULE_STAGES  # "load" and every command of ivr_ci/stages.py with rules=True


@dataclass(frozen=True)
class Hit:
    """One problem a rule found: where, and the message (defaults to the rule's summary)."""

    line: int
    col: int = 1
    message: str | None = None
    path: str | None = None  # another file (cross-file rules)
    end_line: int | None = None
    end_col: int | None = None


_Check = TypeVar("_Check", bound=Callable[..., Iterable[Hit]])  # a rule's check function


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    stage: str
    severity: Severity
    summary: str
    rationale: str
    bad: str
    good: str
    scope: str = "flow"  # "flow": check(FlowContext); "set": check(SetContext) over all files
    options: dict[str, Any] = field(default_factory=dict)
    check: Callable[..., Iterable[Hit]] | None = None

    @property
    def help_uri(self) -> str:
        return f"https://github.com/ivr-ci/ivr-ci/blob/main/docs/rules.md#{self.id.lower()}"


RULES: dict[str, Rule] = {}
# Every module under ivr_ci/rules that defines rules, one family each, with the stages its rules
# belong to: `load_catalogue()` imports exactly these, and a command imports only the families of
# its own stage (a test fails on a rule module missing here, or on stages that do not match).
# Add a family: one module + one line.
FAMILIES: dict[str, tuple[str, ...]] = {
    "load_rules": ("load",),  # IVR0xx: loading problems (every stage)
    "menu": ("lint-menu",),  # IVR1xx: keypad and choices
    "menu_settings": ("lint-menu",),  # IVR1xx: timeouts, repeats, no-input
    "menu_paths": ("lint-menu",),  # IVR1xx: depth, reachability, agent routes, ways back
    "menu_prompts": ("lint-menu",),  # IVR1xx: announced keys, languages
    "menu_guids": ("lint-menu",),  # IVR1xx: hard-coded ids
    "structure": ("validate-flow",),  # IVR2xx
    "settings_ranges": ("validate-flow",),  # IVR210: settings outside Architect's documented ranges
    "graph": ("validate-flow",),  # IVR2xx: references and reachability
    "flow_keys": ("validate-flow",),  # IVR230: misspelt flow-level keys
    "crossfile": ("validate-flow",),  # IVR3xx: flows calling flows
    "substitution": ("validate-flow",),  # IVR4xx: placeholders and environments
    "paths": ("validate-flow",),  # IVR501: *.paths.yaml assertions
    "expressions": ("validate-flow",),  # IVR6xx: Architect expressions
    "prompts": ("lint-menu", "validate-flow"),  # IVR7xx: user prompts
    "maintenance": ("validate-flow",),  # IVR8xx: maintenance windows
}


def _clean(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


def register(rule_obj: Rule) -> Rule:
    if rule_obj.id in RULES:
        raise ValueError(f"duplicate rule id {rule_obj.id}")
    if rule_obj.stage not in STAGES:
        raise ValueError(f"{rule_obj.id}: unknown stage {rule_obj.stage}")
    RULES[rule_obj.id] = rule_obj
    return rule_obj


def rule(id: str, name: str, *, stage: str, severity: str, summary: str, rationale: str,
         bad: str, good: str, scope: str = "flow", options: dict[str, Any] | None = None
         ) -> Callable[[_Check], _Check]:
    """Decorator: register the function as the check of a new rule (the function is unchanged)."""

    def wrap(fn: _Check) -> _Check:
        register(Rule(id, name, stage, Severity(severity), summary, _clean(rationale), _clean(bad),
                      _clean(good), scope, dict(options or {}), fn))
        return fn

    return wrap


def load_catalogue(stages: Iterable[str] | None = None) -> dict[str, Rule]:
    """Import the rule modules once (all of them, or only the families with rules of `stages`);
    returns the catalogue, or the rules of `stages`, ordered by id."""
    import importlib

    wanted = None if stages is None else frozenset(stages)
    for module, module_stages in FAMILIES.items():
        if wanted is None or not wanted.isdisjoint(module_stages):
            importlib.import_module(f"ivr_ci.rules.{module}")
    return dict(sorted((k, r) for k, r in RULES.items() if wanted is None or r.stage in wanted))
