"""Handlers for user prompts and their resources (backend: `emulator/prompts.py`).

Operations of the official SDK (`apis/architect_api.py`): get/post_architect_prompts,
get/put/delete_architect_prompt, get/post_architect_prompt_resources,
get/put/delete_architect_prompt_resource, delete_architect_prompt_resource_audio,
post_architect_prompt_resource_uploads; plus the presigned upload/download they hand out.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ivr_ci.emulator.exceptions import S3Error
from ivr_ci.emulator.prompts import UPLOAD_HEADERS
from ivr_ci.emulator.request import Request, Response, listing, ok
from ivr_ci.emulator.responses_jobs import _check_presigned, _presign
from ivr_ci.emulator.util import name_matches


def _media_uri(req: Request) -> Any:
    def uri(prompt_id: str, language: str) -> str:
        return _presign(req, f"/__download/prompt-audio/{prompt_id}/{language}", "media", prompt_id, language,
                        signed_headers="host")
    return uri


def _render(req: Request, obj: dict[str, Any]) -> dict[str, Any]:
    media = _media_uri(req) if req.q_bool("includeMediaUris", True) else None
    return req.org.prompts.render(obj, include_resources=bool(req.q_bool("includeResources", True)),
                                  languages=req.q_list("language"), media_uri=media)


def list_prompts(req: Request) -> Response:
    org = req.org
    names = req.q_list("name")
    objs = org.objects.all("prompt")
    if names:  # several names: every match, other filters ignored (genesys-api.md 5.1)
        objs = [o for o in objs if any(name_matches(o["name"], n, "exact") for n in names)]
    else:
        for key, field in (("description", "description"), ("nameOrDescription", None)):
            value = req.q(key)
            if value:
                objs = [o for o in objs if name_matches(str(o.get(field or "description") or ""), value, "contains")
                        or (field is None and name_matches(o["name"], value, "contains"))]
        divisions = set(req.q_list("divisionId"))
        if divisions:
            objs = [o for o in objs if o.get("divisionId") in divisions]
    by = req.q("sortBy", "id") or "id"
    reverse = (req.q("sortOrder", "asc") or "asc").lower().startswith("desc")
    objs = sorted(objs, key=lambda o: str(o.get(by) if by in ("id", "name", "description") else o["id"]).casefold(),
                  reverse=reverse)
    return ok(listing(req, objs, lambda o: _render(req, o)))


def create_prompt(req: Request) -> Response:
    obj = req.org.prompts.create(req.json_object())
    req.org.audits.add(req.org.clock.now_ms(), "Create", obj["id"], obj["name"], entity_type="Prompt",
                       client_id=req.actor.client_id)
    return ok(_render(req, obj))


def get_prompt(req: Request) -> Response:
    return ok(_render(req, req.org.prompts.get(req.params["promptId"])))


def put_prompt(req: Request) -> Response:
    org = req.org
    obj = org.prompts.update(org.prompts.get(req.params["promptId"]), req.json_object())
    org.audits.add(org.clock.now_ms(), "Update", obj["id"], obj["name"], entity_type="Prompt",
                   client_id=req.actor.client_id)
    return ok(_render(req, obj))


def delete_prompt(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    org.prompts.delete(obj, bool(req.q_bool("allResources", False)))
    org.audits.add(org.clock.now_ms(), "Delete", obj["id"], obj["name"], entity_type="Prompt",
                   client_id=req.actor.client_id)
    return Response(204)


def _resource_audit(req: Request, action: str, obj: dict[str, Any], language: str) -> None:
    org = req.org
    org.audits.add(org.clock.now_ms(), action, f"{obj['id']}/{language}", obj["name"], entity_type="PromptResource",
                   client_id=req.actor.client_id, extra={"context": {"language": language}})


def list_resources(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    items = list(org.prompts.resources(obj).values())
    media = _media_uri(req)
    return ok(listing(req, items, lambda r: org.prompts.render_resource(obj, r, media)))


def create_resource(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    res = org.prompts.add_resource(obj, req.json_object())
    _resource_audit(req, "Create", obj, res["language"])
    return ok(org.prompts.render_resource(obj, res, _media_uri(req)))


def get_resource(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    return ok(org.prompts.render_resource(obj, org.prompts.resource(obj, req.params["languageCode"]), _media_uri(req)))


def put_resource(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    res = org.prompts.update_resource(obj, req.params["languageCode"], req.json_object())
    _resource_audit(req, "Update", obj, res["language"])
    return ok(org.prompts.render_resource(obj, res, _media_uri(req)))


def delete_resource(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    org.prompts.delete_resource(obj, req.params["languageCode"])
    _resource_audit(req, "Delete", obj, req.params["languageCode"].lower())
    return Response(204)


def delete_audio(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    org.prompts.delete_audio(obj, req.params["languageCode"])
    _resource_audit(req, "Update", obj, req.params["languageCode"].lower())
    return Response(204)


def create_upload(req: Request) -> Response:
    org = req.org
    obj = org.prompts.get(req.params["promptId"])
    upload_id = org.prompts.new_upload(obj, req.params["languageCode"])
    url = _presign(req, f"/__upload/prompt-audio/{upload_id}", "prompt-upload", upload_id,
                   signed_headers="content-type;host;x-amz-server-side-encryption")
    return ok({"url": url, "headers": dict(UPLOAD_HEADERS)})


def upload_audio(req: Request) -> Response:
    upload_id = req.params["uploadId"]
    _check_presigned(req, "prompt-upload", upload_id)
    for name, value in UPLOAD_HEADERS.items():
        sent = req.headers.get(name)
        if sent is None or sent.strip() != value:
            raise S3Error(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided. "
                          f"Check your key and signing method. (signed header '{name.lower()}' "
                          f"{'is missing' if sent is None else 'differs'})")
    for org in req.backend.orgs.values():
        stored = org.prompts.receive_upload(upload_id, req.body)
        if stored is not None:
            obj, language = stored
            org.audits.add(org.clock.now_ms(), "Upload", f"{obj['id']}/{language}", obj["name"],
                           entity_type="PromptResource", extra={"context": {"language": language}})
            etag = hashlib.md5(req.body, usedforsecurity=False).hexdigest()
            return Response(200, b"", headers={"ETag": f'"{etag}"'}, content_type="application/xml")
    raise S3Error(403, "AccessDenied", "Request has expired")


def download_audio(req: Request) -> Response:
    prompt_id, language = req.params["promptId"], req.params["languageCode"]
    _check_presigned(req, "media", prompt_id, language)
    for org in req.backend.orgs.values():
        obj = org.objects.get("prompt", prompt_id)
        if obj is not None and language.lower() in org.prompts.resources(obj):
            content = org.prompts.audio(obj, language)
            if content is not None:
                return Response(200, content, content_type="audio/wav")
    raise S3Error(404, "NoSuchKey", "The specified key does not exist.")
