"""promote's side of maintenance windows: render preludes, explain them in the plan.

Hooks, kept out of the modules they serve so those stay about deploying:
* `add_maintenance` (render_release): every window of the environment that names the flow and
  has not ended *now* is spliced in as the prelude (ivr_ci.maintenance.prelude); an ended one
  is simply not rendered, so the next apply publishes the plain flow.
* `annotate_plan` (compute_plan): the semantic change of a flow is computed with the prelude
  stripped on both sides, and the windows are stated in reviewer terms ("Main IVR:
  maintenance Sat 5 Dec 2026 01:00–02:30 Europe/Dublin; callers hear '…' then are
  disconnected"; "… ended …: prelude removed") instead of as an added task.
* `relocate` (preflight findings): a problem inside a prelude (the `then` queue does not
  exist) is reported at the window's line of .ivr-ci.yaml, where it can be fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.maintenance import windows as W
from ivr_ci.maintenance.prelude import PreludeError, carried_windows, splice_prelude, strip_prelude

if TYPE_CHECKING:
    from ivr_ci.config import Config
    from ivr_ci.promote.plan import PlanFlow
    from ivr_ci.promote.render import RenderedFlow
    from ivr_ci.promote.settings import EnvSettings


def add_maintenance(config: Config, env: EnvSettings, path: str, text: str, template_name: Any,
                    findings: list[Finding]) -> tuple[str, list[W.MaintenanceWindow], tuple[int, int, int] | None]:
    """The template with the flow's prelude, its windows and where the prelude block is."""
    windows = W.windows_for_flow(config, env.name, env.substitutions, template_name)
    if not windows:
        return text, [], None
    try:
        spliced, block = splice_prelude(text, windows)
        return spliced, windows, block
    except PreludeError as exc:
        w = windows[0]
        findings.append(Finding("IVR808", Severity.ERROR, f"maintenance window '{w.id}' cannot be rendered into "
                                f"{path}: {exc}", w.config_path, w.line_of("flows"), 1, flow=str(template_name)))
        return text, [], None


def _plain_change(snapshot: str | None, rendered: RenderedFlow) -> tuple[str, list[dict[str, Any]]]:
    from ivr_ci.flow import load_flow_text
    from ivr_ci.promote.planner import describe_change

    plain_new = load_flow_text(strip_prelude(rendered.text), rendered.path).flow
    if plain_new is None:  # pragma: no cover - the rendered flow loaded, its stripped form does too
        return "changed", []
    return describe_change(strip_prelude(snapshot) if snapshot is not None else None, plain_new)


def flow_lines(pf: PlanFlow, rendered: RenderedFlow) -> list[str]:
    """What the plan says about the flow's windows (new, kept, ended and removed)."""
    carried = {c.id: c for c in carried_windows(pf.snapshot)}
    lines = []
    for w in rendered.maintenance:
        state = "kept" if w.id in carried else "added"
        lines.append(f"{w.describe(pf.name, _default_language(rendered))} ({state})")
    now = W.now_utc()
    for cid, c in carried.items():
        if any(w.id == cid for w in rendered.maintenance):
            continue
        if c.end is not None and c.end <= now:
            why = f"ended {c.end:%Y-%m-%d %H:%M} UTC"
        else:
            why = "no longer in .ivr-ci.yaml"
        lines.append(f"{pf.name}: maintenance window [{cid}] {why}: its prelude is removed, the flow runs as before")
    return lines


def _default_language(rendered: RenderedFlow) -> str | None:
    flow = rendered.doc.flow
    lang = flow.default_language if flow is not None else None
    return str(lang).lower() if isinstance(lang, str) else None


def annotate_plan(plan_flows: list[PlanFlow], flows: list[RenderedFlow]) -> list[str]:
    """Rewrite the change of flows whose prelude changed; returns the plan's maintenance lines."""
    out: list[str] = []
    for pf, rf in zip(plan_flows, flows, strict=True):
        carried = carried_windows(pf.snapshot)
        if not rf.maintenance and not carried:
            continue
        lines = flow_lines(pf, rf)
        pf.maintenance = lines
        out.extend(lines)
        if not pf.changed:
            continue
        summary, changes = _plain_change(pf.snapshot, rf)
        rendered_ids = [w.id for w in rf.maintenance]
        carried_ids = [c.id for c in carried]
        parts = []
        added = [i for i in rendered_ids if i not in carried_ids]
        removed = [i for i in carried_ids if i not in rendered_ids]
        if added:
            parts.append("maintenance prelude added for " + ", ".join(added))
        if removed:
            parts.append("expired maintenance prelude removed (" + ", ".join(removed) + ")")
        if not added and not removed and rendered_ids:
            parts.append("maintenance prelude re-rendered")
        if pf.snapshot is None:
            pf.change_summary = "new flow; " + "; ".join(parts) if parts else "new flow"
        elif summary.startswith("changed (formatting") and parts:
            pf.change_summary, pf.changes = "; ".join(parts) + "; the flow itself is unchanged", []
        else:
            pf.change_summary = "; ".join([summary, *parts])
            pf.changes = changes
    return out


def relocate_block(findings: list[Finding], path: str, windows: list[W.MaintenanceWindow],
                   block: tuple[int, int, int] | None) -> list[Finding]:
    """Findings on a text with a prelude, at the template's own lines: a line inside the
    prelude goes to the window's line of .ivr-ci.yaml (where a wrong `then` is fixed), a
    line after it moves back up by the prelude's length."""
    if block is None or not windows:
        return findings
    first, length, shift = block
    out = []
    for f in findings:
        if f.path != path or not f.line or f.line < first:
            out.append(f)
        elif f.line < first + length:
            w = next((w for w in windows if w.then.target and w.then.target in f.message), windows[0])
            out.append(Finding(f.rule_id, f.severity, f"maintenance window '{w.id}' (prelude rendered into {path}): "
                               f"{f.message}", w.config_path, w.line_of("then"), 1, flow=f.flow))
        else:
            out.append(Finding(f.rule_id, f.severity, f.message, f.path, f.line - shift, f.col,
                               f.end_line - shift if f.end_line else None, f.end_col, flow=f.flow))
    return out


def relocate(findings: list[Finding], flows: list[RenderedFlow]) -> list[Finding]:
    """`relocate_block` for every flow of a release."""
    for rf in flows:
        if rf.prelude_block is not None:
            findings = relocate_block(findings, rf.path, rf.maintenance, rf.prelude_block)
    return findings


def plan_windows(flows: list[RenderedFlow]) -> list[dict[str, Any]]:
    """The windows rendered into this release, for the ledger and the notification."""
    seen: dict[str, dict[str, Any]] = {}
    for f in flows:
        for w in f.maintenance:
            item = seen.setdefault(w.id, {**w.to_json(), "flows": [], "description": []})
            item["flows"].append(f.name)
            item["description"].append(w.describe(f.name))
    return list(seen.values())


def carry_versions(entry: Any, plan: Any) -> None:
    """Per window, the published version of each flow that carries it after this run (what
    audit-report lists): the new version of a deployed flow, the target's of an unchanged one."""
    if not entry.maintenance:
        return
    deployed = {r.name: r for r in entry.flows}
    versions: dict[str, str | None] = {}
    for pf in plan.flows:
        rec = deployed.get(pf.name)
        if rec is None:
            versions[pf.name] = pf.target_version
        elif rec.status == "published":
            versions[pf.name] = rec.new_version
    for w in entry.maintenance:
        w["versions"] = {name: versions.get(name) for name in w["flows"] if name in versions}
