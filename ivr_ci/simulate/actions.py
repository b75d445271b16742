"""Action and menu-choice handlers: what each Archy action does to the simulated call.

Handlers take (simulator, action) and either return (the next action runs) or raise one of the
engine's control exceptions. Outside-world actions (data actions, lookups, schedules, caller
input) are in `ivr_ci.simulate.external`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ivr_ci.expr.ops import equal
from ivr_ci.expr.values import (
    ExprError,
    ExprRuntimeError,
    NotSet,
    OrgObject,
    Unknown,
    is_not_set,
)
from ivr_ci.expr.values import trace_text as display
from ivr_ci.flow.build import single_key
from ivr_ci.flow.model import Action, Choice, Menu
from ivr_ci.flow.types import TERMINAL_ACTIONS
from ivr_ci.flow.yamlpos import YMap
from ivr_ci.simulate.engine import EndState, EndTask, LoopControl, PreviousMenu, RepeatMenu, Stop, line_of
from ivr_ci.simulate.handlers import HandlerTable, label
from ivr_ci.simulate.trace import Outcome

if TYPE_CHECKING:
    from ivr_ci.simulate.engine import Simulator

CORE = HandlerTable()  # the flow's own actions; external.OUTSIDE has the outside world's
handles = CORE.handles
MAX_LOOP_ITERATIONS = 1000


class Walker:
    """Runs actions and menu choices with one handler table (ivr_ci.simulate.run builds it)."""

    def __init__(self, handlers: HandlerTable) -> None:
        self.handlers = handlers

    def run_action(self, sim: Simulator, action: Action) -> None:
        run_action(sim, action, self.handlers)

    def run_choice(self, sim: Simulator, choice: Choice) -> None:
        run_choice(sim, choice, self.handlers)


def run_action(sim: Simulator, action: Action, handlers: HandlerTable) -> None:
    if not isinstance(action.raw, dict):  # `- disconnect:` with no body: same as an empty one
        action = replace(action, raw=YMap())
    handler = handlers.get(action.type)
    if handler is not None:
        handler(sim, action)
        return
    if not action.type:
        raise sim.broken("an action list item is not a single-key mapping", action.line)
    if action.type in TERMINAL_ACTIONS or any(action.branches.values()):
        raise sim.cannot(f"action {action.type} is not simulated and it decides where the flow goes",
                         action.line)
    # Everything else (setScreenPop, setWrapupCode...) does not change the caller's path.
    sim.step("action", f"{label(action)} (no effect on the path)", action.line, action.path)


# --- audio, messages, data ---------------------------------------------------------------------

@handles("playAudio")
def _play(sim: Simulator, a: Action) -> None:
    sim.hear("play", a.raw.get("audio"), line_of(a.raw, "audio", a.line), label(a))


@handles("sendResponse", "communicate", "sendAutoReply")
def _message(sim: Simulator, a: Action) -> None:
    key = next((k for k in ("messageBody", "communication") if k in a.raw), None)
    sim.hear("message", a.raw.get(key) if key else None, line_of(a.raw, key, a.line), label(a))
    if key is None:
        sim.step("action", label(a), a.line, a.path)


@handles("holdMusic")
def _hold(sim: Simulator, a: Action) -> None:
    sim.hear("play", a.raw.get("prompt"), line_of(a.raw, "prompt", a.line), label(a))


@handles("updateData")
def _update(sim: Simulator, a: Action) -> None:
    statements = a.raw.get("statements")
    for i, item in enumerate(statements if isinstance(statements, list) else []):
        kv = single_key(item)
        if kv is None or not isinstance(kv[1], dict) or not isinstance(kv[1].get("variable"), str):
            continue
        stype, body = kv
        line = statements.item_pos[i].line if hasattr(statements, "item_pos") else a.line
        sim.vars.declare(body["variable"], stype)
        sim.assign(body["variable"], sim.value(body.get("value"), line), line, label(a))


@handles("setLanguage")
def _set_language(sim: Simulator, a: Action) -> None:
    value = sim.value(a.raw.get("language"), line_of(a.raw, "language", a.line))
    if isinstance(value, (str, OrgObject)):
        sim.values.language = str(value).lower()
    sim.step("action", f"{label(a)}: language {display(value)}", a.line, a.path)


# --- decisions, switches, loops ----------------------------------------------------------------

def _condition(sim: Simulator, raw: Any, line: int, what: str) -> bool:
    value = sim.value(raw, line)
    if isinstance(value, Unknown):
        expr = raw.get("exp") if isinstance(raw, dict) else raw
        raise sim.cannot(f"{what}: `{display(expr)}` depends on {value.reason}", line)
    try:
        return as_bool(value, what)
    except ExprRuntimeError as exc:
        raise sim.runtime_error(str(exc), line) from None
    except ExprError as exc:  # not a boolean
        raise sim.cannot(f"{what}: {exc}", line) from None


def as_bool(value: Any, where: str) -> bool:
    """A condition's value: a NOT_SET Boolean is a runtime error (Architect's error handling)."""
    if isinstance(value, NotSet):
        raise ExprRuntimeError(f"{where}: a NOT_SET boolean")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # text given on the command line
        return value.lower() == "true"
    from ivr_ci.expr.values import ExprTypeError

    raise ExprTypeError(f"{where}: {display(value)!r} is not a boolean")


@handles("decision")
def _decision(sim: Simulator, a: Action) -> None:
    line = line_of(a.raw, "condition", a.line)
    result = _condition(sim, a.raw.get("condition"), line, label(a))
    branch = "yes" if result else "no"
    cond = a.raw.get("condition")
    shown = cond.get("exp") if isinstance(cond, dict) and isinstance(cond.get("exp"), str) else "condition"
    sim.step("decision", f"{label(a)}: {shown} -> {branch}", line, a.path)
    sim.run_branch(a, branch)


@handles("switch")
def _switch(sim: Simulator, a: Action) -> None:
    evaluate = a.raw.get("evaluate")
    first_true = evaluate.get("firstTrue") if isinstance(evaluate, dict) else None
    first_match = evaluate.get("firstMatch") if isinstance(evaluate, dict) else None
    if isinstance(first_match, dict) and len(first_match) == 1:
        first_true = next(iter(first_match.values()))
    if not isinstance(first_true, dict):
        raise sim.cannot(f"{label(a)}: switch form not simulated", a.line)
    subject = None
    if first_match is not None:
        subject = sim.value(first_true.get("value"), line_of(first_true, "value", a.line))
        if isinstance(subject, Unknown):
            raise sim.cannot(f"{label(a)}: the value switched on depends on {subject.reason}", a.line)
    cases = first_true.get("cases")
    for i, item in enumerate(cases if isinstance(cases, list) else []):
        case = item.get("case") if isinstance(item, dict) else None
        if not isinstance(case, dict):
            continue
        line = line_of(case, "value", a.line)
        if first_match is not None:
            value = sim.value(case.get("value"), line)
            if isinstance(value, Unknown):
                raise sim.cannot(f"{label(a)} case {i + 1}: depends on {value.reason}", line)
            hit = equal(subject, value)
        else:
            hit = _condition(sim, case.get("value"), line, f"{label(a)} case {i + 1}")
        if hit:
            sim.step("decision", f"{label(a)}: case {i + 1} is the first that holds", line, a.path)
            sim.run_branch(a, f"case[{i}]")
            return
    sim.step("decision", f"{label(a)}: no case holds -> default", a.line, a.path)
    sim.run_branch(a, "default")


@handles("loop")
def _loop(sim: Simulator, a: Action) -> None:
    line = line_of(a.raw, "loopCount", a.line)
    index_var = a.raw.get("currentIndex", {}).get("var") if isinstance(a.raw.get("currentIndex"), dict) \
        else None
    if isinstance(index_var, str):  # the index starts at 0 before the count is read
        sim.vars.set(index_var, 0)
    count = sim.value(a.raw.get("loopCount"), line)
    if isinstance(count, Unknown):
        raise sim.cannot(f"{label(a)}: loop count depends on {count.reason}", line)
    if not isinstance(count, int) or isinstance(count, bool):
        raise sim.cannot(f"{label(a)}: loop count {display(count)} is not an integer", line)
    sim.step("action", f"{label(a)}: {count} iteration(s)", line, a.path)
    for i in range(min(count, MAX_LOOP_ITERATIONS)):
        if isinstance(index_var, str):
            sim.vars.set(index_var, i)
        try:
            sim.run_branch(a, "loop")
        except LoopControl as ctl:
            if ctl.kind == "exit":
                break


@handles("loopNext")
def _loop_next(sim: Simulator, a: Action) -> None:
    raise LoopControl("next")


@handles("loopExit")
def _loop_exit(sim: Simulator, a: Action) -> None:
    raise LoopControl("exit")


# --- navigation --------------------------------------------------------------------------------

@handles("jumpToTask", "jumpToMenu", "changeState", "jumpToBot")
def _jump(sim: Simulator, a: Action) -> None:
    key = {"jumpToTask": "targetTaskRef", "jumpToMenu": "targetMenuRef", "changeState": "targetStateRef",
           "jumpToBot": "targetBotRef"}[a.type]
    target = sim.resolve(a, key)
    raise sim.goto(target, line_of(a.raw, key, a.line), label(a))


@handles("callTask")
def _call_task(sim: Simulator, a: Action) -> None:
    target = sim.resolve(a, "targetTaskRef")
    path = sim.call_task(a, target)
    sim.run_branch(a, path if path and path in a.branches else "default")


@handles("endTask")
def _end_task(sim: Simulator, a: Action) -> None:
    out = a.raw.get("outputPath")
    name = out.get("name") if isinstance(out, dict) else None
    sim.step("action", label(a), a.line, a.path)
    raise EndTask(str(name) if name is not None else None)


@handles("endState")
def _end_state(sim: Simulator, a: Action) -> None:
    sim.step("action", label(a), a.line, a.path)
    raise EndState()


@handles("previousMenu")
def _previous(sim: Simulator, a: Action) -> None:
    sim.step("jump", f"{label(a)}: back to the previous menu", a.line, a.path)
    raise PreviousMenu()


@handles("repeatMenu", "returnToMenu")
def _repeat(sim: Simulator, a: Action) -> None:
    sim.step("jump", f"{label(a)}: the current menu again", a.line, a.path)
    raise RepeatMenu()


# --- outcomes ------------------------------------------------------------------------------------

@handles("disconnect", "disconnectWorkitem")
def _disconnect(sim: Simulator, a: Action) -> None:
    raise Stop(Outcome("disconnect", label(a), line=a.line))


@handles("endWorkflow", "endFlow", "exitBotFlow", "exitWorkitemFlow", "completeSurveyInvite",
         "abortSurveyInvite")
def _end(sim: Simulator, a: Action) -> None:
    raise Stop(Outcome("end", label(a), line=a.line))


_TRANSFER_TARGETS = {  # action -> (outcome, target type, keys holding the target)
    "transferToAcd": ("transfer", "queue", ("targetQueue",)),
    "transferToUser": ("transfer", "user", ("targetUser", "user")),
    "transferToGroup": ("transfer", "group", ("targetGroup", "group")),
    "transferToNumber": ("transfer", "number", ("targetNumber", "number", "phoneNumber")),
    "transferToFlow": ("transfer", "flow", ("targetFlow",)),
    "transferToFlowSecure": ("transfer", "flow", ("targetFlow",)),
}


@handles(*_TRANSFER_TARGETS)
def _transfer(sim: Simulator, a: Action) -> None:
    outcome, ttype, keys = _TRANSFER_TARGETS[a.type]
    key = next((k for k in keys if k in a.raw), keys[0])
    finish_transfer(sim, a, outcome, ttype, a.raw.get(key), line_of(a.raw, key, a.line))


@handles("transferToVoicemail")
def _voicemail(sim: Simulator, a: Action) -> None:
    dest = a.raw.get("destination")
    kv = single_key(dest) if isinstance(dest, dict) else None
    if kv is None or not isinstance(kv[1], dict):
        raise sim.cannot(f"{label(a)}: voicemail destination form not simulated", a.line)
    ttype = kv[0]
    key = next((k for k in kv[1] if str(k).lower().startswith("target")), None)
    raw = kv[1].get(key) if key else None
    if raw is None:  # e.g. a user's own voicemail given another way
        sim.step("action", label(a), a.line, a.path)
        raise Stop(Outcome("voicemail", label(a), ttype, None, a.line))
    sim.hear("play", kv[1].get("voicemailGreeting"), line_of(kv[1], "voicemailGreeting", a.line),
             "voicemail greeting")
    finish_transfer(sim, a, "voicemail", ttype, raw, line_of(kv[1], key, a.line))


def finish_transfer(sim: Simulator, a: Action, outcome: str, ttype: str, raw: Any, line: int) -> None:
    kind = {"number": None, "flow": "flow"}.get(ttype, ttype)
    target = sim.value(raw, line, kind)
    if isinstance(target, Unknown):
        raise sim.cannot(f"{label(a)}: the {ttype} depends on {target.reason}", line)
    if is_not_set(target):  # Architect takes the transfer's failure output
        sim.step("action", f"{label(a)}: the {ttype} is NOT_SET, the transfer fails", line, a.path)
        sim.hear("play", a.raw.get("failureTransferAudio"), line_of(a.raw, "failureTransferAudio", line),
                 "failure transfer audio")
        sim.run_branch(a, "failure")
        return
    sim.hear("play", a.raw.get("preTransferAudio"), line_of(a.raw, "preTransferAudio", line),
             "pre-transfer audio")
    raise Stop(Outcome(outcome, label(a), ttype, display(target), line))


# --- menu choices ------------------------------------------------------------------------------

_CHOICE_ACTIONS = {  # menu choice kind -> the action it behaves as
    "menuTransferToAcd": "transferToAcd", "menuTransferToUser": "transferToUser",
    "menuTransferUser": "transferToUser", "menuTransferGroup": "transferToGroup",
    "menuTransferToGroup": "transferToGroup", "menuTransferToNumber": "transferToNumber",
    "menuTransferExternal": "transferToNumber", "menuTransferToVoicemail": "transferToVoicemail",
    "menuTransferVoicemail": "transferToVoicemail", "menuTransferFlow": "transferToFlow",
    "menuTransferFlowSecure": "transferToFlowSecure", "menuDisconnect": "disconnect",
}


def run_choice(sim: Simulator, choice: Choice, handlers: HandlerTable) -> None:
    kind = choice.kind
    if kind == "menuTask":
        sim.run_inline_task(choice.actions, f"the task of choice \"{choice.name}\"", choice.line)
    if kind in _CHOICE_ACTIONS:
        as_action = Action(choice.path, choice.line, choice.col, choice.raw, type=_CHOICE_ACTIONS[kind],
                           name=choice.name)
        handlers[as_action.type](sim, as_action)
        raise sim.cannot(f"choice \"{choice.name}\" did not end the call", choice.line)
    if kind in ("menuJumpToTask", "menuJumpToMenu", "menuSubMenu", "menuMenu"):
        target = sim.refs.resolve(choice.target_ref) if choice.target_ref else None
        if target is None and isinstance(choice.raw.get("menu"), dict):
            target = _inline_menu(sim, choice)
        if target is None:
            raise sim.broken(f"choice \"{choice.name}\": target '{choice.target_ref}' does not resolve",
                             choice.line)
        raise sim.goto(target, choice.line, f"choice \"{choice.name}\"")
    if kind == "menuPreviousMenu":
        raise PreviousMenu()
    if kind == "menuRepeatMenu":
        raise RepeatMenu()
    raise sim.cannot(f"menu choice {kind} (\"{choice.name}\") is not simulated", choice.line)


def _inline_menu(sim: Simulator, choice: Choice) -> Menu:
    """A sub-menu written inside its choice (`menuSubMenu: {menu: {...}}`)."""
    from ivr_ci.flow.build import _Builder
    from ivr_ci.flow.model import Flow
    from ivr_ci.flow.yamlpos import YSeq

    holder = YSeq([{"menu": choice.raw["menu"]}])
    holder.item_pos = [choice.raw.key_pos["menu"]] if hasattr(choice.raw, "key_pos") else []
    scratch = Flow(sim.flow.type, sim.flow.name, sim.flow.path, sim.flow.raw)
    menu = _Builder(scratch).menu(choice.raw["menu"], 0, holder)
    menu.path = f"{choice.path}/menu"
    return menu
