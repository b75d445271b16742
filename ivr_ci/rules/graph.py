"""validate-flow graph rules (IVR22x): entry point, jump targets, refIds, loops, dead ends."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from ivr_ci.flow.control import explain_fall_through
from ivr_ci.flow.model import Block, Choice, Element, Menu, Reference
from ivr_ci.flow.refs import parse_ref
from ivr_ci.flow.types import FLOW_TYPES, START_REF_TYPES
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_col, key_line
from ivr_ci.rules.jumps import JumpGraph, label

_CONTAINER_KIND = {"menus": "menu", "tasks": "task", "states": "state", "bots": "bot"}
_KEY_KIND = {"targetTaskRef": "task", "targetStateRef": "state", "targetMenuRef": "menu", "targetBotRef": "bot"}
# Flow types whose tasks must end every path with a terminating action (see IVR224).
_MUST_END = frozenset({"inboundCall", "outboundCall", "secureCall"})


def _kind(element: Element) -> str:
    if isinstance(element, Menu):
        return "menu"
    if isinstance(element, Choice):
        return "menu choice"
    return element.kind if isinstance(element, Block) else "element"


def _known_ids(ctx: FlowContext, kind: str) -> list[str]:
    if kind == "menu":
        return [m.ref_id for m in ctx.flow.menus if m.ref_id is not None]
    return [b.ref_id for b in ctx.flow.blocks if b.kind == kind and b.ref_id is not None]


def _ref_problem(ctx: FlowContext, ref: Reference, owner: Element | None) -> str | None:
    """What is wrong with one refId reference, or None."""
    flow = ctx.flow
    value = ref.value
    parsed = parse_ref(value)
    if parsed is None:
        return (f"{ref.key} '{value}' is not a refId path: write /{flow.type}/tasks/task[<refId>] "
                "or ./tasks/task[<refId>]")
    if parsed.absolute and parsed.root != flow.type:
        return (f"{ref.key} '{value}' starts at /{parsed.root}, but this flow is {flow.type} "
                f"(write /{flow.type}/... or ./...)")
    container, kind, ref_id = parsed.segments[0]
    if container in _CONTAINER_KIND and kind != _CONTAINER_KIND[container]:
        return f"{ref.key} '{value}': {container} holds {_CONTAINER_KIND[container]} elements, not {kind}"
    target = ctx.refs.resolve(value, owner)
    if target is None:
        last_container, last_kind, last_id = parsed.segments[-1]
        if last_container == "choices":
            return f"{ref.key} '{value}': the menu has no {last_kind} choice with refId '{last_id}'"
        known = _known_ids(ctx, kind)
        close = [k for k in known if k.casefold() == ref_id.casefold()] or \
            difflib.get_close_matches(ref_id, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{ref.key} '{value}' points at no {kind}: no {kind} has refId '{ref_id}'{hint}"
    actual = _kind(target)
    if ref.key == "startUpRef":
        if isinstance(target, Choice):
            return f"startUpRef '{value}' points at a menu choice; a flow starts at a menu, task, state or bot"
    elif ref.key == "defaultChildMenuRef":
        if not (isinstance(target, Choice) and target.menu is owner):
            return f"defaultChildMenuRef '{value}' must name one of this menu's own choices (./choices/...)"
    elif ref.key in _KEY_KIND and actual != _KEY_KIND[ref.key]:
        return f"{ref.key} '{value}' points at a {actual}, not a {_KEY_KIND[ref.key]}"
    return None


@rule(
    "IVR220", "start-ref", stage="validate-flow", severity="error",
    summary="startUpRef does not lead to a menu, task, state or bot of this flow",
    rationale="""
        `startUpRef` is where every interaction begins. It must be a refId path with this flow's
        own root (`/inboundCall/...`, or relative `./...`) naming an existing menu, task, state or
        bot; otherwise Archy refuses the flow. In-queue call flows and common modules have no
        startUpRef: they start with `startUpTaskActions`; in-queue email and message flows start
        with `startUpState` (docs/flow-types.md).
    """,
    bad="""
        inboundCall:
          name: Main line
          startUpRef: /inboundCall/menus/menu[Main Menu_11]
          menus:
            - menu: {name: Main Menu, refId: Main Menu_10, choices: []}
    """,
    good="""
        inboundCall:
          name: Main line
          startUpRef: /inboundCall/menus/menu[Main Menu_10]
          menus:
            - menu: {name: Main Menu, refId: Main Menu_10, choices: []}
    """,
)
def start_ref(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    ref = flow.start_up_ref
    if flow.type not in START_REF_TYPES or ref is None or "{{" in ref.value:
        return  # a missing startUpRef is IVR201's (schema); placeholders resolve only when published
    problem = _ref_problem(ctx, ref, None)
    if problem:
        yield Hit(ref.line, ref.col, problem)


@rule(
    "IVR221", "jump-target", stage="validate-flow", severity="error",
    summary="a jump, call or default-choice reference names nothing in this flow",
    rationale="""
        `targetTaskRef`, `targetStateRef`, `targetMenuRef` and `defaultChildMenuRef` name
        elements of the same file by refId. A reference to a refId that does not exist, to the
        wrong kind of element, or with another flow type's root is rejected by Archy; one
        typo'd after a rename breaks the publish of the whole flow. `defaultChildMenuRef` is
        relative to its menu and must name one of that menu's choices.
    """,
    bad="""
        - jumpToTask:
            name: To billing
            targetTaskRef: /inboundCall/tasks/task[Billing_12]   # the task is Billing_13
    """,
    good="""
        - jumpToTask:
            name: To billing
            targetTaskRef: /inboundCall/tasks/task[Billing_13]
    """,
)
def jump_target(ctx: FlowContext) -> Iterator[Hit]:
    if ctx.flow.type not in FLOW_TYPES:
        return
    elements = ctx.flow.elements_by_path()
    for ref in ctx.flow.references:
        if ref.key == "startUpRef" or "{{" in ref.value:
            continue
        problem = _ref_problem(ctx, ref, elements.get(ref.owner))
        if problem:
            yield Hit(ref.line, ref.col, problem)


@rule(
    "IVR222", "duplicate-refid", stage="validate-flow", severity="error",
    summary="two elements of one container share a refId",
    rationale="""
        A refId is the address other parts of the flow use (`/inboundCall/tasks/task[Billing]`).
        Two tasks (or menus, states, bots, or choices of one menu) with the same refId make every
        reference to it ambiguous; Archy rejects the flow.
    """,
    bad="""
        tasks:
          - task: {name: Billing, refId: billing, actions: [...]}
          - task: {name: Billing copy, refId: billing, actions: [...]}
    """,
    good="""
        tasks:
          - task: {name: Billing, refId: billing, actions: [...]}
          - task: {name: Billing copy, refId: billing_copy, actions: [...]}
    """,
)
def duplicate_refid(ctx: FlowContext) -> Iterator[Hit]:
    for ref_id, first, second in ctx.refs.duplicates:
        yield Hit(key_line(second.raw, "refId", second.line), key_col(second.raw, "refId", second.col),
                  f"refId '{ref_id}' is already used by {_kind(first)} '{getattr(first, 'name', None)}' "
                  f"(line {first.line}); references to it are ambiguous")
    for menu in ctx.flow.menus:
        seen: dict[str, Choice] = {}
        for choice in menu.choices:
            if choice.ref_id is None:
                continue
            if choice.ref_id in seen:
                yield Hit(key_line(choice.raw, "refId", choice.line), key_col(choice.raw, "refId", choice.col),
                          f"refId '{choice.ref_id}' is already used by choice '{seen[choice.ref_id].name}' "
                          f"(line {seen[choice.ref_id].line}) of menu '{menu.name}'")
            else:
                seen[choice.ref_id] = choice


@rule(
    "IVR223", "jump-cycle", stage="validate-flow", severity="error",
    summary="tasks or states jump to each other in a loop that never waits for the caller",
    rationale="""
        A cycle of `jumpToTask` / `callTask` / `changeState` with no menu, collectInput, ask-for,
        bot call, wait or hold music on it runs forever without the caller being able to do
        anything: the interaction spins until Architect's loop protection ends it with an error.
        A cycle through a menu is fine (the menu waits for a key press).
    """,
    bad="""
        tasks:
          - task:
              name: Retry
              refId: retry
              actions:
                - jumpToTask: {name: Again, targetTaskRef: ./tasks/task[retry]}
    """,
    good="""
        tasks:
          - task:
              name: Retry
              refId: retry
              actions:
                - collectInput: {name: Account, inputData: {var: Task.account}, ...}
                - jumpToTask: {name: Again, targetTaskRef: ./tasks/task[retry]}
    """,
)
def jump_cycle(ctx: FlowContext) -> Iterator[Hit]:
    for cycle in JumpGraph(ctx.flow, ctx.refs).spin_cycles():
        names = " → ".join([label(cycle[0].source)] + [label(j.target) for j in cycle])
        first = cycle[0].action
        yield Hit(first.line, first.col,
                  f"jump cycle with no caller input or wait: {names}; the interaction would loop forever "
                  "(put a menu, collectInput or wait on the cycle, or end it)")


@rule(
    "IVR224", "dead-end", stage="validate-flow", severity="error",
    summary="a call-flow task can reach its end without a disconnect, transfer or jump",
    rationale="""
        In call flows (inboundCall, outboundCall, secureCall) every task, including a menu
        choice's inline task, must end each path with a terminating action: disconnect, a
        transfer, a jump, endTask, previousMenu... Architect rejects a task whose last action
        can complete normally. Decision, switch and data-action paths that do not end continue
        with the next action of the enclosing list; an output the YAML leaves out is such a
        path, and a transfer's failure path runs when the transfer fails. Message, email, bot,
        workflow and in-queue flows end implicitly and are not checked.
    """,
    bad="""
        - task:
            name: Opening hours
            actions:
              - decision:
                  condition: {exp: Flow.isOpen}
                  outputs:
                    yes:
                      actions:
                        - transferToAcd: {targetQueue: {lit: {name: Sales}}, ...}
              # no: falls off the end of the task
    """,
    good="""
        - task:
            name: Opening hours
            actions:
              - decision:
                  condition: {exp: Flow.isOpen}
                  outputs:
                    yes:
                      actions:
                        - transferToAcd: {targetQueue: {lit: {name: Sales}}, ...}
              - disconnect: {name: Closed}
    """,
)
def dead_end(ctx: FlowContext) -> Iterator[Hit]:
    flow = ctx.flow
    if flow.type not in _MUST_END:
        return
    for block in flow.blocks:
        if block.kind in ("task", "state"):
            yield from _dead_end(block.actions, f"{block.kind} '{block.name}'", block)
    for menu in flow.menus:
        for choice in menu.choices:
            if choice.kind == "menuTask":
                yield from _dead_end(choice.actions, f"the task of choice '{choice.name}' in menu "
                                                     f"'{menu.name}'", choice)


def _dead_end(actions: list, what: str, owner: Element) -> Iterator[Hit]:
    fall = explain_fall_through(actions)
    if fall is None:
        return
    where = fall.action or owner
    yield Hit(where.line, where.col,
              f"{what} can run off its end without a disconnect, transfer or jump: {fall.reason}")
