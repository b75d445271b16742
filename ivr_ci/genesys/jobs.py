"""Architect jobs, the HTTP steps: import-job registration, the presigned upload, one status
read; export-job status polling.

The import protocol (the Terraform provider's): `POST /flows/jobs` -> PUT the YAML bytes to the
presigned URL with exactly the returned headers and no bearer token -> poll
`GET /flows/jobs/{id}?expand=messages` until Success/Failure. It is implemented once, by
`ivr_ci.promote.deploy.Deployer` (adaptive polling, outcome tracking for rollbacks), on top of
these steps; exports in batches are `ivr_ci.promote.target.export_published`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from ivr_ci.genesys.errors import ExportJobFailed, ImportJobFailed, JobTimeout
from ivr_ci.genesys.policy import PollPolicy
from ivr_ci.genesys.transport import Transport

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

    # --- export ------------------------------------------------------------------------------
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
