"""Online preflight: does every org object the rendered flows use exist in the target org?

All missing objects are listed in one run, each at its file:line (an import job stops at the
first flow that fails and says less). Queues without members are warned about: a transfer to
them would queue callers nobody answers. Flow references resolve against the org *or* this
release (a callee deployed first in the same apply).
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.flow.model import OrgRef
from ivr_ci.genesys.errors import Forbidden
from ivr_ci.promote.ordering import FLOW_REF_KINDS
from ivr_ci.promote.render import RenderedFlow
from ivr_ci.promote.target import TargetIndex

if TYPE_CHECKING:
    from ivr_ci.genesys.client import GenesysClient

# flow reference kind -> lookup kind of GenesysClient.find_by_name, label, permission it needs
LOOKUPS: dict[str, tuple[str, str, str | None]] = {
    "queue": ("queue", "queue", "routing:queue:view"),
    "prompt": ("prompt", "user prompt", "architect:userPrompt:view"),
    "scheduleGroup": ("schedule_group", "schedule group", "routing:scheduleGroup:view"),
    "schedule": ("schedule", "schedule", "routing:schedule:view"),
    "dataAction": ("data_action", "data action", "integrations:action:view"),
    "division": ("division", "division", None),
    "dataTable": ("data_table", "data table", "architect:datatable:view"),
    "skill": ("skill", "skill", "routing:skill:view"),
    "languageSkill": ("language", "language skill", None),
    "wrapupCode": ("wrapup_code", "wrap-up code", "routing:wrapupCode:view"),
}
# What an apply calls (OpenAPI x-inin-requires-permissions), beyond the lookups above.
DEPLOY_PERMISSIONS = ("architect:flow:view", "architect:flow:add", "architect:flow:edit", "architect:flow:publish",
                      "architect:flow:delete", "architect:job:create", "architect:job:view",
                      "architect:jobExport:create", "architect:jobExport:view")
UNLOCK_PERMISSION = "architect:flow:unlock"
_DENIED: Any = object()  # a lookup answered 403
NOT_CHECKED = {"systemPrompt": "system prompts are built into every org"}


@dataclass
class Preflight:
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    denied: set[str] = field(default_factory=set)  # permissions a lookup was refused (403)
    exercised: set[str] = field(default_factory=set)  # permissions a successful call proved


def _finding(sev: Severity, doc: RenderedFlow, ref: OrgRef, message: str) -> Finding:
    return Finding("promote-preflight", sev, message, doc.path, ref.line, ref.col, flow=doc.name)


def check_objects(client: GenesysClient, docs: list[RenderedFlow], target: TargetIndex,
                  release: set[tuple[str, str]], *, workers: int = 4,
                  release_prompts: set[str] | None = None) -> Preflight:
    result = Preflight()
    uses: list[tuple[RenderedFlow, OrgRef]] = []
    in_release = release_prompts or set()  # casefolded prompt names this release deploys
    for doc in docs:
        if doc.doc.flow is not None:
            uses.extend((doc, ref) for ref in doc.doc.flow.org_references()
                        if not (ref.kind == "prompt" and ref.name.casefold() in in_release))
    keys = sorted({(r.kind, r.name, r.category or "") for _, r in uses if r.kind in LOOKUPS})
    found: dict[tuple[str, str, str], Any] = {}

    def look(key: tuple[str, str, str]) -> tuple[tuple[str, str, str], Any]:
        kind, name, category = key
        lookup, _, permission = LOOKUPS[kind]
        try:
            if kind == "queue":
                return key, client.find_queue(name)
            if kind == "dataAction" and category:
                entity = client.find_by_name(lookup, name, category=category)
                if entity is not None and entity.get("category") and \
                        str(entity["category"]).casefold() != category.casefold():
                    entity = None
                return key, entity
            return key, client.find_by_name(lookup, name)
        except Forbidden:
            return key, _DENIED

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for key, value in pool.map(look, keys):
            found[key] = value
    skipped: dict[str, str] = {}
    for doc, ref in uses:
        if ref.kind in FLOW_REF_KINDS:
            _check_flow_ref(result, doc, ref, target, release)
            continue
        if ref.kind not in LOOKUPS:
            skipped.setdefault(ref.kind, NOT_CHECKED.get(ref.kind, "no lookup for it in the API subset"))
            continue
        _, label, permission = LOOKUPS[ref.kind]
        value = found[(ref.kind, ref.name, ref.category or "")]
        if value is _DENIED:
            if permission:
                result.denied.add(permission)
            continue
        if permission:
            result.exercised.add(permission)
        if value is None:
            where = f" in integration '{ref.category}'" if ref.category else ""
            result.findings.append(_finding(Severity.ERROR, doc, ref, (
                f"{label} '{ref.name}'{where} does not exist in the target org")))
        elif ref.kind == "queue" and int(value.get("memberCount") or 0) == 0:
            result.findings.append(_finding(Severity.WARNING, doc, ref, (
                f"queue '{ref.name}' has no members in the target org: transferred callers would wait unanswered")))
    if any(r.kind == "prompt" for _, r in uses):
        from ivr_ci.promote.prompts import external_language_findings

        result.findings += external_language_findings(client, uses, found, in_release)
    for kind, why in sorted(skipped.items()):
        result.notes.append(f"{kind} references were not checked online ({why})")
    for permission in sorted(result.denied):
        result.notes.append(f"lookups needing '{permission}' were refused (403): those objects could not be checked")
    return result


def _check_flow_ref(result: Preflight, doc: RenderedFlow, ref: OrgRef, target: TargetIndex,
                    release: set[tuple[str, str]]) -> None:
    want = ref.flow_type or FLOW_REF_KINDS[ref.kind]
    in_release = any(n == ref.name and (want is None or t == want) for t, n in release)
    if in_release:
        return
    if want is not None:
        exists = target.find(want, ref.name) is not None
    else:  # transfer targets name no type: any flow type will do
        exists = any(f.name.casefold() == ref.name.casefold() for f in target.flows)
    if not exists:
        kind = f"{want} flow" if want else "flow"
        result.findings.append(_finding(Severity.ERROR, doc, ref, (
            f"{kind} '{ref.name}' does not exist in the target org and is not part of this release")))


def permission_report(pre: Preflight, *, exported: bool, force_unlock: bool, token_info: dict[str, Any] | None,
                      uses_kinds: Iterable[str] = ()) -> dict[str, Any]:
    """What the deploy needs, what this plan's own calls proved, and what the API cannot tell."""
    lookup_permissions = (LOOKUPS[k][2] for k in uses_kinds if k in LOOKUPS)
    required = set(DEPLOY_PERMISSIONS) | {p for p in lookup_permissions if p}
    if force_unlock:
        required.add(UNLOCK_PERMISSION)
    proved = set(pre.exercised) | {"architect:flow:view"}
    if exported:
        proved |= {"architect:jobExport:create", "architect:jobExport:view"}
    missing = sorted(pre.denied)
    unknown = sorted(required - proved - set(missing))
    roles = None
    if token_info:
        client = token_info.get("OAuthClient") or {}
        roles = len(client.get("roleDivisions") or [])
    note = ("The Genesys API has no call that lists an OAuth client's permissions (the token exposes only role "
            "ids), so these could not be verified before the deploy: " + ", ".join(unknown)) if unknown else ""
    return {"required": sorted(required), "verified": sorted(proved & required), "missing": missing,
            "unverifiable": unknown, "roleDivisions": roles, "note": note}
