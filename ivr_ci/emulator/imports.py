"""Import jobs: the uploaded Archy YAML really is parsed, checked against the org and published.

A job fails, with Archy-style messages, when the YAML still holds `{{…}}` placeholders, does
not parse, names an unknown flow type or division, references an org object the org lacks,
targets a flow locked by someone else, or matches an injected `job_failure` fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from ivr_ci.emulator.archy import FLOW_REF_KINDS, ParsedFlow, Ref, parse_flow, plain
from ivr_ci.emulator.context import OrgContext
from ivr_ci.emulator.flowops import FlowsBackend
from ivr_ci.emulator.flows import FLOW_TYPES, Actor, FlowRecord
from ivr_ci.emulator.orgobjects import KINDS, OrgObjects

_LABELS = {"queue": "queue", "prompt": "user prompt", "scheduleGroup": "schedule group",
           "schedule": "schedule", "emergencyGroup": "emergency group", "dataAction": "data action",
           "dataTable": "data table", "languageSkill": "language skill", "skill": "skill", "user": "user",
           "group": "group", "wrapupCode": "wrap-up code", "contactList": "contact list", "script": "script",
           "division": "division", "flow": "flow", "commonModule": "common module flow",
           "botFlow": "bot flow", "digitalBotFlow": "digital bot flow"}
_LOOKUP_URLS = {"queue": "/api/v2/routing/queues?name=", "prompt": "/api/v2/architect/prompts?name=",
                "scheduleGroup": "/api/v2/architect/schedulegroups?name=",
                "schedule": "/api/v2/architect/schedules?name=", "dataAction": "/api/v2/integrations/actions?name=",
                "dataTable": "/api/v2/flows/datatables?name=", "languageSkill": "/api/v2/routing/languages?name=",
                "skill": "/api/v2/routing/skills?name=", "wrapupCode": "/api/v2/routing/wrapupcodes?name=",
                "user": "/api/v2/users/search?name=", "group": "/api/v2/groups/search?name=",
                "division": "/api/v2/authorization/divisions?name="}


@dataclass
class ImportJob:
    id: str
    actor: Actor
    created_ms: int
    create_stubs: bool = False
    status: str = "Registered"
    yaml: str | None = None
    uploaded_ms: int | None = None
    polls: int = 0
    flow_id: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    number: int = 0  # 1-based count of import jobs in this org (for job_failure faults)

    def state_body(self, expand_messages: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id}
        if self.flow_id:
            out["flow"] = {"id": self.flow_id, "selfUri": f"/api/v2/flows/{self.flow_id}"}
        out.update(status=self.status, command="Publish")
        if expand_messages:
            out["messages"] = [dict(m) for m in self.messages]
        out["selfUri"] = f"/api/v2/flows/jobs/{self.id}"
        return out

    def to_state(self) -> dict[str, Any]:
        data = asdict(self)
        data["actor"] = self.actor.to_state()
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> ImportJob:
        data = dict(data)
        data["actor"] = Actor.from_state(data.get("actor")) or Actor()
        return cls(**data)


class ImportJobsBackend:
    """The import jobs of one org (it owns them): register, upload (by the handler), poll,
    and the import itself, which creates and publishes flows through the flows backend."""

    def __init__(self, context: OrgContext, flows: FlowsBackend, objects: OrgObjects) -> None:
        self.context = context
        self.flows = flows
        self.objects = objects
        self.jobs: dict[str, ImportJob] = {}
        self.count = 0  # import jobs ever registered in this org (job_failure faults count them)

    def to_state(self) -> dict[str, Any]:
        return {"importCount": self.count, "importJobs": [j.to_state() for j in self.jobs.values()]}

    def load_state(self, data: dict[str, Any]) -> None:
        self.count = int(data.get("importCount", 0))
        self.jobs = {j["id"]: ImportJob.from_state(j) for j in data.get("importJobs", [])}

    def message(self, text: str, details: list[dict[str, Any]] | None = None,
                kind: str = "Error") -> dict[str, Any]:
        return self.context.message(text, details, kind)

    def register(self, actor: Actor, create_stubs: bool) -> ImportJob:
        self.count += 1
        job = ImportJob(id=self.context.new_id("job"), actor=actor, created_ms=self.context.clock.now_ms(),
                        create_stubs=create_stubs, number=self.count)
        self.jobs[job.id] = job
        return job

    def publish_now(self, actor: Actor, yaml_text: str) -> ImportJob:
        """Import and publish at once, outside the job table (seeded flows)."""
        job = ImportJob(id=self.context.new_id("job"), actor=actor, created_ms=self.context.clock.now_ms(),
                        yaml=yaml_text)
        self.complete(job)
        return job

    def poll(self, job: ImportJob) -> ImportJob:
        if job.status in ("Success", "Failure") or job.yaml is None:
            return job
        job.polls += 1
        settings = self.context.settings
        elapsed = self.context.clock.now_ms() - (job.uploaded_ms or 0)
        if job.polls < settings.import_job_polls or elapsed < settings.job_latency_ms:
            job.status = "Started"
            return job
        self.complete(job)
        return job

    def settle(self) -> None:
        """Finish every uploaded job whose time has come, whether anyone polls it or not."""
        now = self.context.clock.now_ms()
        horizon = max(self.context.settings.import_job_completes_ms, self.context.settings.job_latency_ms)
        for job in self.jobs.values():
            if job.status not in ("Success", "Failure") and job.yaml is not None \
                    and job.uploaded_ms is not None and now - job.uploaded_ms >= horizon:
                self.complete(job)

    def complete(self, job: ImportJob) -> None:
        errors: list[dict[str, Any]] = []
        parsed = self._check_upload(job, errors)
        flow: FlowRecord | None = None
        if parsed is not None and not errors:
            flow = self.flows.find(parsed.name, parsed.api_type)
            if flow is not None and flow.locked_by is not None and not flow.locked_by.same(job.actor):
                errors.append(self.message(
                    f"The flow '{flow.name}' ({flow.type.lower()}) is locked by {self.flows.lock_holder(flow)} and "
                    "cannot be published. Unlock it in Architect or publish with the forceUnlock option."))
        if parsed is not None and not errors:
            self._resolve_refs(parsed, job, errors)
        if parsed is not None and not errors:
            fault = self.context.faults.job_failure(self.context.name, parsed.name)
            if fault is not None:
                errors.append(self.message(fault))
        if errors or parsed is None:
            job.status, job.messages = "Failure", errors
            name = f" '{parsed.name}'" if parsed is not None and parsed.name else ""
            job.messages.append(self.message(f"Flow{name} could not be published: {len(errors)} error(s)."))
            return
        job.flow_id = self._apply_import(job, parsed, flow).id
        job.status = "Success"
        job.messages = [self.message(f"Flow '{parsed.name}' published.", kind="Unknown")]

    # ---- steps ----------------------------------------------------------------------------
    def _check_upload(self, job: ImportJob, errors: list[dict[str, Any]]) -> ParsedFlow | None:
        text = job.yaml or ""
        if not text.strip():
            errors.append(self.message("The uploaded flow file is empty."))
            return None
        result = parse_flow(text, f"job-{job.id}.yaml")
        for key, line, col in result.placeholders:
            errors.append(self.message(
                f"pre-processor substitution key of '{key}' was found in the flow YAML, but was not found "
                f"in the options file (line {line}, column {col})"))
        if result.placeholders:
            return result.flow
        for msg, line in result.errors:
            errors.append(self.message(f"Error parsing the flow YAML{f' at line {line}' if line else ''}: {msg}"))
        parsed = result.flow
        if parsed is None:
            return None
        where = f"'/{parsed.type_key}'"
        if parsed.api_type not in FLOW_TYPES:
            errors.append(self.message(f"Unknown flow type '{parsed.type_key}' (top-level key of the flow YAML)."))
        if not parsed.name.strip():
            errors.append(self.message(f"A flow name is required ('name' in {where})"))
        if parsed.division and self.objects.find("division", parsed.division) is None:
            errors.append(self.message(
                f"Unable to find a division named '{parsed.division}' ('division' in {where})",
                [self._diagnostic("division", parsed.division)]))
        return parsed

    def _diagnostic(self, kind: str, name: str) -> dict[str, Any]:
        url = _LOOKUP_URLS.get(kind, "/api/v2/architect/dependencytracking?name=") + quote(name)
        return {"type": "NetworkDiagnostic", "url": url, "method": "GET", "statusCode": 200,
                "statusMessage": "OK", "correlationId": self.context.new_id("correlation"),
                "responseBody": '{"entities":[],"pageSize":25,"pageNumber":1,"total":0,"pageCount":0}'}

    def _resolve_refs(self, parsed: ParsedFlow, job: ImportJob,
                      errors: list[dict[str, Any]]) -> None:
        seen: set[tuple[str, str, str | None]] = set()
        for ref in parsed.refs:
            key = (ref.kind, ref.name.casefold(), (ref.category or "").casefold())
            if key in seen:
                continue
            seen.add(key)
            if ref.kind in ("systemPrompt", "division") or ref.name.startswith("PromptSystem."):
                continue  # system prompts always exist; the division was checked above
            if ref.kind in FLOW_REF_KINDS:
                target = self._resolve_flow_ref(ref, parsed, job)
                if target is None:
                    label = _LABELS.get(ref.kind, ref.kind)
                    errors.append(self.message(
                        f"no matches: unable to find a {label} named '{ref.name}'{_line(ref)}. Publish it first "
                        "or register the job with createStubs."))
                continue
            if ref.kind not in KINDS:
                continue  # object kinds the emulator does not model (knowledge bases, Lex bots, ...)
            name = ref.name[len("Prompt."):] if ref.kind == "prompt" and ref.name.startswith("Prompt.") else ref.name
            obj = self.objects.find(ref.kind, name, category=ref.category)
            if obj is None:
                label = _LABELS.get(ref.kind, ref.kind)
                where = f" in integration '{ref.category}'" if ref.category else ""
                errors.append(self.message(
                    f"no matches: unable to find a {label} named '{name}'{where}{_line(ref)}",
                    [self._diagnostic(ref.kind, name)]))

    def _resolve_flow_ref(self, ref: Ref, parsed: ParsedFlow, job: ImportJob) -> Any:
        flow_type = FLOW_REF_KINDS.get(ref.kind) or ref.flow_type
        if ref.name.casefold() == parsed.name.casefold() and flow_type in (None, parsed.api_type):
            return True  # a flow referring to itself
        target = self.flows.find(ref.name, flow_type)
        if target is None and job.create_stubs:
            target = self.flows.create(ref.name, flow_type or "INBOUNDCALL", job.actor, lock=False)
        return target

    def _apply_import(self, job: ImportJob, parsed: ParsedFlow,
                      flow: FlowRecord | None) -> FlowRecord:
        division = self.objects.find("division", parsed.division) if parsed.division else None
        division_id = division["id"] if division else None
        if flow is None:
            flow = self.flows.create(parsed.name, parsed.api_type, job.actor, division_id=division_id,
                                    description=parsed.description, lock=False)
        else:
            changes = []
            if parsed.description != flow.description:
                changes.append(("description", [flow.description], [parsed.description]))
                flow.description = parsed.description
            if division_id and division_id != flow.division_id:
                changes.append(("division", [flow.division_id or ""], [division_id]))
                flow.division_id = division_id
            self.flows.audit(job.actor, "Update", flow, changes + [("configuration", [
                flow.published or ""], [f"{flow.next_version_number()}.0"])])
        flow.supported_languages = list(parsed.supported_languages)
        flow.default_language = parsed.default_language
        version = self.flows.add_version(flow, job.actor, plain(parsed.raw), job.yaml, [asdict(r) for r in parsed.refs])
        self.flows.publish_version(flow, version, job.actor)
        return flow


def _line(ref: Ref) -> str:
    return f" (line {ref.line})" if ref.line else ""
