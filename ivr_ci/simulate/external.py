"""Actions whose result comes from outside the flow: data actions, lookups, schedules, caller
input, participant data, bots and common modules.

Their results are declared by the user (`--data-action`, `--open`, `--set`, `--keys`, or a case in
a `*.paths.yaml`). Undeclared results are Unknown; a walk stops ("cannot decide") only where the
flow's path actually depends on one, and the message names what to declare.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr_ci.expr.values import NOT_SET, OrgObject, Unknown, is_not_set
from ivr_ci.expr.values import trace_text as display
from ivr_ci.flow.build import single_key
from ivr_ci.flow.model import Action
from ivr_ci.simulate.archy_values import object_type
from ivr_ci.simulate.engine import line_of
from ivr_ci.simulate.handlers import HandlerTable, label
from ivr_ci.simulate.world import NO_INPUT, Stub

if TYPE_CHECKING:
    from ivr_ci.simulate.engine import Simulator

OUTSIDE = HandlerTable()  # actions whose result comes from outside the flow
handles = OUTSIDE.handles
_SYNONYMS = {"success": "found", "found": "success", "failure": "notfound", "notfound": "failure"}


def _choose_path(sim: Simulator, a: Action, keys: list[str], paths: tuple[str, ...],
                 what: str) -> tuple[str | None, Stub | None]:
    """The declared output path of an outside-world action (None: undeclared, path irrelevant)."""
    stub, _found = sim.inp.stub([k for k in (*keys, a.name) if k])
    known = {p.lower(): p for p in (*paths, *a.branches)}
    if stub is not None and stub.path:
        want = stub.path.lower()
        path = known.get(want) or known.get(_SYNONYMS.get(want, ""))
        if path is None:
            raise sim.cannot(f"{what} '{keys[0]}': declared result '{stub.path}' is not one of "
                             f"{', '.join(sorted(set(known.values())))}", a.line)
        sim.step("action", f"{label(a)}: {what} '{keys[0]}' -> {path} (declared)", a.line, a.path)
        return path, stub
    if any(a.branches.get(p) for p in known.values()):
        raise sim.cannot(f"{what} '{keys[0]}' has no declared result and its outputs lead to different "
                         f"places (declare it: --data-action \"{keys[0]}={paths[0]}\")", a.line)
    sim.step("action", f"{label(a)}: {what} '{keys[0]}' (result not declared; all outputs continue "
             "the same way)", a.line, a.path)
    return None, stub


def _assign_outputs(sim: Simulator, outputs: Any, stub: Stub | None, source: str, line: int,
                    why: str) -> None:
    """`{field: {var: X}}` output mappings: each X gets its pin, declared value, or Unknown."""
    given = stub.outputs if stub else {}
    for field, spec in (outputs.items() if isinstance(outputs, dict) else []):
        var = spec.get("var") if isinstance(spec, dict) else None
        if isinstance(var, str):
            sim.assign(var, sim.world_value(var, given, str(field), source), line_of(outputs, field, line), why)


def _first_key(mapping: Any) -> tuple[str, Any]:
    if isinstance(mapping, dict) and len(mapping) == 1:
        ((k, v),) = mapping.items()
        return str(k), v
    return "?", {}


@handles("callData", "callDataSecure")
def _call_data(sim: Simulator, a: Action) -> None:
    integration, spec = _first_key(a.raw.get("category"))
    action_name, body = _first_key(spec.get("dataAction") if isinstance(spec, dict) else None)
    key = f"{integration}/{action_name}"
    path, stub = _choose_path(sim, a, [key], ("success", "failure", "timeout"), "data action")
    body = body if isinstance(body, dict) else {}
    source = f"data action '{key}'"
    if path in (None, "success"):
        _assign_outputs(sim, body.get("successOutputs"), stub, source, a.line, label(a))
    elif path == "failure":
        _assign_outputs(sim, body.get("failureOutputs"), stub, source, a.line, label(a))
    if path:
        sim.run_branch(a, path)


@handles("dataTableLookup")
def _table(sim: Simulator, a: Action) -> None:
    table, body = _first_key(a.raw.get("dataTable"))
    key = f"dataTable:{table}"
    path, stub = _choose_path(sim, a, [key], ("found", "notFound", "failure"), "data table lookup")
    body = body if isinstance(body, dict) else {}
    if path in (None, "found"):
        _assign_outputs(sim, body.get("foundOutputs"), stub, f"data table '{table}'", a.line, label(a))
    elif path == "failure":
        _assign_outputs(sim, body.get("failureOutputs"), stub, f"data table '{table}'", a.line, label(a))
    if path:
        sim.run_branch(a, path)


_FINDERS = {  # lookup action -> (key holding what is looked up, object kind)
    "findQueue": ("findName", "queue"), "findQueueById": ("findId", "queue"),
    "findUser": ("findName", "user"), "findUserById": ("findId", "user"),
    "findGroup": ("findName", "group"), "findGroupById": ("findId", "group"),
    "findSkill": ("findName", "skill"), "findLanguageSkill": ("findName", "languageSkill"),
    "findScheduleGroup": ("findName", "scheduleGroup"), "findEmergencyGroup": ("findName", "emergencyGroup"),
    "getExternalContact": ("externalId", "externalContact"),
}


@handles(*_FINDERS)
def _find(sim: Simulator, a: Action) -> None:
    name_key, kind = _FINDERS[a.type]
    raw_name = a.raw.get(name_key) or a.raw.get("findName") or a.raw.get("findId")
    name = sim.value(raw_name, line_of(a.raw, name_key, a.line))
    shown = display(name) if not isinstance(name, Unknown) else "?"
    path, stub = _choose_path(sim, a, [f"{a.type}:{shown}", a.type], ("found", "notFound"), "lookup")
    result = a.raw.get("findResult") or a.raw.get("externalResult")
    var = result.get("var") if isinstance(result, dict) else None
    if isinstance(var, str):
        pinned, value = sim.vars.pinned(var)
        if not pinned:
            if path == "found" and not isinstance(name, Unknown):
                value = OrgObject(object_type(kind), shown) if kind != "externalContact" else \
                    sim.world_value(var, stub.outputs if stub else {}, None, f"{a.type} '{shown}'")
            elif path == "notFound":
                value = NOT_SET
            else:
                value = Unknown(f"{var} (the result of {a.type} '{shown}'; declare it: "
                                f"--data-action \"{a.type}:{shown}=found\" or --set {var}=…)")
        sim.assign(var, value, line_of(a.raw, "findResult", a.line), label(a))
    if path:
        sim.run_branch(a, path)


@handles("getConversationData", "setConversationData", "sendNotification", "getJourneySession")
def _other_external(sim: Simulator, a: Action) -> None:
    path, stub = _choose_path(sim, a, [a.type], ("success", "failure", "found", "notFound"), "action")
    if a.type == "getConversationData":
        _participant_attributes(sim, a, stub)
    if path:
        sim.run_branch(a, path)


@handles("getParticipantData")
def _get_participant(sim: Simulator, a: Action) -> None:
    _participant_attributes(sim, a, sim.inp.stub([a.type, a.name or ""])[0])


def _participant_attributes(sim: Simulator, a: Action, stub: Stub | None) -> None:
    attrs = a.raw.get("attributes")
    for item in attrs if isinstance(attrs, list) else []:
        spec = item.get("attribute") if isinstance(item, dict) else None
        if not isinstance(spec, dict) or not isinstance(spec.get("variable"), str):
            continue
        line = line_of(spec, "variable", a.line)
        name = display(sim.value(spec.get("name"), line))
        var = spec["variable"]
        pinned, value = sim.vars.pinned(var)
        if not pinned:
            value = sim.vars.participant[name.lower()] if name.lower() in sim.vars.participant else \
                sim.world_value(var, stub.outputs if stub else {}, name, "participant data")
        sim.assign(var, value, line, f"{label(a)}: attribute '{name}'")


@handles("setParticipantData")
def _set_participant(sim: Simulator, a: Action) -> None:
    attrs = a.raw.get("attributes")
    for item in attrs if isinstance(attrs, list) else []:
        spec = item.get("attribute") if isinstance(item, dict) else None
        if isinstance(spec, dict):
            line = line_of(spec, "value", a.line)
            name = display(sim.value(spec.get("name"), line))
            sim.vars.participant[name.lower()] = sim.value(spec.get("value"), line)
    sim.step("action", label(a), a.line, a.path)


# --- schedules --------------------------------------------------------------------------------

def _emergency_active(sim: Simulator, name: str | None) -> bool | None:
    if name is None:
        return False
    exact = sim.inp.schedules.get(name.lower())
    if exact is not None:
        return exact in ("emergency", "open")
    wildcard = sim.inp.schedules.get("*")
    return None if wildcard is None else wildcard == "emergency"


@handles("evaluateScheduleGroup")
def _schedule_group(sim: Simulator, a: Action) -> None:
    line = line_of(a.raw, "scheduleGroup", a.line)
    group = sim.value(a.raw.get("scheduleGroup"), line, "scheduleGroup")
    emergency = sim.value(a.raw.get("emergencyGroup"), line_of(a.raw, "emergencyGroup", a.line),
                          "emergencyGroup")
    ename = str(emergency) if isinstance(emergency, OrgObject) else None
    gname = str(group) if isinstance(group, OrgObject) else None
    active = _emergency_active(sim, ename)
    state: str | None = "emergency" if active else None
    if state is None and active is None and a.branches.get("emergency"):
        raise sim.cannot(f"{label(a)}: emergency group '{ename}' state not given "
                         f"(--open \"{ename}=emergency|closed\")", line)
    if state is None and not is_not_set(group):
        if isinstance(group, Unknown):
            raise sim.cannot(f"{label(a)}: the schedule group depends on {group.reason}", line)
        state, _ = sim.inp.schedule_state([gname] if gname else [])
        if state == "unknown-time":
            raise sim.cannot(f"{label(a)}: weekly hours for '{gname}' need a time (--at)", line)
        if state is None and any(a.branches.get(s) for s in ("open", "closed", "holiday")):
            raise sim.cannot(f"{label(a)}: schedule group '{gname}' state not given "
                             f"(--open \"{gname}=open|closed|holiday|emergency\")", line)
    shown = gname or "no schedule group"
    sim.step("decision", f"{label(a)}: '{shown}' is {state or 'not decisive'}", line, a.path)
    if state:
        sim.run_branch(a, state)


@handles("evaluateSchedule")
def _schedule(sim: Simulator, a: Action) -> None:
    etype = a.raw.get("evaluationType")
    spec = etype.get("schedule") if isinstance(etype, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    line = line_of(spec, "selectedSchedule", a.line)
    schedule = sim.value(spec.get("selectedSchedule"), line, "schedule")
    if isinstance(schedule, Unknown):
        raise sim.cannot(f"{label(a)}: the schedule depends on {schedule.reason}", line)
    name = display(schedule)
    state, _ = sim.inp.schedule_state([name])
    if state == "unknown-time":
        raise sim.cannot(f"{label(a)}: weekly hours for '{name}' need a time (--at)", line)
    if state is None:
        if any(a.branches.get(s) for s in ("active", "inactive")):
            raise sim.cannot(f"{label(a)}: schedule '{name}' state not given (--open \"{name}=active|inactive\")",
                             line)
        sim.step("decision", f"{label(a)}: '{name}' (state not given; not decisive)", line, a.path)
        return
    path = "active" if state == "open" else "inactive"
    sim.step("decision", f"{label(a)}: '{name}' is {path}", line, a.path)
    sim.run_branch(a, path)


# --- caller input -----------------------------------------------------------------------------

@handles("collectInput")
def _collect(sim: Simulator, a: Action) -> None:
    sim.hear("play", a.raw.get("inputAudio"), line_of(a.raw, "inputAudio", a.line), label(a))
    key = sim.next_input()
    found = a.raw.get("digits")
    digits: dict = found if isinstance(found, dict) else {}
    found = digits.get("range")
    rng: dict = found if isinstance(found, dict) else {}
    low = digits.get("exact", rng.get("min", 1))
    high = digits.get("exact", rng.get("max", 64))
    entry = key if key not in (None, NO_INPUT) and not key.startswith("say:") else None
    if entry is not None and a.raw.get("includeTerminatingDtmfInResultData") is not True:
        entry = entry.rstrip("#") or entry
    just = entry in ("*", "#") and a.raw.get("acceptJust" + ("Star" if entry == "*" else "Pound"), {}) \
        .get("lit") is True
    ok = entry is not None and (just or (isinstance(low, int) and isinstance(high, int)
                                         and low <= len(entry) <= high and entry.isdigit()))
    var = a.raw.get("inputData", {}).get("var") if isinstance(a.raw.get("inputData"), dict) else None
    if ok:
        sim.step("input", f"{label(a)}: caller enters {entry}", a.line, a.path)
        if isinstance(var, str):
            sim.assign(var, entry, line_of(a.raw, "inputData", a.line), label(a))
        sim.run_branch(a, "success")
    else:
        why = "no input" if key in (None, NO_INPUT) else f"'{key}' is not {low}-{high} digits"
        sim.step("input", f"{label(a)}: {why} -> failure", a.line, a.path)
        sim.run_branch(a, "failure")


@handles("askForBoolean", "askForIntent", "digitalMenu", "askForSlot")
def _bot_input(sim: Simulator, a: Action) -> None:
    sim.hear("message", a.raw.get("question"), line_of(a.raw, "question", a.line), label(a))
    key = sim.next_input()
    said = key[4:] if key and key.startswith("say:") else key
    if said in (None, NO_INPUT):
        if a.branches.get("maxNoInputs"):
            sim.step("input", f"{label(a)}: no input -> maxNoInputs", a.line, a.path)
            sim.run_branch(a, "maxNoInputs")
            return
        raise sim.cannot(f"{label(a)}: needs the user's answer (add it to --keys, e.g. say:yes)", a.line)
    sim.step("input", f"{label(a)}: user says \"{said}\"", a.line, a.path)
    if a.type == "askForBoolean":
        branch = "yes" if said.lower() in ("yes", "1", "true", "y") else "no"
    elif a.type == "askForSlot":
        slot = a.raw.get("slot", {}).get("name") if isinstance(a.raw.get("slot"), dict) else None
        if slot:
            sim.assign(f"Slot.{slot}", said, a.line, label(a))
        branch = "default"
    else:
        found = a.raw.get("outputs")
        outputs: dict = found if isinstance(found, dict) else {}
        group = "intents" if a.type == "askForIntent" else "paths"
        found = outputs.get(group)
        items: list = found if isinstance(found, list) else []
        bodies = [_first_key(it)[1] for it in items]
        names = [b.get("name") if isinstance(b, dict) else None for b in bodies]
        branch = next((f"{group}[{i}]" for i, n in enumerate(names) if str(n).lower() == said.lower()),
                      "noIntent" if a.type == "askForIntent" else "maxNoMatches")
    sim.run_branch(a, branch)


# --- other flows, bots, modules ---------------------------------------------------------------

@handles("callCommonModule", "callBotFlow", "callDigitalBotFlow", "callLexV2Bot", "callLexBot",
         "callDialogflowBot", "callDialogflowCXBot")
def _call_other(sim: Simulator, a: Action) -> None:
    kind = {"callCommonModule": "commonModule", "callBotFlow": "botFlow",
            "callDigitalBotFlow": "digitalBotFlow"}.get(a.type)
    name = _first_key(a.raw.get(kind))[0] if kind else a.type
    key = f"{kind}:{name}" if kind else a.type
    stub, _ = sim.inp.stub([key, a.name or ""])
    sim.step("call", f"{label(a)}: '{name}' (outputs from declared values)", a.line, a.path)
    outputs: list[tuple[str, str]] = []
    _collect_vars(a.raw, outputs, None)
    for item in a.raw.get("outputSessionVariables") or []:
        spec = item.get("outputSessionVariable") if isinstance(item, dict) else None
        if isinstance(spec, dict) and isinstance(spec.get("variable"), str):
            field = sim.values.quiet(spec.get("name"))
            outputs.append((str(field) if field is not None else spec["variable"], spec["variable"]))
    given = stub.outputs if stub else {}
    for field, var in outputs:
        sim.assign(var, sim.world_value(var, given, field, f"'{key}'"), a.line, label(a))
    path = stub.path if stub and stub.path else None
    if path and path in a.branches:
        sim.run_branch(a, path)
    elif any(a.branches.values()):
        raise sim.cannot(f"'{key}' has outputs that lead to different places (declare it: "
                         f"--data-action \"{key}=<output>\")", a.line)


def _collect_vars(node: Any, out: list[tuple[str, str]], field: str | None) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "inputs":
                continue
            if isinstance(v, dict) and isinstance(v.get("var"), str) and len(v) == 1:
                out.append((str(k), v["var"]))
            elif isinstance(v, (dict, list)) and k != "actions":
                _collect_vars(v, out, str(k))
    elif isinstance(node, list):
        for v in node:
            kv = single_key(v)
            if kv is None or kv[0] not in ("actions",):
                _collect_vars(v, out, field)
