"""Handlers for architect jobs: import (register → presigned PUT → poll), export (register →
poll → plain GET of downloadUrl) and validate. The presigned URLs point back at the emulator
and behave like S3's: exact signed headers, no Authorization header, expiry."""

from __future__ import annotations

import calendar
import hashlib
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from ivr_ci.emulator.exceptions import S3Error, bad_request, not_found
from ivr_ci.emulator.exports import ExportJob
from ivr_ci.emulator.imports import ImportJob
from ivr_ci.emulator.models import OrgBackend
from ivr_ci.emulator.request import Request, Response, ok

UPLOAD_HEADERS = {"Content-Type": "application/octet-stream", "x-amz-server-side-encryption": "AES256"}
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_EXPORT_JOBS = "/api/v2/flows/export/jobs"
_VALIDATE_JOBS = "/api/v2/flows/validate/jobs"


def _presign(req: Request, path: str, *sig_parts: str, signed_headers: str) -> str:
    backend = req.backend
    amz_date = time.strftime(_AMZ_DATE, time.gmtime(backend.clock.now()))
    ttl = str(backend.settings.presign_ttl)
    query = {"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Credential": "EMULATOR/s3/aws4_request",
             "X-Amz-Date": amz_date, "X-Amz-Expires": ttl, "X-Amz-SignedHeaders": signed_headers,
             "X-Amz-Signature": backend.sign(*sig_parts, amz_date, ttl)}
    return f"{req.base_url}{path}?{urlencode(query)}"


def _check_presigned(req: Request, *sig_parts: str) -> None:
    if req.headers.get("Authorization") is not None:
        raise S3Error(400, "InvalidArgument",
                      "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature "
                      "query string parameter or the Authorization header should be specified")
    amz_date, ttl = req.q("X-Amz-Date") or "", req.q("X-Amz-Expires") or ""
    if not req.backend.check_sig(req.q("X-Amz-Signature"), *sig_parts, amz_date, ttl):
        raise S3Error(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided. "
                      "Check your key and signing method.")
    try:
        issued = calendar.timegm(time.strptime(amz_date, _AMZ_DATE))
        expired = req.backend.clock.now() > issued + int(ttl)
    except (ValueError, OverflowError):
        expired = True
    if expired:
        raise S3Error(403, "AccessDenied", "Request has expired")


JobTable = Callable[[OrgBackend], Mapping[str, Any]]


def _import_jobs(org: OrgBackend) -> Mapping[str, Any]:
    return org.imports.jobs


def _export_jobs(org: OrgBackend) -> Mapping[str, Any]:
    return org.exports.jobs


def _validate_jobs(org: OrgBackend) -> Mapping[str, Any]:
    return org.exports.validate_jobs


def _find_job(req: Request, table: JobTable, job_id: str) -> tuple[OrgBackend, Any]:
    for org in req.backend.orgs.values():
        job = table(org).get(job_id)
        if job is not None:
            return org, job
    raise S3Error(404, "NoSuchKey", "The specified key does not exist.")


def _presigned_job(req: Request, method: str, table: JobTable, purpose: str) -> tuple[OrgBackend, Any]:
    """The job behind a presigned URL (`purpose`: upload/download), checked as S3 would: the
    signed method, then the signature and its expiry."""
    if req.method != method:
        raise S3Error(403, "SignatureDoesNotMatch",
                      "The request signature we calculated does not match the signature you provided.")
    org, job = _find_job(req, table, req.params["jobId"])
    _check_presigned(req, purpose, job.id)
    return org, job


def _org_job(req: Request, table: JobTable, what: str) -> Any:
    """The job `{jobId}` of the caller's org from `table` (its import jobs, ...), or the API's 404."""
    job = table(req.org).get(req.params["jobId"])
    if job is None:
        raise not_found(what, req.params["jobId"])
    return job


# ---- import jobs ---------------------------------------------------------------------------
def register_import(req: Request) -> Response:
    body = req.json_object(required=False)
    job = req.org.imports.register(req.actor, bool(body.get("createStubs", False)))
    url = _presign(req, f"/__upload/{job.id}", "upload", job.id,
                   signed_headers="content-type;host;x-amz-server-side-encryption")
    return ok({"id": job.id, "presignedUrl": url, "headers": dict(UPLOAD_HEADERS),
               "selfUri": f"/api/v2/flows/jobs/{job.id}"})


def get_import(req: Request) -> Response:
    job: ImportJob = _org_job(req, _import_jobs, "Architect job")
    req.org.imports.poll(job)
    expand = "messages" in req.q_list("expand")
    for value in req.q_list("expand"):
        if value != "messages":
            raise bad_request(f"Invalid expand value [{value}]. Allowable values are: messages",
                              code="invalid.value")
    return ok(job.state_body(expand))


def upload(req: Request) -> Response:
    org, job = _presigned_job(req, "PUT", _import_jobs, "upload")
    for name, value in UPLOAD_HEADERS.items():
        sent = req.headers.get(name)
        if sent is None or sent.strip() != value:
            raise S3Error(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided. "
                          f"Check your key and signing method. (signed header '{name.lower()}' "
                          f"{'is missing' if sent is None else 'differs'})")
    if job.status != "Registered":
        raise S3Error(403, "AccessDenied", "Request has expired")
    try:
        job.yaml = req.body.decode("utf-8")
    except UnicodeDecodeError:
        job.yaml = req.body.decode("utf-8", errors="replace")
    job.uploaded_ms = org.clock.now_ms()
    etag = hashlib.md5(req.body, usedforsecurity=False).hexdigest()  # S3's ETag
    return Response(200, b"", headers={"ETag": f'"{etag}"'}, content_type="application/xml")


# ---- export jobs ---------------------------------------------------------------------------
def _registered(job: ExportJob, base: str) -> Response:
    return ok({"id": job.id, "status": job.status, "totalFlows": len(job.items), "selfUri": f"{base}/{job.id}"})


def register_export(req: Request) -> Response:
    return _registered(req.org.exports.register_export(req.json_object()), _EXPORT_JOBS)


def _state(job: ExportJob, base: str, expand: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": job.id, "status": job.status, "command": job.command}
    if expand:
        out["messages"] = [dict(m) for m in job.messages]
    out["selfUri"] = f"{base}/{job.id}"
    return out


def get_export(req: Request) -> Response:
    org = req.org
    job: ExportJob = _org_job(req, _export_jobs, "Export job")
    org.exports.poll_export(job)
    body = _state(job, _EXPORT_JOBS, "messages" in req.q_list("expand"))
    if job.status == "Success":
        file_name, _ = org.exports.export_file(job)
        body["downloadUrl"] = _presign(req, f"/__download/{job.id}/{quote(file_name)}", "download", job.id,
                                       signed_headers="host")
        body = {k: body[k] for k in ("id", "status", "command", "downloadUrl", "messages", "selfUri") if k in body}
    return ok(body)


def download(req: Request) -> Response:
    org, job = _presigned_job(req, "GET", _export_jobs, "download")
    if job.status != "Success":
        raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
    file_name, content = org.exports.export_file(job)
    ctype = "application/zip" if file_name.endswith(".zip") else (
        "application/json" if file_name.endswith(".json") else "application/x-yaml")
    return Response(200, content, content_type=ctype,
                    headers={"Content-Disposition": f'attachment; filename="{file_name}"'})


# ---- validate jobs (preview) ---------------------------------------------------------------
def register_validate(req: Request) -> Response:
    return _registered(req.org.exports.register_validate(req.json_object()), _VALIDATE_JOBS)


def get_validate(req: Request) -> Response:
    job: ExportJob = _org_job(req, _validate_jobs, "Validate job")
    req.org.exports.poll_validate(job)
    return ok(_state(job, _VALIDATE_JOBS, "messages" in req.q_list("expand")))
