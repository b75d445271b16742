"""lint-menu rules on where callers can go: depth, dead ends, agent routes, dead code.

All of them read the per-flow reachability graph (`ctx.menu_graph`, see `reach.py`),
built once and shared, so each rule is linear in the size of the flow.
"""

from __future__ import annotations

from collections.abc import Iterator

from ivr_ci.flow.model import Flow
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import FlowContext, key_line
from ivr_ci.rules.menu_common import choice_label, int_option, menu_label
from ivr_ci.rules.reach import AGENT_ROUTES, BACK_ACTIONS, HANDOFFS

# Secure flows collect data and return to the flow that invoked them: no agent routing there.
_RETURNING_TYPES = frozenset({"secureCall"})


def _start_line(flow: Flow) -> int:
    key = "startUpRef" if "startUpRef" in flow.raw else "startUpTaskActions"
    return key_line(flow.raw, key, flow.line)


@rule(
    "IVR106", "menu-depth", stage="lint-menu", severity="warning",
    summary="a menu sits deeper than `max-depth` levels below the start (option `max-depth`)",
    rationale="""
        Each level is another prompt to sit through and another chance to choose wrong; past
        about five levels callers give up or zero out, and the path is hard to test. Depth is
        the fewest menus a caller passes through to get there (jumps through tasks count, the
        shortest route wins). A warning, not an error: Architect publishes deep trees happily
        and flattening one is a design decision, not a fix for a broken flow. Only the first
        menu past the limit on each route is reported.
    """,
    bad="""
        Main > Accounts > Cards > Lost card > Abroad > Business cards   # 6 levels
    """,
    good="""
        Main > Cards > Lost card          # shortcuts (e.g. speech terms) keep menus shallow
    """,
    options={"max-depth": 5},
)
def menu_depth(ctx: FlowContext) -> Iterator[Hit]:
    limit = int_option(ctx, "IVR106", "max-depth")
    graph = ctx.menu_graph
    for menu in graph.menus:
        if graph.menu_depth(menu) == limit + 1:
            route = " > ".join(str(m.name or m.ref_id) for m in graph.menu_path(menu))
            yield Hit(menu.line, message=(
                f"menu {menu_label(menu)} is {limit + 1} menus deep ({route}), deeper than "
                f"max-depth {limit}: flatten the tree or offer a shortcut"))


@rule(
    "IVR108", "no-agent-route", stage="lint-menu", severity="warning",
    summary="no route to a person is reachable from the flow's start",
    rationale="""
        A menu-driven flow where no path ends with a person (transferToAcd, transferToUser,
        transferToGroup, transferToNumber, their menu-choice forms, or dialling an extension)
        traps callers whose need the menu does not cover. Voicemail, disconnects and errors
        (`settingsErrorHandling` queues run only on failure) do not count. A flow that hands
        callers to another flow (transferToFlow, a common module) is not reported: that flow
        may route them. Secure call flows return to the flow that invoked them and are skipped.
        Deliberately self-service flows (closed-hours messages) can disable the rule inline.
    """,
    bad="""
        choices:
          - menuDisconnect: {name: Goodbye, dtmf: digit_9}
    """,
    good="""
        choices:
          - menuTransferToAcd: {name: Agent, dtmf: digit_0, targetQueue: {lit: {name: Support}}}
          - menuDisconnect: {name: Goodbye, dtmf: digit_9}
    """,
)
def no_agent_route(ctx: FlowContext) -> Iterator[Hit]:
    flow, graph = ctx.flow, ctx.menu_graph
    if flow.type in _RETURNING_TYPES or graph.unresolved or not graph.menus:
        return
    if graph.reaches(AGENT_ROUTES) or graph.reaches(HANDOFFS):
        return
    yield Hit(_start_line(flow), message=(
        f"flow '{flow.name}': no transfer to a person (transferToAcd/User/Group/Number or a menu "
        "transfer choice) is reachable from the start; add an agent route, or disable IVR108 "
        "here if the flow is deliberately self-service"))


@rule(
    "IVR109", "no-way-back", stage="lint-menu", severity="warning",
    summary="a sub-menu offers no way back to the menu it was reached from",
    rationale="""
        A caller who took the wrong branch should be able to go back without hanging up.
        A menu reached from another menu is reported when nothing it runs (before meeting
        another menu) is a previousMenu action or menuPreviousMenu choice, and none of its
        routes leads back to a menu the caller came through (jumpToMenu / menuJumpToMenu to
        the parent or any ancestor).
    """,
    bad="""
        - menu:
            name: Billing          # reached from Main Menu
            choices:
              - menuTransferToAcd: {name: Invoices, dtmf: digit_1, ...}
    """,
    good="""
        - menu:
            name: Billing
            choices:
              - menuTransferToAcd: {name: Invoices, dtmf: digit_1, ...}
              - menuPreviousMenu: {name: Back, dtmf: digit_*}
    """,
)
def no_way_back(ctx: FlowContext) -> Iterator[Hit]:
    graph = ctx.menu_graph
    if graph.unresolved:
        return
    for menu in graph.menus:
        # cheapest test first: most sub-menus carry a back choice
        if any(BACK_ACTIONS & graph.direct(c) for c in menu.choices):
            continue
        parent = graph.reached_from_other_menu(menu)
        if parent is None or graph.can_return(menu):
            continue
        yield Hit(menu.line, message=(
            f"sub-menu {menu_label(menu)} (reached from {menu_label(parent)}) has no way back: add a "
            f"menuPreviousMenu choice or a choice that jumps back to {menu_label(parent)}"))


@rule(
    "IVR114", "unreachable-element", stage="lint-menu", severity="warning",
    summary="a menu or task that nothing reachable from the flow's start leads to",
    rationale="""
        Reachability follows what Architect runs: the start (`startUpRef` or
        `startUpTaskActions`), menu choices, `defaultChildMenuRef`, callTask / jumpToTask /
        jumpToMenu / changeState and the menu-choice jumps, and refIds in flow settings such as
        `settingsKnowledge` knowledge paths. A menu or task none of these reaches is dead
        code: it is never played, yet it is reviewed, translated and diffed. Flows with a
        reference that does not resolve (reported by validate-flow) are skipped.
    """,
    bad="""
        startUpRef: /inboundCall/menus/menu[main]
        tasks:
          - task: {name: Old promo, refId: promo, actions: [...]}   # nothing calls it
    """,
    good="""
        startUpRef: /inboundCall/menus/menu[main]
        # ...and a choice with targetTaskRef: /inboundCall/tasks/task[promo]
    """,
)
def unreachable_element(ctx: FlowContext) -> Iterator[Hit]:
    flow, graph = ctx.flow, ctx.menu_graph
    if not graph.has_start or graph.unresolved:
        return
    for menu in flow.menus:
        if menu not in graph.reachable:
            yield Hit(menu.line, message=(
                f"menu {menu_label(menu)} is never reached from the flow's start: nothing jumps "
                "to it; link it from a choice or remove it"))
    for task in flow.tasks:
        if task not in graph.reachable:
            yield Hit(task.line, message=(
                f"task '{task.name or task.ref_id}' is never reached from the flow's start: nothing "
                "calls or jumps to it; call it or remove it"))


@rule(
    "IVR116", "no-zero-out", stage="lint-menu", severity="info",
    summary="a top-level menu where 0 does not reach a person although the flow has agent routes",
    rationale="""
        Callers press 0 to reach a person; it is the first thing a stuck caller tries. When
        the flow does route to agents somewhere, the top-level menus (the first menus met
        from the start) should answer 0 with a transfer (directly, or through tasks, without
        another menu in between). Menus without any keypad choice (speech-only yes/no
        confirmations) are exempt. Informational: some services deliberately keep 0 for
        other uses.
    """,
    bad="""
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1, ...}
    """,
    good="""
        choices:
          - menuTransferToAcd: {name: Sales, dtmf: digit_1, ...}
          - menuTransferToAcd: {name: Operator, dtmf: digit_0, ...}
    """,
)
def no_zero_out(ctx: FlowContext) -> Iterator[Hit]:
    flow, graph = ctx.flow, ctx.menu_graph
    if flow.type in _RETURNING_TYPES or not graph.reaches(AGENT_ROUTES):
        return
    for menu in graph.menus:
        if graph.menu_depth(menu) != 1 or all(c.digit is None for c in menu.choices):
            continue  # deeper menus, and speech-only menus (yes/no confirmations), are exempt
        zero = next((c for c in menu.choices if c.digit == "0"), None)
        if zero is None:
            yield Hit(menu.line, message=(
                f"top-level menu {menu_label(menu)} does not answer 0; callers press 0 for a person: "
                "add a digit_0 choice that transfers to an agent"))
        elif not (AGENT_ROUTES | HANDOFFS) & graph.direct(zero):
            yield Hit(key_line(zero.raw, "dtmf", zero.line), message=(
                f"top-level menu {menu_label(menu)}: 0 runs choice {choice_label(zero)}, which does "
                "not transfer to a person; make 0 the agent route"))
