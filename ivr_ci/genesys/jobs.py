"""Architect jobs: import (publish Archy YAML) and export (flow -> YAML).

Import protocol (the Terraform provider's): `POST /flows/jobs` -> PUT the YAML bytes to the
presigned URL with exactly the returned headers and no bearer token -> poll
`GET /flows/jobs/{id}?expand=messages` until Success/Failure (16 min limit).
"""

from __future__ import annotations

import io
import logging
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from ivr_ci.genesys.errors import ExportJobFailed, ImportJobFailed, JobTimeout, message_texts
from ivr_ci.genesys.policy import PollPolicy
from ivr_ci.genesys.transport import Transport

log = logging.getLogger("ivr_ci.genesys")

IMPORT_JOBS = "/api/v2/flows/jobs"
EXPORT_JOBS = "/api/v2/flows/export/jobs"


@dataclass(frozen=True, repr=False)
class ImportJob:
    """A registered import job. The presigned URL is a bearer credential: never shown in repr."""

    id: str
    presigned_url: str
    headers: dict[str, str]

    def __repr__(self) -> str:
        host = urlsplit(self.presigned_url).hostname
        return f"ImportJob(id={self.id!r}, presigned_url=<{host}/…>, headers={sorted(self.headers)})"


@dataclass(frozen=True)
class Progress:
    """One progress event of `publish_yaml`: stage is queued|uploading|importing|published."""

    stage: str
    job_id: str | None
    elapsed: float
    status: str | None = None  # the job status while importing (Registered/Started/Success)


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class PublishResult:
    flow_id: str
    job_id: str
    duration: float  # seconds, registration to Success
    command: str | None = None  # Publish/Create/Update: what the job did
    flow_self_uri: str | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)  # warnings, if any
    polls: int = 0


class JobsMixin:
    """Import/export jobs of `GenesysClient`."""

    _t: Transport
    polling: PollPolicy

    # --- import --------------------------------------------------------------------------
    def register_import_job(self, *, create_stubs: bool | None = None) -> ImportJob:
        """`POST /flows/jobs`. Retried on 5xx too: registering only reserves an empty job slot,
        so a duplicate registration is harmless (it is never uploaded to and expires)."""
        body = {"createStubs": create_stubs} if create_stubs is not None else None
        data = self._t.json("POST", IMPORT_JOBS, json=body, safe=True) or {}
        if not data.get("id") or not data.get("presignedUrl"):
            raise ImportJobFailed("import job registration answered without id/presignedUrl", data.get("id"))
        headers = {str(k): str(v) for k, v in (data.get("headers") or {}).items()}
        return ImportJob(id=str(data["id"]), presigned_url=str(data["presignedUrl"]), headers=headers)

    def upload_import(self, job: ImportJob, content: bytes | str) -> None:
        """PUT the raw YAML bytes to the presigned URL: exactly `job.headers`, no Authorization.
        Retried on connection errors/5xx/429 for `polling.upload_timeout` seconds (TF: 20 s)."""
        payload = content.encode("utf-8") if isinstance(content, str) else content
        self._t.plain("PUT", job.presigned_url, data=payload, headers=job.headers,
                      max_total=self.polling.upload_timeout)

    def get_import_job(self, job_id: str) -> dict[str, Any]:
        return self._t.json("GET", f"{IMPORT_JOBS}/{quote(job_id, safe='')}", params={"expand": "messages"}) or {}

    def wait_import_job(
        self,
        job_id: str,
        *,
        timeout: float | None = None,
        on_status: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        """Poll until Success (returned) or Failure (`ImportJobFailed` with every message).
        Adaptive backoff: `polling.initial` growing by `factor` to `cap`; limit 16 min."""
        limit = self.polling.import_timeout if timeout is None else timeout
        start = time.monotonic()
        delays = self.polling.delays()
        while True:
            state = self.get_import_job(job_id)
            status = state.get("status")
            if on_status:
                on_status(state)
            if status == "Failure":
                raise ImportJobFailed(f"import job {job_id} failed", job_id, state.get("messages") or [])
            if status == "Success":
                if not (state.get("flow") or {}).get("id"):
                    raise ImportJobFailed(f"import job {job_id} succeeded without a flow id", job_id,
                                          state.get("messages") or [])
                return state
            delay = next(delays)
            if time.monotonic() - start + delay > limit:
                raise JobTimeout(f"import job {job_id} still {status} after {limit:.0f}s", job_id,
                                 state.get("messages") or [])
            time.sleep(delay)

    def publish_yaml(
        self,
        text: str | bytes,
        *,
        progress: ProgressCallback | None = None,
        create_stubs: bool | None = None,
        force_unlock_flow_id: str | None = None,
        timeout: float | None = None,
    ) -> PublishResult:
        """Create/update and publish a flow from Archy YAML (placeholders already substituted).

        `progress` receives `Progress` events: queued, uploading, importing (each poll), published.
        Raises `ImportJobFailed` (all Archy messages), `JobTimeout`, or an API error.
        """
        start = time.monotonic()

        def emit(stage: str, job_id: str | None, status: str | None = None) -> None:
            if progress:
                progress(Progress(stage, job_id, time.monotonic() - start, status))

        if force_unlock_flow_id:
            self._t.json("POST", "/api/v2/flows/actions/unlock", params={"flow": force_unlock_flow_id})
        job = self.register_import_job(create_stubs=create_stubs)
        emit("queued", job.id)
        emit("uploading", job.id)
        self.upload_import(job, text)
        polls = 0

        def on_status(state: dict[str, Any]) -> None:
            nonlocal polls
            polls += 1
            emit("importing", job.id, state.get("status"))

        state = self.wait_import_job(job.id, timeout=timeout, on_status=on_status)
        flow = state.get("flow") or {}
        result = PublishResult(
            flow_id=str(flow["id"]),
            job_id=job.id,
            duration=time.monotonic() - start,
            command=state.get("command"),
            flow_self_uri=flow.get("selfUri"),
            messages=list(state.get("messages") or []),
            polls=polls,
        )
        emit("published", job.id, "Success")
        log.info("import job %s published flow %s in %.2fs (%d polls)", job.id, result.flow_id, result.duration, polls)
        return result

    # --- export ------------------------------------------------------------------------------
    def register_export_job(self, flow_id: str, version: str | None = None, *,
                            export_type: str = "Yaml", file_name: str | None = None) -> str:
        """`POST /flows/export/jobs` for one flow; returns the job id (safe to retry: read-only)."""
        ref: dict[str, Any] = {"id": flow_id}
        if version is not None:
            ref["version"] = str(version)
        item: dict[str, Any] = {"flow": ref, "exportType": export_type}
        if file_name:
            item["fileName"] = file_name
        data = self._t.json("POST", EXPORT_JOBS, json={"flows": [item]}, safe=True) or {}
        if not data.get("id"):
            raise ExportJobFailed("export job registration answered without an id", None)
        return str(data["id"])

    def wait_export_job(self, job_id: str, *, timeout: float | None = None) -> str:
        """Poll the export job; return its `downloadUrl`."""
        limit = self.polling.export_timeout if timeout is None else timeout
        start = time.monotonic()
        delays = self.polling.delays()
        path = f"{EXPORT_JOBS}/{quote(job_id, safe='')}"
        while True:
            state = self._t.json("GET", path, params={"expand": "messages"}) or {}
            status = state.get("status")
            if status == "Failure":
                raise ExportJobFailed(f"export job {job_id} failed", job_id, state.get("messages") or [])
            if status == "Success":
                if not state.get("downloadUrl"):
                    raise ExportJobFailed(f"export job {job_id} succeeded without a downloadUrl", job_id,
                                          state.get("messages") or [])
                return str(state["downloadUrl"])
            delay = next(delays)
            if time.monotonic() - start + delay > limit:
                raise JobTimeout(f"export job {job_id} still {status} after {limit:.0f}s", job_id,
                                 state.get("messages") or [])
            time.sleep(delay)

    def export_flow_yaml(self, flow_id: str, version: str | None = None, *, timeout: float | None = None) -> str:
        """Archy YAML of a flow version (default: the published version, like TF)."""
        if version is None:
            flow = self._t.json("GET", f"/api/v2/flows/{quote(flow_id, safe='')}") or {}
            version = ((flow.get("publishedVersion") or {}).get("id")) or None
            if version is None:
                raise ExportJobFailed(f"flow {flow_id} has no published version to export", None)
        job_id = self.register_export_job(flow_id, version)
        url = self.wait_export_job(job_id, timeout=timeout)
        resp = self._t.plain("GET", self._t.url(url), max_total=self.polling.upload_timeout)
        return _yaml_text(resp.content, job_id)


def _yaml_text(content: bytes, job_id: str) -> str:
    """The YAML of a download: the body itself, or the single .yaml file of a zip."""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = [n for n in archive.namelist() if n.lower().endswith((".yaml", ".yml"))]
            if len(names) != 1:
                raise ExportJobFailed(f"export job {job_id}: the download holds {len(names)} YAML files, expected 1",
                                      job_id)
            content = archive.read(names[0])
    return content.decode("utf-8-sig")


def summarise_messages(messages: list[dict[str, Any]]) -> str:
    """The job messages as text, one per line (for reports)."""
    return "\n".join(message_texts(messages))
