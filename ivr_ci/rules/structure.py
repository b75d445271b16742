"""validate-flow structure rules (IVR2xx): the flow schema plus what a schema cannot say well."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ivr_ci.flow.schema import schema_problems
from ivr_ci.flow.types import (
    FLOW_TYPES,
    MENU_TYPES,
    START_REF_TYPES,
    STARTUP_ACTION_TYPES,
    STARTUP_STATE_TYPES,
    UNATTESTED_TYPES,
)
from ivr_ci.flow.yamlpos import Pos, YMap, YSeq
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_col, key_line


@rule(
    "IVR201", "flow-schema", stage="validate-flow", severity="error",
    summary="the flow does not match the Archy flow schema",
    rationale="""
        Archy rejects a file whose known parts have the wrong shape: an action list item that is
        not a single-key mapping (often a key indented one level too shallow), a value that is
        not `{lit: ...}`, `{exp: ...}`, `{var: ...}` or `{noValue: true}` (or gives two of them),
        a jump action without its target, a flow without `name` or entry point. The schema
        (`ivr_ci/schemas/archy-flow.schema.json`, usable in editors) checks only shapes it knows:
        unknown keys and action types are accepted because Archy keeps growing, and `{{key}}`
        placeholders count as text.
    """,
    bad="""
        tasks:
          - task:
              name: Main
              actions:
                - playAudio:
                  name: Welcome        # not indented under playAudio
                  audio: {tts: Hello}
    """,
    good="""
        tasks:
          - task:
              name: Main
              actions:
                - playAudio:
                    name: Welcome
                    audio: {tts: Hello}
    """,
)
def flow_schema(ctx: FlowContext) -> Iterator[Hit]:
    # the document root is one key (the flow type, always at column 1) over the flow body
    root = YMap({ctx.flow.type: ctx.flow.raw})
    line = ctx.flow.line or 1
    root.key_pos[ctx.flow.type] = root.pos = Pos(line, 1, line, 1)
    for p in schema_problems(root):
        yield Hit(p.line, p.col, f"{p.where}: {p.message}")


# Scope prefix a variable declared at each level must carry, by flow type ('*': any type).
_FLOW_SCOPES = {"commonModule": ("Common",), "botFlow": ("Flow", "Slot"), "digitalBot": ("Flow", "Slot"),
                "*": ("Flow",)}
_BLOCK_SCOPES = {"task": ("Task",), "state": ("State",)}


@rule(
    "IVR202", "variable-scope", stage="validate-flow", severity="error",
    summary="a variable's name does not carry the scope prefix of where it is declared",
    rationale="""
        Architect variables are named by scope: flow-level `Flow.x` (`Common.x` in common
        modules, `Slot.x` for bot slots), task-level `Task.x`, state-level `State.x`. A
        declaration with another prefix, or none, is rejected on publish, and expressions that
        use the intended name do not find it.
    """,
    bad="""
        tasks:
          - task:
              name: Main
              variables:
                - stringVariable:
                    name: Flow.accountId   # declared in a task
    """,
    good="""
        tasks:
          - task:
              name: Main
              variables:
                - stringVariable:
                    name: Task.accountId
    """,
)
def variable_scope(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    if flow.type not in FLOW_TYPES:
        return
    flow_scopes = _FLOW_SCOPES.get(flow.type, _FLOW_SCOPES["*"])
    yield from _check_scopes(flow.raw.get("variables"), flow_scopes, "the flow")
    yield from _check_scopes(flow.raw.get("startUpTaskVariables"), ("Task",), "startUpTaskVariables")
    for block in flow.blocks:
        scopes = _BLOCK_SCOPES.get(block.kind)
        if scopes:
            yield from _check_scopes(block.variables, scopes, f"{block.kind} '{block.name}'")
    for menu in flow.menus:
        for choice in menu.choices:
            task = choice.raw.get("task") if choice.kind == "menuTask" else None
            if isinstance(task, dict):
                yield from _check_scopes(task.get("variables"), ("Task",), f"choice '{choice.name}'")


def _check_scopes(seq: Any, scopes: tuple[str, ...], where: str) -> Iterator[Hit]:
    if not isinstance(seq, YSeq):
        return
    for item in seq:
        body = next(iter(item.values()), None) if isinstance(item, dict) and len(item) == 1 else None
        name = body.get("name") if isinstance(body, YMap) else None
        if not isinstance(name, str) or name.startswith("{{"):
            continue  # missing names are IVR201's; placeholders are only known after substitution
        prefix, dot, _ = name.partition(".")
        if dot and prefix in scopes:
            continue
        wanted = " or ".join(f"'{s}.'" for s in scopes)
        yield Hit(key_line(body, "name"), key_col(body, "name"),
                  f"variable '{name}' is declared in {where}, so its name starts with {wanted}")


# container key -> flow types that have it (anything else: Architect has no such part)
_CONTAINER_TYPES = {
    "menus": MENU_TYPES,
    "bots": frozenset({"botFlow", "digitalBot"}),
    "startUpTaskActions": STARTUP_ACTION_TYPES,
    "startUpState": STARTUP_STATE_TYPES,
    "periodicState": STARTUP_STATE_TYPES,
    "startUpRef": START_REF_TYPES,
}


@rule(
    "IVR203", "container-flow-type", stage="validate-flow", severity="warning",
    summary="the flow has a container (or entry point) its flow type does not use",
    rationale="""
        Menus belong to call flows (inboundCall, outboundCall, secureCall), bots to bot flows,
        `startUpTaskActions` to in-queue call flows and common modules, `startUpState` /
        `periodicState` to in-queue email and message flows (neither has a `startUpRef`).
        Elsewhere the container is never entered, which is usually a copy-paste from another flow type or the wrong flow
        type key. A warning, because Archy's handling of such keys is not documented.
    """,
    bad="""
        workflow:
          name: Nightly sync
          startUpRef: ./states/state[Start]
          menus:
            - menu: {name: Main, refId: main}
    """,
    good="""
        inboundCall:
          name: Main line
          startUpRef: ./menus/menu[main]
          menus:
            - menu: {name: Main, refId: main}
    """,
)
def container_flow_type(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    if flow.type not in FLOW_TYPES or flow.type in UNATTESTED_TYPES:
        return  # no published file shows what those types hold (docs/flow-types.md)
    for key, types in _CONTAINER_TYPES.items():
        if key in flow.raw and flow.type not in types:
            if key == "startUpRef":
                entry = "startUpState" if flow.type in STARTUP_STATE_TYPES else "startUpTaskActions"
                why = f"{flow.type} flows start with {entry}; startUpRef is never used"
            else:
                why = f"'{key}' is not part of {flow.type} flows (only {', '.join(sorted(types))}); it never runs"
            yield Hit(key_line(flow.raw, key), key_col(flow.raw, key), why)


@rule(
    "IVR211", "unattested-flow-type", stage="validate-flow", severity="info",
    summary="no published Archy file of this flow type exists: only the shape every flow shares is checked",
    rationale="""
        ivr-ci holds each flow type's containers and required keys to real published flows
        (docs/flow-types.md cites one for every type). For `voicemail`, `voice` and
        `voiceSurvey` flows no public Archy file exists, so their entry point and containers
        are not checked (only `name` and the shapes common to all flows): the file is neither
        failed for lacking a `startUpRef` nor passed as checked. A note, never an error, because
        a shape ivr-ci cannot ground must not block a flow Archy accepts.
    """,
    bad="""
        voicemail:
          name: After-hours voicemail
    """,
    good="""
        inboundCall:
          name: After-hours line
          startUpRef: ./tasks/task[main]
    """,
)
def unattested_flow_type(ctx: FlowContext) -> Iterator[Hit]:
    if ctx.flow.type in UNATTESTED_TYPES:
        yield Hit(ctx.flow.line, 1, (
            f"{ctx.flow.type}: no published Archy file of this type is known, so its entry point and "
            "containers are not checked (see docs/flow-types.md); send a real export to ground it"))
