"""Architect dependency tracking, derived from the references stored with each flow version."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ivr_ci.emulator.archy import DEPENDENCY_TYPES, FLOW_REF_KINDS
from ivr_ci.emulator.flows import FLOW_TYPES, FlowRecord, dependency_type
from ivr_ci.emulator.orgobjects import KINDS, SELF_URIS
from ivr_ci.emulator.util import name_matches, stable_id

if TYPE_CHECKING:
    from ivr_ci.emulator.models import OrgBackend

FLOW_DEPENDENCY_TYPES = {dependency_type(t): t for t in FLOW_TYPES}
OBJECT_TYPES = sorted(set(DEPENDENCY_TYPES.values()) | set(FLOW_DEPENDENCY_TYPES) | {"IVRCONFIGURATION"})
_KIND_BY_TYPE = {v: k for k, v in DEPENDENCY_TYPES.items() if k in KINDS}
_KIND_BY_TYPE["IVRCONFIGURATION"] = "ivr"


def type_entity(type_id: str) -> dict[str, Any]:
    return {"id": type_id, "name": type_id.title().replace("flow", " Flow"),
            "versioned": type_id in FLOW_DEPENDENCY_TYPES,
            "selfUri": f"/api/v2/architect/dependencytracking/types/{type_id}"}


def flow_dependency(flow: FlowRecord, version: str | None = None) -> dict[str, Any]:
    out = {"id": flow.id, "name": flow.name, "type": dependency_type(flow.type), "deleted": flow.deleted,
           "updated": False, "stateUnknown": False, "selfUri": f"/api/v2/flows/{flow.id}"}
    if version or flow.published:
        out["version"] = version or flow.published
    return out


def resolve_ref(org: OrgBackend, ref: dict[str, Any]) -> dict[str, Any] | None:
    kind, name = ref["kind"], ref["name"]
    if kind == "systemPrompt" or name.startswith("PromptSystem."):
        short = name.split(".", 1)[1] if name.startswith("PromptSystem.") else name
        return {"id": short, "name": short, "type": "SYSTEMPROMPT", "deleted": False, "updated": False,
                "stateUnknown": False, "selfUri": f"/api/v2/architect/systemprompts/{short}"}
    if kind in FLOW_REF_KINDS:
        flow = org.flows.find(name, FLOW_REF_KINDS.get(kind) or ref.get("flow_type"))
        if flow is not None:
            return flow_dependency(flow)
        dep_type = dependency_type(FLOW_REF_KINDS.get(kind) or ref.get("flow_type") or "INBOUNDCALL")
        return {"id": stable_id("missing", org.id, kind, name), "name": name, "type": dep_type,
                "deleted": True, "updated": False, "stateUnknown": True}
    if kind not in KINDS or kind not in DEPENDENCY_TYPES or kind == "division":
        return None
    if kind == "prompt" and name.startswith("Prompt."):
        name = name[len("Prompt."):]
    obj = org.objects.find(kind, name, category=ref.get("category"), include_deleted=True)
    if obj is None:
        return {"id": stable_id("missing", org.id, kind, name), "name": name, "type": DEPENDENCY_TYPES[kind],
                "deleted": True, "updated": False, "stateUnknown": True}
    return {"id": obj["id"], "name": obj["name"], "type": DEPENDENCY_TYPES[kind], "deleted": bool(obj["deleted"]),
            "updated": False, "stateUnknown": False, "selfUri": f"{SELF_URIS[kind]}/{obj['id']}"}


def consumed(org: OrgBackend, flow: FlowRecord, version_id: str | None,
             resource_types: list[str] | None = None) -> list[dict[str, Any]]:
    version = flow.version(version_id) if version_id else (flow.published_version or flow.latest)
    out: dict[str, dict[str, Any]] = {}
    for ref in version.refs if version else []:
        dep = resolve_ref(org, ref)
        if dep is None or dep["id"] == flow.id:
            continue
        if resource_types and dep["type"] not in resource_types:
            continue
        out.setdefault(dep["id"], dep)
    return sorted(out.values(), key=lambda d: (d["type"], d["name"].casefold()))


def consuming(org: OrgBackend, object_id: str, flow_filter: str | None = None,
              resource_types: list[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for flow in org.flows.records.values():
        if flow.deleted:
            continue
        version = flow.version(flow.checked_in) if flow_filter == "checkedIn" else flow.published_version
        if version is None:
            continue
        ids = {d["id"] for d in consumed(org, flow, version.id)}
        if object_id in ids and (not resource_types or dependency_type(flow.type) in resource_types):
            out.append(flow_dependency(flow, version.id))
    return sorted(out, key=lambda d: d["name"].casefold())


def all_objects(org: OrgBackend) -> list[tuple[dict[str, Any], FlowRecord | None]]:
    """Every trackable object as (Dependency, flow record or None)."""
    out: list[tuple[dict[str, Any], FlowRecord | None]] = [
        (flow_dependency(f), f) for f in org.flows.records.values() if not f.deleted]
    for kind, dep_type in DEPENDENCY_TYPES.items():
        if kind not in KINDS:
            continue
        for obj in org.objects.all(kind):
            out.append(({"id": obj["id"], "name": obj["name"], "type": dep_type, "deleted": False,
                         "updated": False, "stateUnknown": False,
                         "selfUri": f"{SELF_URIS[kind]}/{obj['id']}"}, None))
    return out


def dependency_object(org: OrgBackend, dep: dict[str, Any], flow: FlowRecord | None, with_consumed: bool,
                      with_consuming: bool, version: str | None = None) -> dict[str, Any]:
    out = dict(dep)
    if with_consumed and flow is not None:
        out["consumedResources"] = consumed(org, flow, version)
    if with_consuming:
        out["consumingResources"] = consuming(org, dep["id"])
    return out


def search(org: OrgBackend, name: str, object_types: list[str]) -> list[tuple[dict[str, Any], FlowRecord | None]]:
    pattern = name if "*" in name else f"*{name}*"
    return sorted(
        [(d, f) for d, f in all_objects(org)
         if name_matches(d["name"], pattern) and (not object_types or d["type"] in object_types)],
        key=lambda x: (x[0]["name"].casefold(), x[0]["type"]))


def broken_consumers(org: OrgBackend, deleted: bool) -> list[dict[str, Any]]:
    """Flows whose published version uses a deleted (or never-resolved) resource."""
    out = []
    for flow in org.flows.records.values():
        if flow.deleted or flow.published_version is None:
            continue
        deps = consumed(org, flow, flow.published)
        if any(d["deleted"] for d in deps) if deleted else any(d.get("updated") for d in deps):
            out.append({**flow_dependency(flow), "consumedResources": deps})
    return out
