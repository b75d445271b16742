"""User prompts and their per-language resources (`/api/v2/architect/prompts/...`).

The prompts are the org's `prompt` objects (`OrgObjects`, so flow imports and lookups see the
ones created through the API); this backend owns their resources, kept in the object as
`resources: {language: asset}` (persisted with the objects). A seeded prompt (`languages`,
`tts` in the seed) gets its stored resources on first change.

Shapes follow the official SDK's models (PureCloudPlatformClientV2 `models/prompt.py`,
`prompt_asset.py`, `prompt_asset_create.py`, `prompt_asset_upload.py`, `prompt_asset_entity_listing.py`).
Audio: `POST .../resources/{languageCode}/uploads` returns a presigned `{url, headers}`; the
PUT to it stores the bytes, which are "transcoded" at once when they are a RIFF WAVE file
and `transcodeFailed` otherwise (Architect fails uploads it cannot convert: help.mypurecloud.com,
"Prompts overview"). `mediaUri` is a presigned download of the stored recording.
"""

from __future__ import annotations

import base64
import re
import struct
from typing import Any

from ivr_ci.emulator.context import OrgContext
from ivr_ci.emulator.exceptions import bad_request, conflict, not_found
from ivr_ci.emulator.orgobjects import OrgObjects

PROMPTS = "/api/v2/architect/prompts"
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # Architect's prompt naming rules
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$", re.IGNORECASE)
MAX_NAME = 200
MAX_AUDIO = 25 * 1024 * 1024
UPLOAD_HEADERS = {"Content-Type": "audio/wav", "x-amz-server-side-encryption": "AES256"}


def _silence() -> bytes:
    """A 0.1 s 8 kHz mono µ-law WAV: the recording of seeded prompts."""
    data = b"\xff" * 800
    fmt = struct.pack("<HHIIHH", 7, 1, 8000, 8000, 1, 8)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _wav_seconds(content: bytes) -> float | None:
    """Duration of a RIFF WAVE recording, or None when it is not one."""
    if len(content) < 12 or content[:4] != b"RIFF" or content[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(content):
        cid, length = content[pos:pos + 4], struct.unpack("<I", content[pos + 4:pos + 8])[0]
        if cid == b"fmt " and length >= 16:
            byte_rate = struct.unpack("<I", content[pos + 16:pos + 20])[0]
        elif cid == b"data":
            return round(min(length, len(content) - pos - 8) / byte_rate, 3) if byte_rate else None
        pos += 8 + length + (length % 2)
    return None


class PromptsBackend:
    def __init__(self, context: OrgContext, objects: OrgObjects) -> None:
        self.context = context
        self.objects = objects
        self.uploads: dict[str, tuple[str, str]] = {}  # upload id -> (prompt id, language)

    # ---- prompts --------------------------------------------------------------------------
    def get(self, prompt_id: str) -> dict[str, Any]:
        obj = self.objects.get("prompt", prompt_id)
        if obj is None:
            raise not_found("Prompt", prompt_id)
        return obj

    def _check_name(self, name: Any, own_id: str | None = None) -> str:
        if not isinstance(name, str) or not name.strip():
            raise bad_request("A prompt name is required.", details=[{"errorCode": "missing.field",
                                                                      "fieldName": "name"}])
        if len(name) > MAX_NAME or not NAME_RE.match(name):
            raise bad_request(f"The prompt name '{name[:MAX_NAME]}' is invalid: use letters, numbers and underscores, "
                              "beginning with a letter, at most 200 characters.", code="invalid.value")
        other = self.objects.find("prompt", name)
        if other is not None and other["id"] != own_id:
            raise conflict(f"A prompt with the name '{name}' already exists.", entity_name=name)
        return name

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        name = self._check_name(body.get("name"))
        existing = self.objects.find("prompt", name, include_deleted=True)
        spec: dict[str, Any] = {"name": name, "description": body.get("description"), "resources": {}}
        if existing is None:
            spec["id"] = self.context.new_id("prompt")
        else:  # a deleted prompt's name is reused: a new prompt, not the old one back
            existing["id"] = self.context.new_id("prompt")
        obj = self.objects.add("prompt", spec)
        obj.pop("languages", None)
        obj.pop("tts", None)
        return obj

    def update(self, obj: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        obj["name"] = self._check_name(body.get("name", obj["name"]), own_id=obj["id"])
        if "description" in body:
            obj["description"] = body.get("description")
        return obj

    def delete(self, obj: dict[str, Any], all_resources: bool) -> None:
        if self.resources(obj) and not all_resources:
            raise bad_request("The prompt has resources: pass allResources=true to delete them with it.",
                              code="prompt.has.resources")
        obj["deleted"] = True
        obj["resources"] = {}

    # ---- resources ------------------------------------------------------------------------
    def resources(self, obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The stored resources (a seeded prompt's are materialised on first use)."""
        if "resources" not in obj or not isinstance(obj["resources"], dict):
            obj["resources"] = {
                str(lang).lower(): {"language": str(lang), "ttsString": str(obj.get("tts") or ""), "tags": {},
                                    "uploadStatus": "transcoded", "audio": None, "seeded": True}
                for lang in (obj.get("languages") or ["en-us"])}
            obj.pop("languages", None)
        return obj["resources"]

    def resource(self, obj: dict[str, Any], language: str) -> dict[str, Any]:
        res = self.resources(obj).get(language.lower())
        if res is None:
            raise not_found("Prompt resource", f"{obj['id']}/{language}")
        return res

    def _fields(self, res: dict[str, Any], body: dict[str, Any]) -> None:
        for key in ("ttsString", "text"):
            if key in body:
                value = body.get(key)
                if value is not None and not isinstance(value, str):
                    raise bad_request(f"{key} must be a string.", code="invalid.value")
                res[key] = value
        if "tags" in body:
            tags = body.get("tags") or {}
            if not isinstance(tags, dict) or not all(isinstance(v, list) for v in tags.values()):
                raise bad_request("tags must map names to lists of strings.", code="invalid.value")
            res["tags"] = {str(k): [str(x) for x in v] for k, v in tags.items()}

    def add_resource(self, obj: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
        language = body.get("language")
        if not isinstance(language, str) or not LANGUAGE_RE.match(language):
            raise bad_request("A valid language code is required (for example en-us).",
                              details=[{"errorCode": "missing.field", "fieldName": "language"}])
        resources = self.resources(obj)
        if language.lower() in resources:
            raise conflict(f"The prompt already has a {language} resource.", entity_name=obj["name"])
        res: dict[str, Any] = {"language": language.lower(), "tags": {}, "uploadStatus": "created", "audio": None}
        self._fields(res, body)
        resources[language.lower()] = res
        return res

    def update_resource(self, obj: dict[str, Any], language: str, body: dict[str, Any]) -> dict[str, Any]:
        res = self.resource(obj, language)
        self._fields(res, body)
        return res

    def delete_resource(self, obj: dict[str, Any], language: str) -> None:
        self.resource(obj, language)
        del self.resources(obj)[language.lower()]

    def delete_audio(self, obj: dict[str, Any], language: str) -> None:
        res = self.resource(obj, language)
        res.update(audio=None, seeded=False, uploadStatus="created", durationSeconds=None)

    # ---- audio ----------------------------------------------------------------------------
    def new_upload(self, obj: dict[str, Any], language: str) -> str:
        self.resource(obj, language)
        upload_id = self.context.new_id("promptupload")
        self.uploads[upload_id] = (obj["id"], language.lower())
        return upload_id

    def receive_upload(self, upload_id: str, content: bytes) -> tuple[dict[str, Any], str] | None:
        """Store an uploaded recording: (prompt, language), or None when the upload id is unknown
        (or its resource is gone)."""
        target = self.uploads.pop(upload_id, None)
        if target is None:
            return None
        obj = self.objects.get("prompt", target[0])
        res = self.resources(obj).get(target[1]) if obj is not None else None
        if obj is None or res is None:
            return None
        seconds = _wav_seconds(content) if len(content) <= MAX_AUDIO else None
        res.update(audio=base64.b64encode(content).decode("ascii"), seeded=False,
                   uploadStatus="transcoded" if seconds is not None else "transcodeFailed",
                   durationSeconds=seconds)
        return obj, target[1]

    def audio(self, obj: dict[str, Any], language: str) -> bytes | None:
        res = self.resource(obj, language)
        if res.get("seeded"):
            return _silence()
        if res.get("audio") and res.get("uploadStatus") == "transcoded":
            return base64.b64decode(res["audio"])
        return None

    # ---- rendering ------------------------------------------------------------------------
    def render_resource(self, obj: dict[str, Any], res: dict[str, Any], media_uri: Any = None) -> dict[str, Any]:
        lang = res["language"]
        out: dict[str, Any] = {"id": lang, "name": obj["name"], "promptId": obj["id"], "language": lang,
                               "uploadStatus": res.get("uploadStatus") or "created",
                               "languageDefault": lang == next(iter(self.resources(obj)), lang)}
        for key in ("ttsString", "text"):
            if res.get(key) is not None:
                out[key] = res[key]
        if res.get("tags"):
            out["tags"] = {k: list(v) for k, v in res["tags"].items()}
        has_audio = bool(res.get("seeded") or (res.get("audio") and res.get("uploadStatus") == "transcoded"))
        if has_audio and media_uri is not None:
            out["mediaUri"] = media_uri(obj["id"], lang)
        if has_audio:
            out["durationSeconds"] = float(res.get("durationSeconds") or 0.1)
        out["selfUri"] = f"{PROMPTS}/{obj['id']}/resources/{lang}"
        return out

    def render(self, obj: dict[str, Any], *, include_resources: bool = True, languages: list[str] | None = None,
               media_uri: Any = None) -> dict[str, Any]:
        out = self.objects.render(obj, include_resources=False)
        if include_resources:
            wanted = {lang.lower() for lang in languages or []}
            out["resources"] = [self.render_resource(obj, res, media_uri)
                                for lang, res in self.resources(obj).items() if not wanted or lang in wanted]
        return out

    def to_state(self) -> dict[str, Any]:
        return {}  # resources live in the prompt objects (persisted by OrgObjects)

    def load_state(self, data: dict[str, Any]) -> None:
        self.uploads = {}
