"""validate-flow rules on scheduled maintenance windows (IVR8xx), at their `.ivr-ci.yaml` line.

The windows live in the configuration, so these are set rules: they see the flow files of the
run (and, for names not among them, the files under `flows:`) and report at the window's
line. With `--env` only that environment's windows are checked. Offline: a `then` queue or
flow that does not exist in the org is the online preflight's job (it checks the prelude's
references like any other).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from ivr_ci.flow import FlowDocument, expand_paths, load_flow_text
from ivr_ci.flow.placeholders import substitute_placeholders as substitute
from ivr_ci.rules.catalogue import Hit, rule
from ivr_ci.rules.context import SetContext

if TYPE_CHECKING:  # imported where a window exists: a run without maintenance windows never needs it
    from ivr_ci.maintenance import windows as W

_CONFIG_GOOD = """
    maintenance:
      - id: crm-upgrade-dec
        environment: prod
        flows: [Main IVR]
        start: "2026-12-05T01:00"      # Europe/Dublin (the environment's window zone)
        duration: 90m
        message: {en-us: "We are down for planned maintenance until 2:30 a.m."}
        then: disconnect
"""


def _windows(ctx: SetContext) -> list[W.MaintenanceWindow]:
    if not ctx.config.data.get("maintenance"):
        return []
    cached = ctx.__dict__.get("_maintenance_windows")
    if cached is None:
        from ivr_ci.maintenance import windows as W

        cached = W.load_windows(ctx.config, ctx.env)
        ctx.__dict__["_maintenance_windows"] = cached
    return cached


def _hit(w: W.MaintenanceWindow, key: str | None, message: str) -> Hit:
    return Hit(w.line_of(key) if key else w.line, 1, message=f"maintenance window '{w.id}': {message}",
               path=w.config_path)


def flow_index(ctx: SetContext) -> dict[str, FlowDocument]:
    """Flow name (as written, and as rendered for the window's environment) -> document:
    the run's files first, then those under `flows:` of the configuration."""
    cached = ctx.__dict__.get("_maintenance_flows")
    if cached is not None:
        return cached
    index: dict[str, FlowDocument] = {}

    def add(doc: FlowDocument) -> None:
        if doc.flow is not None and doc.flow.name is not None:
            index.setdefault(str(doc.flow.name), doc)

    for doc in ctx.docs:
        add(doc)
    wanted = {n for w in _windows(ctx) for n in w.flows}
    if wanted - set(index):
        seen = {os.path.abspath(d.path) for d in ctx.docs}
        roots = [ctx.config.resolve(p) for p in ctx.config.data.get("flows") or []]
        for path in expand_paths([r for r in roots if os.path.exists(r)]) if roots else []:
            if os.path.abspath(path) in seen:
                continue
            try:
                with open(path, encoding="utf-8") as fh:
                    add(load_flow_text(fh.read(), path))
            except (OSError, UnicodeDecodeError):
                continue
    ctx.__dict__["_maintenance_flows"] = index
    return index


def find_flow(ctx: SetContext, w: W.MaintenanceWindow, name: str) -> FlowDocument | None:
    index = flow_index(ctx)
    if name in index:
        return index[name]
    try:
        values = ctx.config.substitutions(w.environment) if w.environment in ctx.config.environments else {}
    except Exception:  # noqa: BLE001 - an unreadable options file is reported elsewhere
        values = {}
    for written, doc in index.items():
        if substitute(written, values) == name or substitute(written, values) == substitute(name, values):
            return doc
    return None


@rule(
    "IVR801", "maintenance-duration", stage="validate-flow", severity="error", scope="set",
    summary="a maintenance window lasts less than 5 minutes or more than 8 hours",
    rationale="""
        A window plays a maintenance message to every caller of the flow for its whole length.
        Under 5 minutes it is lost in clock and publish latency; over 8 hours it is an outage
        that needs a different flow, not a prelude. The range is the product's contract
        (issue 13); `duration` is written `90m`, `1h30m` or `2h`.
    """,
    bad="""
        maintenance:
          - {id: crm, environment: prod, flows: [Main IVR], start: "2026-12-05T01:00",
             duration: 9h, message: {en-us: "Down."}, then: disconnect}
    """,
    good=_CONFIG_GOOD,
)
def maintenance_duration(ctx: SetContext) -> Iterator[Hit]:
    found = _windows(ctx)
    if not found:
        return
    from ivr_ci.maintenance import windows as W

    for w in found:
        if w.duration is None:
            yield _hit(w, "duration", "duration is not of the form 90m, 1h30m or 2h")
        elif not W.MIN_DURATION <= w.duration <= W.MAX_DURATION:
            shown = W.format_duration(w.duration) if w.duration < W.MAX_DURATION * 100 else "an absurd length"
            yield _hit(w, "duration", f"lasts {shown}; a maintenance window lasts 5m to 8h")


@rule(
    "IVR802", "maintenance-overlap", stage="validate-flow", severity="error", scope="set",
    summary="two maintenance windows on one flow overlap",
    rationale="""
        Each window is one decision of the flow's prelude, checked in start order: where two
        overlap, the first one's message and `then` win and the second's are silently never
        heard. Merge them into one window or move one.
    """,
    bad="""
        maintenance:
          - {id: a, environment: prod, flows: [Main IVR], start: "2026-12-05T01:00", duration: 2h, ...}
          - {id: b, environment: prod, flows: [Main IVR], start: "2026-12-05T02:00", duration: 1h, ...}
    """,
    good="""
        maintenance:
          - {id: a, environment: prod, flows: [Main IVR], start: "2026-12-05T01:00", duration: 2h, ...}
          - {id: b, environment: prod, flows: [Main IVR], start: "2026-12-05T03:00", duration: 1h, ...}
    """,
)
def maintenance_overlap(ctx: SetContext) -> Iterator[Hit]:
    resolved = [w for w in _windows(ctx) if w.start is not None and w.end is not None]
    for i, later in enumerate(resolved):
        for earlier in resolved[:i]:
            if earlier.environment != later.environment:
                continue
            shared = [f for f in later.flows if f in earlier.flows]
            if shared and earlier.start < later.end and later.start < earlier.end:  # type: ignore[operator]
                yield _hit(later, "start", f"overlaps window '{earlier.id}' ({earlier.when()}, {earlier.where()}) "
                                           f"on flow '{shared[0]}'")


@rule(
    "IVR803", "maintenance-concurrency", stage="validate-flow", severity="error", scope="set",
    summary="more maintenance windows active at once in an environment than maintenance-max-concurrent",
    rationale="""
        Windows that run at the same time take several parts of the IVR estate down together;
        change management wants a ceiling (`promotion: maintenance-max-concurrent`, default 3).
        Counted per environment over the windows' UTC intervals.
    """,
    bad="""
        # four windows on four flows, all Saturday 01:00-02:00, with the default limit of 3
    """,
    good="""
        promotion: {maintenance-max-concurrent: 4}   # or spread the windows out
    """,
)
def maintenance_concurrency(ctx: SetContext) -> Iterator[Hit]:
    found = _windows(ctx)
    if not found:
        return
    from ivr_ci.maintenance import windows as W

    limit = W.max_concurrent(ctx.config)
    by_env: dict[str, list[W.MaintenanceWindow]] = {}
    for w in found:
        if w.start is not None and w.end is not None:
            by_env.setdefault(w.environment, []).append(w)
    for env, ws in by_env.items():
        reported: set[str] = set()
        for w in sorted(ws, key=lambda x: x.start):  # type: ignore[arg-type,return-value]
            at_start = [o for o in ws if o.start <= w.start < o.end]  # type: ignore[operator]
            if len(at_start) > limit and w.id not in reported:
                reported.add(w.id)
                others = ", ".join(o.id for o in at_start if o is not w)
                yield _hit(w, "start", f"{len(at_start)} windows are active at once in '{env}' from "
                                       f"{w.when().split('–')[0]} (with {others}); the limit is {limit} "
                                       "(promotion: maintenance-max-concurrent)")


@rule(
    "IVR804", "maintenance-unknown-flow", stage="validate-flow", severity="error", scope="set",
    summary="a maintenance window names a flow that is not in the repository",
    rationale="""
        `flows:` of a window are flow names as written in the repository's files (before
        substitution; the rendered name works too). A typo would leave the flow without its
        maintenance message while everyone believes it is covered.
    """,
    bad="""
        maintenance:
          - {id: crm, environment: prod, flows: [Main IVRR], ...}
    """,
    good=_CONFIG_GOOD,
)
def maintenance_unknown_flow(ctx: SetContext) -> Iterator[Hit]:
    for w in _windows(ctx):
        for name in w.flows:
            if find_flow(ctx, w, name) is None:
                known = ", ".join(sorted(flow_index(ctx))[:8]) or "none"
                yield _hit(w, "flows", f"no flow named '{name}' in the files checked or under `flows:` (known: {known})")


@rule(
    "IVR805", "maintenance-language", stage="validate-flow", severity="error", scope="set",
    summary="a language the flow supports has no maintenance message",
    rationale="""
        The prelude plays the message in the caller's language (`Call.Language`); a supported
        language without a message would hear another language's text read by its own voice.
        Give `message:` one entry per `supportedLanguages` key of every flow of the window.
    """,
    bad="""
        # flow supports en-us and fr-fr
        message: {en-us: "We are down for maintenance."}
    """,
    good="""
        message: {en-us: "We are down for maintenance.", fr-fr: "Nous sommes en maintenance."}
    """,
)
def maintenance_language(ctx: SetContext) -> Iterator[Hit]:
    for w in _windows(ctx):
        for name in w.flows:
            doc = find_flow(ctx, w, name)
            if doc is None or doc.flow is None:
                continue
            langs = [str(x).lower() for x in doc.flow.supported_languages or []]
            if not langs and isinstance(doc.flow.default_language, str):
                langs = [doc.flow.default_language.lower()]
            missing = [lang for lang in langs if "{{" not in lang and lang not in w.message]
            if missing:
                yield _hit(w, "message", f"flow '{name}' supports {', '.join(missing)} but the window has no message "
                                         f"for it (messages: {', '.join(sorted(w.message))})")


@rule(
    "IVR806", "maintenance-over", stage="validate-flow", severity="warning", scope="set",
    summary="a maintenance window has already ended",
    rationale="""
        A window that is over is never rendered again (the next apply publishes the flow without
        its prelude); keeping it in the configuration is harmless but misleading. Remove it once
        the clean-up apply has run (`ivr-ci maintenance --env E` shows `cleaned`).
    """,
    bad="""
        maintenance:
          - {id: last-year, environment: prod, start: "2025-01-04T01:00", duration: 1h, ...}
    """,
    good="""
        # the window removed after the clean-up apply
    """,
)
def maintenance_over(ctx: SetContext) -> Iterator[Hit]:
    found = _windows(ctx)
    if not found:
        return
    from ivr_ci.maintenance import windows as W

    now = W.now_utc()
    for w in found:
        if w.end is not None and w.end <= now:
            yield _hit(w, "start", f"ended {_ago(w.end, now)} ({w.when()}); it is no longer rendered into flows")


def _ago(end: datetime, now: datetime) -> str:
    days = (now - end).days
    return f"{days} day(s) ago" if days else "earlier today"


@rule(
    "IVR807", "maintenance-window-invalid", stage="validate-flow", severity="error", scope="set",
    summary="a maintenance window's start, time zone, environment or id cannot be used",
    rationale="""
        The window's UTC bounds are computed once, from the zone's rules for that date: a local
        start inside the spring-forward gap does not exist, one in the autumn overlap exists
        twice (say which with an offset), a start without a zone or offset means nothing. The
        environment must be configured, and ids must be unique: the id names the prelude's
        decision in the published flow, which is how its state is read back.
    """,
    bad="""
        maintenance:
          - {id: crm, environment: prod, start: "2026-03-29T01:30", ...}   # Europe/Dublin: no such time
    """,
    good="""
        maintenance:
          - {id: crm, environment: prod, start: "2026-03-29T03:00", ...}
    """,
)
def maintenance_window_invalid(ctx: SetContext) -> Iterator[Hit]:
    if not ctx.config.data.get("maintenance"):
        return
    from ivr_ci.maintenance import windows as W

    seen: dict[str, W.MaintenanceWindow] = {}
    for w in W.load_windows(ctx.config):
        if w.id in seen:
            yield _hit(w, "id", f"the id is used by another window too ({seen[w.id].where()})")
        seen.setdefault(w.id, w)
    for w in _windows(ctx):
        if w.environment not in ctx.config.environments:
            known = ", ".join(sorted(map(str, ctx.config.environments))) or "none configured"
            yield _hit(w, "environment", f"unknown environment '{w.environment}' (known: {known})")
        if w.problem:
            yield _hit(w, "timezone" if "time zone '" in w.problem and "timezone" in w.lines else "start", w.problem)


@rule(
    "IVR808", "maintenance-flow-unsupported", stage="validate-flow", severity="error", scope="set",
    summary="a maintenance window names a flow that cannot carry a maintenance prelude",
    rationale="""
        The prelude is a start-up task in front of the flow's `startUpRef`: it needs a call flow
        (`inboundCall`) whose start is a menu or task, and a block-style `tasks:` list (or none)
        to append to. Message, chat and in-queue flows have no caller to play a message to in
        the same way.
    """,
    bad="""
        maintenance:
          - {id: crm, environment: prod, flows: [Support Chat], ...}   # an inboundChat flow
    """,
    good=_CONFIG_GOOD,
)
def maintenance_flow_unsupported(ctx: SetContext) -> Iterator[Hit]:
    found = _windows(ctx)
    if not found:
        return
    from ivr_ci.maintenance.prelude import PreludeError, add_prelude

    for w in found:
        if not w.valid:
            continue
        for name in w.flows:
            doc = find_flow(ctx, w, name)
            if doc is None:
                continue
            try:
                add_prelude(doc.text, [w])
            except PreludeError as exc:
                yield _hit(w, "flows", f"flow '{name}' ({doc.path}): {exc}")
