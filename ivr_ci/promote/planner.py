"""Compute a plan against the target org (read-only): preflight, compare, order, hash."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.flow import load_flow_text
from ivr_ci.promote.ordering import dependencies, label, topological_order
from ivr_ci.promote.plan import CREATE, UNCHANGED, UPDATE, Plan, PlanFlow
from ivr_ci.promote.preflight import check_objects, permission_report
from ivr_ci.promote.release import Release
from ivr_ci.promote.render import RenderedFlow
from ivr_ci.promote.target import export_published, list_target

if TYPE_CHECKING:
    from ivr_ci.flow.model import Flow
    from ivr_ci.genesys.client import GenesysClient

log = logging.getLogger("ivr_ci.promote")


def _same(rendered: Flow, exported_text: str) -> bool:
    from ivr_ci.diff.normalize import semantically_equal

    exported = load_flow_text(exported_text, "<published>")
    return exported.flow is not None and semantically_equal(rendered, exported.flow)


MAX_CHANGES = 25  # per flow in the plan; the diff command shows everything


def describe_change(old_text: str | None, new: Flow) -> tuple[str, list[dict[str, Any]]]:
    """A one-line summary and the semantic changes (JSON form) of a changed flow."""
    if old_text is None:
        return "new flow", []
    try:
        from ivr_ci.diff import compare_flows
    except ImportError:  # pragma: no cover - diff package absent
        return "changed", []
    old = load_flow_text(old_text, "<published>").flow
    if old is None:
        return "published version could not be read; replaced", []
    changes = compare_flows(old, new)
    if not changes:
        return "changed (formatting-level differences only)", []
    by_risk: dict[str, int] = {}
    for c in changes:
        by_risk[c.risk.value] = by_risk.get(c.risk.value, 0) + 1
    risks = ", ".join(f"{n} {r}" for r, n in sorted(by_risk.items()))
    return f"{len(changes)} change(s): {risks}", [c.to_json() for c in changes[:MAX_CHANGES]]


def compute_plan(client: GenesysClient, release: Release, *, git_sha: str | None, workers: int = 4,
                 force_unlock: bool = False, export_timeout: float | None = None,
                 token_details: bool = True) -> Plan:
    """Everything an apply needs to know, fetched read-only. Release errors must be handled first."""
    flows = release.flows
    target = list_target(client, {f.yaml_type for f in flows if f.yaml_type})
    pre = check_objects(client, flows, target, release.keys, workers=workers,
                        release_prompts={str(p.name).casefold() for p in release.prompts if p.name})

    existing: dict[int, Any] = {}
    to_export: list[tuple[str, str]] = []
    for i, f in enumerate(flows):
        t = target.find(f.yaml_type or "", f.name or "")
        existing[i] = t
        if t is not None and t.published_version:
            to_export.append((t.id, t.published_version))
    snapshots = export_published(client, to_export, timeout=export_timeout) if to_export else {}

    plan_flows: list[PlanFlow] = []
    findings: list[Finding] = list(pre.findings)
    for i, f in enumerate(flows):
        t = existing[i]
        assert f.doc.flow is not None
        snapshot = snapshots.get(t.id) if t is not None else None
        if t is None:
            action = CREATE
        elif t.published_version is None:
            action = UPDATE
            findings.append(Finding("promote-plan", Severity.WARNING, (
                f"flow '{f.name}' exists in the target org but was never published: a rollback could not "
                "restore an unpublished state"), f.path, f.doc.flow.line, 1, flow=f.name))
        else:
            action = UNCHANGED if snapshot is not None and _same(f.doc.flow, snapshot) else UPDATE
        plan_flows.append(PlanFlow(
            name=f.name or "", type=f.yaml_type or "", path=f.path, action=action, sha256=f.sha256,
            source_sha256=f.source_sha256, target_id=t.id if t else None,
            target_version=t.published_version if t else None, lock=t.lock if t else None,
            text=f.text, snapshot=snapshot))
        if action != UNCHANGED:
            plan_flows[-1].change_summary, plan_flows[-1].changes = describe_change(snapshot, f.doc.flow)

    from ivr_ci.promote import maintenance_render

    maintenance = maintenance_render.annotate_plan(plan_flows, flows)
    findings = maintenance_render.relocate(findings, flows)
    _order(plan_flows, flows)
    notes = list(release.notes) + list(pre.notes)
    for pf in plan_flows:
        if pf.changed and pf.lock is not None:
            # a plan is still a plan: the apply is what refuses (without --force-unlock)
            verb = "would be discarded (--force-unlock)" if force_unlock else \
                "blocks the apply unless --force-unlock discards it"
            findings.append(Finding("promote-lock", Severity.WARNING, (
                f"flow '{pf.name}' is locked by {pf.lock.describe()}: their unpublished draft {verb}"),
                pf.path, 1, 1, flow=pf.name))
        elif pf.lock is not None:
            notes.append(f"{pf.label} is locked by {pf.lock.describe()} (unchanged, not touched)")
    token_info = None
    if token_details:  # informational (role count); an apply spares the request
        try:
            token_info = client.token_info()
        except Exception as exc:  # noqa: BLE001 - the API may not offer it
            log.info("token info unavailable: %s", exc)
    kinds = {r.kind for f in flows if f.doc.flow is not None for r in f.doc.flow.org_references()}
    permissions = permission_report(pre, exported=bool(to_export), force_unlock=force_unlock,
                                    token_info=token_info, uses_kinds=kinds)
    if permissions["note"]:
        notes.append(permissions["note"])
    for missing in permissions["missing"]:
        findings.append(Finding("promote-permission", Severity.ERROR,
                                f"the OAuth client lacks permission '{missing}'", "<target org>"))
    plan = Plan(release.environment, client.endpoints.api_base, git_sha, plan_flows, findings, notes, permissions,
                maintenance=maintenance, maintenance_windows=maintenance_render.plan_windows(flows))
    if release.prompts:
        from ivr_ci.promote.prompts import plan_prompts

        plan.prompts = plan_prompts(client, release.prompts)
        needed = {"architect:userPrompt:view"} | ({"architect:userPrompt:add", "architect:userPrompt:edit",
                                                   "architect:userPrompt:delete"} if plan.changed_prompts else set())
        perms = plan.permissions
        perms["required"] = sorted(set(perms.get("required", [])) | needed)
        perms["verified"] = sorted(set(perms.get("verified", [])) | {"architect:userPrompt:view"})
        perms["unverifiable"] = sorted((set(perms.get("unverifiable", [])) | needed) - set(perms["verified"]))
    return plan


def _order(plan_flows: list[PlanFlow], flows: list[RenderedFlow]) -> None:
    """Number the changed flows callee-first; a cycle among them raises CycleError."""
    by_key = {(p.type, p.name): p for p in plan_flows}
    deps = dependencies(f.doc.flow for f in flows if f.doc.flow is not None)
    changed = [k for k, p in by_key.items() if p.changed]
    for n, key in enumerate(topological_order(changed, deps), start=1):
        by_key[key].order = n
    for d in deps:
        caller, callee = by_key.get(d.caller), by_key.get(d.callee)
        if caller and callee and caller.changed and callee.changed:
            caller.depends_on.append(label(d.callee))
