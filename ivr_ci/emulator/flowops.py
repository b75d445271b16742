"""The flows backend of one org: flow records and their versions (it owns them), and their
lifecycle: create, update, delete, check-out/in, publish, unlock, revert, deactivate, out-of-band
UI edits. Every change writes an audit record to the org's audit store."""

from __future__ import annotations

import copy
from typing import Any

from ivr_ci.emulator.archy import edit_yaml_config
from ivr_ci.emulator.audits import AuditStore
from ivr_ci.emulator.context import OrgContext
from ivr_ci.emulator.exceptions import GenesysError, bad_request, conflict, not_found
from ivr_ci.emulator.flows import Actor, FlowRecord, FlowRenderer, FlowVersionRec
from ivr_ci.emulator.orgobjects import OrgObjects


class FlowsBackend:
    def __init__(self, context: OrgContext, objects: OrgObjects, audits: AuditStore) -> None:
        self.context = context
        self.objects = objects
        self.audits = audits
        self.records: dict[str, FlowRecord] = {}  # flow id → record (deleted flows stay, marked)
        self.histories: dict[str, str] = {}  # history job id → flow id (not persisted)
        self.renderer = FlowRenderer(objects, context.client_names)

    def to_state(self) -> dict[str, Any]:
        return {"flows": [f.to_state() for f in self.records.values()]}

    def load_state(self, data: dict[str, Any]) -> None:
        self.records = {f["id"]: FlowRecord.from_state(f) for f in data.get("flows", [])}

    # ---- lookup ---------------------------------------------------------------------------
    def get(self, flow_id: str, include_deleted: bool = False) -> FlowRecord:
        flow = self.records.get(flow_id)
        if flow is None or (flow.deleted and not include_deleted):
            raise not_found("Flow", flow_id)
        return flow

    def find(self, name: str, flow_type: str | None = None) -> FlowRecord | None:
        for flow in self.records.values():
            if flow.deleted or flow.name.casefold() != name.casefold():
                continue
            if flow_type is None or flow.type == flow_type:
                return flow
        return None

    def by_name_or_id(self, name_or_id: str, flow_type: str | None = None) -> FlowRecord:
        flow = self.records.get(name_or_id)
        if flow is None or flow.deleted:
            flow = self.find(name_or_id, flow_type.upper() if flow_type else None)
        if flow is None:
            raise not_found(f"Flow '{name_or_id}'")
        return flow

    def ref(self, name_or_id: str) -> dict[str, Any] | None:
        """`{id, name, selfUri}` of a flow named or numbered so (an IVR's flow fields), or None."""
        flow = self.records.get(name_or_id) or self.find(name_or_id)
        return {"id": flow.id, "name": flow.name, "selfUri": f"/api/v2/flows/{flow.id}"} if flow else None

    def actor_name(self, actor: Actor) -> str:
        if actor.user_id:
            user = self.objects.get("user", actor.user_id, include_deleted=True)
            return user["name"] if user else actor.user_id
        return self.context.client_names.get(actor.client_id or "", actor.client_id or "unknown client")

    def lock_holder(self, flow: FlowRecord) -> str:
        assert flow.locked_by is not None
        kind = "user" if flow.locked_by.user_id else "client"
        return f"{kind} '{self.actor_name(flow.locked_by)}'"

    def check_not_locked_by_other(self, flow: FlowRecord, actor: Actor) -> None:
        if flow.locked_by is not None and not flow.locked_by.same(actor):
            holder = self.lock_holder(flow)
            raise conflict(f"The flow '{flow.name}' is locked by {holder}.",
                           entity_id=flow.id, entity_name=flow.name,
                           message_params={"flowName": flow.name, "lockedBy": holder})

    # ---- audits ---------------------------------------------------------------------------
    def audit(self, actor: Actor, action: str, flow: FlowRecord,
                   changes: list[tuple[str, list[str], list[str]]] | None = None,
                   version: str | None = None) -> None:
        context = {"flowType": flow.type, "divisionId": flow.division_id or ""}
        if version:
            context["version"] = version
        extra: dict[str, Any] = {
            "remoteIp": [actor.remote_ip], "context": context,
            "propertyChanges": [{"property": p, "oldValues": o, "newValues": n} for p, o, n in changes or []],
        }
        if actor.application:
            extra["application"] = actor.application
        self.audits.add(self.context.clock.now_ms(), action, flow.id, flow.name, user_id=actor.user_id,
                        client_id=actor.client_id, extra=extra)
        flow.modified_ms = self.context.clock.now_ms()

    # ---- create / update / delete ---------------------------------------------------------
    def create(self, name: str, flow_type: str, actor: Actor, division_id: str | None = None,
                    description: str = "", lock: bool = True) -> FlowRecord:
        if not name or not name.strip():
            raise bad_request("A flow name is required.", details=[{"errorCode": "missing.field",
                                                                     "fieldName": "name"}])
        if self.find(name, flow_type) is not None:
            raise conflict(f"A flow with the name '{name}' and type {flow_type} already exists.",
                           entity_name=name)
        now = self.context.clock.now_ms()
        flow = FlowRecord(id=self.context.new_id("flow"), name=name, type=flow_type,
                          division_id=division_id or (self.objects.home_division() or {}).get("id"),
                          description=description, created_ms=now, modified_ms=now,
                          locked_by=actor if lock else None)
        self.records[flow.id] = flow
        self.audit(actor, "Create", flow, [("name", [], [name])])
        return flow

    def update(self, flow_id: str, body: dict[str, Any], actor: Actor) -> FlowRecord:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        changes: list[tuple[str, list[str], list[str]]] = []
        if "name" in body:
            if not isinstance(body["name"], str) or not body["name"].strip():
                raise bad_request("A flow name is required.")
            if body["name"] != flow.name:
                changes.append(("name", [flow.name], [body["name"]]))
                flow.name = body["name"]
        if "description" in body and body["description"] != flow.description:
            changes.append(("description", [flow.description], [str(body["description"] or "")]))
            flow.description = str(body["description"] or "")
        division = body.get("division")
        if isinstance(division, dict) and division.get("id") and division["id"] != flow.division_id:
            if self.objects.get("division", division["id"]) is None:
                raise bad_request(f"Division {division['id']} does not exist.", code="invalid.value")
            changes.append(("division", [flow.division_id or ""], [division["id"]]))
            flow.division_id = division["id"]
        self.audit(actor, "Update", flow, changes)
        return flow

    def delete(self, flow_id: str, actor: Actor) -> None:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        flow.deleted, flow.active, flow.locked_by = True, False, None
        self.audit(actor, "Delete", flow)

    # ---- versions -------------------------------------------------------------------------
    def add_version(self, flow: FlowRecord, actor: Actor, config: Any, yaml_text: str | None,
                    refs: list[dict[str, Any]] | None = None) -> FlowVersionRec:
        n = flow.next_version_number()
        version = FlowVersionRec(id=f"{n}.0", n=n, created_ms=self.context.clock.now_ms(), created_by=actor,
                                 config=config, yaml=yaml_text, refs=list(refs or []))
        flow.versions.append(version)
        return version

    def publish_version(self, flow: FlowRecord, version: FlowVersionRec, actor: Actor) -> None:
        now = self.context.clock.now_ms()
        old = flow.published_version
        if old is not None and old is not version:
            old.unpublished_ms = now
        version.published_ms, version.unpublished_ms = now, None
        version.checked_in_ms = version.checked_in_ms or now
        flow.published, flow.checked_in = version.id, version.id
        flow.published_by, flow.active, flow.draft = actor, True, None
        if flow.locked_by is not None and flow.locked_by.same(actor):
            flow.locked_by = None
        self.audit(actor, "Publish", flow, [("publishedVersion", [old.id] if old else [], [version.id])],
                        version=version.id)

    def create_version(self, flow_id: str, config: Any, actor: Actor) -> FlowVersionRec:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        latest = flow.latest
        version = self.add_version(flow, actor, config, latest.yaml if latest else None,
                                   latest.refs if latest else [])
        version.checked_in_ms = self.context.clock.now_ms()
        flow.checked_in = version.id
        self.audit(actor, "Save", flow, [("version", [latest.id] if latest else [], [version.id])],
                        version=version.id)
        return version

    # ---- actions --------------------------------------------------------------------------
    def checkout(self, flow_id: str, actor: Actor) -> FlowRecord:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        if flow.locked_by is None:
            flow.locked_by = actor
            latest = flow.latest
            flow.draft = FlowVersionRec(
                id=f"{flow.next_version_number()}.0", n=flow.next_version_number(),
                created_ms=self.context.clock.now_ms(), created_by=actor,
                config=copy.deepcopy(latest.config) if latest else None,
                yaml=latest.yaml if latest else None, refs=list(latest.refs) if latest else [])
            self.audit(actor, "Checkout", flow, [("lockedBy", [], [self.actor_name(actor)])])
        return flow

    def checkin(self, flow_id: str, actor: Actor) -> dict[str, Any]:
        flow = self.get(flow_id)
        if flow.locked_by is None:
            raise bad_request(f"The flow '{flow.name}' is not checked out.", code="flow.not.checked.out")
        self.check_not_locked_by_other(flow, actor)
        draft, flow.draft = flow.draft, None
        if draft is not None:
            draft.n = flow.next_version_number()
            draft.id = f"{draft.n}.0"
            draft.checked_in_ms = self.context.clock.now_ms()
            flow.versions.append(draft)
            flow.checked_in = draft.id
        flow.locked_by = None
        self.audit(actor, "Checkin", flow, [("checkedInVersion", [], [flow.checked_in or ""])],
                        version=flow.checked_in)
        return self.renderer.operation("CHECKIN", actor, self.context.new_id("operation"))

    def publish(self, flow_id: str, version_id: str | None, actor: Actor) -> dict[str, Any]:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        if version_id:
            version = flow.version(version_id)
            if version is None:
                raise not_found(f"Version {version_id} of flow", flow.id)
        elif flow.draft is not None:
            version = flow.draft
            flow.draft = None
            version.n = flow.next_version_number()
            version.id = f"{version.n}.0"
            flow.versions.append(version)
        else:
            version = flow.version(flow.checked_in) or flow.latest
        if version is None:
            raise bad_request(f"The flow '{flow.name}' has no configuration to publish.",
                              code="flow.no.configuration")
        self.publish_version(flow, version, actor)
        return self.renderer.operation("PUBLISH", actor, self.context.new_id("operation"))

    def unlock(self, flow_id: str, actor: Actor) -> FlowRecord:
        flow = self.get(flow_id)
        if flow.locked_by is not None:
            holder = self.actor_name(flow.locked_by)
            flow.locked_by, flow.draft = None, None
            self.audit(actor, "Unlock", flow, [("lockedBy", [holder], [])])
        return flow

    def revert(self, flow_id: str, actor: Actor) -> FlowRecord:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        if flow.draft is None and flow.locked_by is None:
            raise bad_request(f"The flow '{flow.name}' has no changes to revert.", code="flow.not.checked.out")
        flow.draft, flow.locked_by = None, None
        self.audit(actor, "Revert", flow, version=flow.checked_in)
        return flow

    def deactivate(self, flow_id: str, actor: Actor) -> FlowRecord:
        flow = self.get(flow_id)
        self.check_not_locked_by_other(flow, actor)
        if flow.active:
            flow.active = False
            self.audit(actor, "Deactivate", flow, [("active", ["true"], ["false"])])
        return flow

    # ---- out of band (admin) --------------------------------------------------------------
    def user_actor(self, user: str) -> Actor:
        obj = self.objects.find("user", user) or self.objects.get("user", user)
        if obj is None:
            raise GenesysError(404, "not.found", f"No user named '{user}' in org '{self.context.name}'.")
        return Actor(user_id=obj["id"], remote_ip="10.0.0.1", application="Architect")

    def lock_by_user(self, flow: FlowRecord, user: str) -> FlowRecord:
        actor = self.user_actor(user)
        self.check_not_locked_by_other(flow, actor)
        if flow.locked_by is None:
            self.checkout(flow.id, actor)
        return flow

    def ui_edit(self, flow: FlowRecord, user: str, yaml_text: str | None = None,
                description: str | None = None, publish: bool = True) -> FlowRecord:
        """A user edits the flow in Architect (check out, change, check in, maybe publish)."""
        actor = self.user_actor(user)
        self.checkout(flow.id, actor)
        if description is not None and description != flow.description:
            self.audit(actor, "Update", flow, [("description", [flow.description], [description])])
            flow.description = description
        draft = flow.draft
        if draft is not None:
            if yaml_text is not None:
                draft.yaml, draft.config, draft.refs = edit_yaml_config(yaml_text, None)
            elif description is not None and draft.yaml:
                draft.yaml, draft.config, draft.refs = edit_yaml_config(draft.yaml, description)
        if publish:
            self.publish(flow.id, None, actor)
        else:
            self.checkin(flow.id, actor)
        return flow
