"""Export jobs (published YAML behind a plain, unauthenticated download URL) and validate jobs."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ivr_ci.emulator.archy import FLOW_REF_KINDS, export_yaml
from ivr_ci.emulator.context import OrgContext
from ivr_ci.emulator.exceptions import bad_request, invalid_value, not_found
from ivr_ci.emulator.flowops import FlowsBackend
from ivr_ci.emulator.flows import FlowRecord
from ivr_ci.emulator.orgobjects import KINDS, OrgObjects
from ivr_ci.emulator.util import sanitize_file_name

_FILE_NAME_RE = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass
class ExportJob:
    id: str
    created_ms: int
    items: list[dict[str, Any]]  # {flowId, version, fileName, exportType}
    command: str = "Export"
    status: str = "Registered"
    polls: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)

    def to_state(self) -> dict[str, Any]:
        return asdict(self)


class ExportJobsBackend:
    """The export jobs (persisted) and validate jobs (not persisted) of one org; both read the
    flows backend and never change it."""

    def __init__(self, context: OrgContext, flows: FlowsBackend, objects: OrgObjects) -> None:
        self.context = context
        self.flows = flows
        self.objects = objects
        self.jobs: dict[str, ExportJob] = {}
        self.validate_jobs: dict[str, ExportJob] = {}

    def to_state(self) -> dict[str, Any]:
        return {"exportJobs": [j.to_state() for j in self.jobs.values()]}

    def load_state(self, data: dict[str, Any]) -> None:
        self.jobs = {j["id"]: ExportJob(**j) for j in data.get("exportJobs", [])}

    def _resolve_flow_reference(self, ref: Any, index: int) -> FlowRecord:
        if not isinstance(ref, dict):
            raise bad_request(f"flows[{index}].flow is required")
        if ref.get("id"):
            return self.flows.get(str(ref["id"]))
        name, ftype = ref.get("name"), ref.get("type")
        if not name or not ftype:
            raise bad_request(f"flows[{index}].flow needs an id, or a name and a type",
                              details=[{"errorCode": "missing.field", "fieldName": f"flows[{index}].flow"}])
        flow = self.flows.find(str(name), str(ftype).upper())
        if flow is None:
            raise not_found(f"Flow named '{name}' of type {ftype}")
        return flow

    def register_export(self, body: dict[str, Any]) -> ExportJob:
        flows = body.get("flows")
        if not isinstance(flows, list) or not flows:
            raise bad_request("flows is required and must not be empty",
                              details=[{"errorCode": "missing.field", "fieldName": "flows"}])
        items = []
        for i, entry in enumerate(flows):
            if not isinstance(entry, dict):
                raise bad_request(f"flows[{i}] must be an object")
            flow = self._resolve_flow_reference(entry.get("flow"), i)
            export_type = entry.get("exportType", "Yaml")
            if export_type not in ("Yaml", "Architect"):
                raise invalid_value("exportType", export_type, ["Architect", "Yaml"])
            file_name = entry.get("fileName")
            if file_name is not None and not _FILE_NAME_RE.match(str(file_name)):
                raise invalid_value("fileName", file_name)
            version = (entry.get("flow") or {}).get("version") or flow.published
            items.append({"flowId": flow.id, "version": version, "fileName": file_name,
                          "exportType": export_type})
        job = ExportJob(id=self.context.new_id("export"), created_ms=self.context.clock.now_ms(), items=items)
        self.jobs[job.id] = job
        return job

    def _poll_job(self, job: ExportJob, problems: Callable[[dict[str, Any]], Iterator[str]]) -> ExportJob:
        """One poll of an export or validate job: `Started` until the `export_job_polls`-th poll,
        which checks every item (`problems` yields the messages) and finishes the job."""
        if job.status in ("Success", "Failure"):
            return job
        job.polls += 1
        if job.polls < self.context.settings.export_job_polls:
            job.status = "Started"
            return job
        for item in job.items:
            job.messages.extend(self.context.message(text) for text in problems(item))
        job.status = "Failure" if job.messages else "Success"
        return job

    def poll_export(self, job: ExportJob) -> ExportJob:
        return self._poll_job(job, self._export_problems)

    def _export_problems(self, item: dict[str, Any]) -> Iterator[str]:
        flow = self.flows.records.get(item["flowId"])
        version = flow.version(item["version"]) if flow else None
        if flow is None or version is None or flow.deleted:
            yield (f"Archy failed: could not find the flow with id '{item['flowId']}' and version "
                   f"'{item['version'] or 'published'}'. The flow has no published version to export.")

    def export_file(self, job: ExportJob) -> tuple[str, bytes]:
        """(file name, content) of a finished export: one YAML file, or a zip for several flows."""
        files = []
        for item in job.items:
            flow = self.flows.records[item["flowId"]]
            version = flow.version(item["version"])
            assert version is not None
            stem = item["fileName"] or f"{sanitize_file_name(flow.name)}_v{version.n}-0"
            if item["exportType"] == "Architect":
                content = json.dumps({"flow": {"id": flow.id, "name": flow.name, "type": flow.type,
                                               "version": version.id}, "configuration": version.config},
                                     indent=2).encode()
                files.append((f"{stem}.json", content))
            else:
                files.append((f"{stem}.yaml", export_yaml(version.yaml or "").encode("utf-8")))
        if len(files) == 1:
            return files[0]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, content in files:
                zf.writestr(name, content)
        return f"export-{job.id}.zip", buf.getvalue()

    # ---- validate jobs (preview API): re-check an existing flow's references ----------------
    def register_validate(self, body: dict[str, Any]) -> ExportJob:
        flows = body.get("flows")
        if not isinstance(flows, list) or not flows:
            raise bad_request("flows is required and must not be empty")
        items = []
        for i, entry in enumerate(flows):
            flow = self._resolve_flow_reference((entry or {}).get("flow") if isinstance(entry, dict) else None, i)
            items.append({"flowId": flow.id, "version": flow.checked_in or flow.published})
        job = ExportJob(id=self.context.new_id("validate"), created_ms=self.context.clock.now_ms(), items=items,
                        command="Validate")
        self.validate_jobs[job.id] = job
        return job

    def poll_validate(self, job: ExportJob) -> ExportJob:
        return self._poll_job(job, self._validate_problems)

    def _validate_problems(self, item: dict[str, Any]) -> Iterator[str]:
        flow = self.flows.records[item["flowId"]]
        version = flow.version(item["version"])
        for ref in version.refs if version else []:
            if not self.reference_exists(ref):
                yield f"Flow '{flow.name}': unable to find a {ref['kind']} named '{ref['name']}'"

    def reference_exists(self, ref: dict[str, Any]) -> bool:
        kind, name = ref["kind"], ref["name"]
        if kind == "systemPrompt" or name.startswith("PromptSystem."):
            return True
        if kind in FLOW_REF_KINDS:
            return self.flows.find(name, FLOW_REF_KINDS.get(kind) or ref.get("flow_type")) is not None
        if kind not in KINDS:
            return True
        if kind == "prompt" and name.startswith("Prompt."):
            name = name[len("Prompt."):]
        return self.objects.find(kind, name, category=ref.get("category")) is not None
