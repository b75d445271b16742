"""Control flow inside action lists: which actions end a path, wait for the caller, or fall through.

Architect runs an action list top to bottom. A branching action (decision, switch,
collectInput, callData...) runs one of its output paths; a path that does not end in a
terminating action continues with the next action of the list holding the branching action.
An output the YAML does not write is an empty path, so it falls through too. Transfers end the
flow when they succeed; when they fail, their `failure` path runs and then the list continues.
"""

from __future__ import annotations

from dataclasses import dataclass

from ivr_ci.flow.model import Action
from ivr_ci.flow.types import TERMINAL_ACTIONS

# Outputs that together cover every outcome: with all of them written, no implicit path remains.
EXHAUSTIVE_OUTPUTS: dict[str, frozenset[str]] = {
    "decision": frozenset({"yes", "no"}),
    "collectInput": frozenset({"success", "failure"}),
    "callData": frozenset({"success", "failure", "timeout"}),
    "callDataSecure": frozenset({"success", "failure", "timeout"}),
    "evaluateSchedule": frozenset({"active", "inactive"}),
    "findQueue": frozenset({"found", "notFound"}),
    "findQueueById": frozenset({"found", "notFound"}),
    "findUser": frozenset({"found", "notFound"}),
    "findUserById": frozenset({"found", "notFound"}),
    "getExternalContact": frozenset({"found", "notFound"}),
    "dataTableLookup": frozenset({"found", "notFound", "failure"}),
    "askForBoolean": frozenset({"yes", "no", "maxNoInputs", "maxNoMatches"}),
}

# Terminating actions that can fail: their `failure` path runs and the list continues.
FALLIBLE_TRANSFERS = frozenset(t for t in TERMINAL_ACTIONS if t.startswith("transferTo"))

# Actions during which the caller (or the clock) acts: a jump loop through one of these is not a spin.
WAITING_ACTIONS = frozenset({
    "collectInput", "askForIntent", "askForBoolean", "askForSlot", "askForYesNo", "digitalMenu",
    "wait", "holdMusic", "dialByExtension", "callBotFlow", "callDigitalBotFlow", "callLexBot",
    "callLexV2Bot", "callDialogflowBot", "callDialogflowCXBot", "callNuanceBot",
    "callGenesysDialogEngineBot", "getUserInput",
})


def missing_outputs(action: Action) -> list[str]:
    """Outcomes of a branching action that have no written path (they fall through)."""
    if action.type == "switch":
        return [] if "default" in action.branches else ["default"]
    expected = EXHAUSTIVE_OUTPUTS.get(action.type)
    if expected is None:
        return ["(next)"]  # outputs unknown: assume an outcome without a written path
    return sorted(expected - set(action.branches))


def action_falls_through(action: Action) -> bool:
    """Can running this action continue with the next action of its list?"""
    if action.type in TERMINAL_ACTIONS:
        if action.type in FALLIBLE_TRANSFERS:
            failure = action.branches.get("failure")
            return failure is None or falls_through(failure)
        return False
    if action.type == "switch" or action.type in EXHAUSTIVE_OUTPUTS:
        if missing_outputs(action):
            return True
        return any(falls_through(path) for path in action.branches.values())
    return True


def falls_through(actions: list[Action]) -> bool:
    """Can running this list reach its end (and continue after it)?"""
    return all(action_falls_through(a) for a in actions)


@dataclass(frozen=True)
class FallThrough:
    """Why a list can reach its end: the action where it happens and a sentence."""

    action: Action | None
    reason: str


def _label(action: Action) -> str:
    return f"{action.type} '{action.name}'" if action.name else action.type


def explain_fall_through(actions: list[Action]) -> FallThrough | None:
    """The deepest place that lets a list reach its end, or None when it cannot."""
    if not actions:
        return FallThrough(None, "it has no actions")
    if not falls_through(actions):
        return None
    last = actions[-1]
    if last.type in FALLIBLE_TRANSFERS:
        failure = last.branches.get("failure")
        if failure is None:
            return FallThrough(last, f"{_label(last)} (line {last.line}) has no failure path, so a failed "
                                     "transfer runs on past the end")
        inner = explain_fall_through(failure)
        return _nest(last, "failure", inner)
    if last.type == "switch" or last.type in EXHAUSTIVE_OUTPUTS:
        missing = missing_outputs(last)
        if missing:
            return FallThrough(last, f"{_label(last)} (line {last.line}) has no '{missing[0]}' path")
        for name, path in last.branches.items():
            if falls_through(path):
                return _nest(last, name, explain_fall_through(path))
    return FallThrough(last, f"it ends with {_label(last)} (line {last.line}), which does not end the call")


def _nest(parent: Action, branch: str, inner: FallThrough | None) -> FallThrough:
    if inner is None or inner.action is None:
        return FallThrough(parent, f"the '{branch}' path of {_label(parent)} (line {parent.line}) is empty")
    return FallThrough(inner.action, f"in the '{branch}' path of {_label(parent)}: {inner.reason}")
