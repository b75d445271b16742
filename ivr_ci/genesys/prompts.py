"""User prompts and their per-language resources (`/api/v2/architect/prompts`).

Operations and models from the official Python SDK (PureCloudPlatformClientV2
`apis/architect_api.py`: get_architect_prompts, post_architect_prompts, put_architect_prompt,
delete_architect_prompt, get/post_architect_prompt_resources, get/put/delete_architect_prompt_resource;
`models/prompt.py`, `prompt_asset.py`, `prompt_asset_create.py`). Audio is uploaded the
current way: `POST .../resources/{languageCode}/uploads` answers a presigned `{url, headers}`
(`PromptAssetUpload`; the SDK marks it preview) and the recording is PUT there, as flow
imports are; `PromptAsset.uploadUri` is "Deprecated. This was use for uploading the
resource audio" (SDK docstring). Genesys then transcodes it (`uploadStatus`: created,
uploaded, transcoded, transcodeFailed), which the Terraform provider also waits for
(`architect_user_prompt` proxy, verifyPromptResourceFilesAreTranscoded).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

from ivr_ci.genesys.paging import iter_entities
from ivr_ci.genesys.transport import Transport

PROMPTS = "/api/v2/architect/prompts"


def _q(value: str) -> str:
    return quote(value, safe="")


class PromptsMixin:
    """User prompt calls of `GenesysClient`."""

    _t: Transport

    def find_user_prompt(self, name: str) -> dict[str, Any] | None:
        """The prompt named exactly `name` (case-insensitive, as Architect compares), with its resources."""
        for entity in iter_entities(self._t, PROMPTS, {"name": [name], "includeResources": True,
                                                        "includeMediaUris": True}, page_size=100, max_pages=10):
            if str(entity.get("name", "")).casefold() == name.casefold():
                return dict(entity)
        return None

    def get_prompt(self, prompt_id: str) -> dict[str, Any]:
        return dict(self._t.json("GET", f"{PROMPTS}/{_q(prompt_id)}",
                                 params={"includeResources": True, "includeMediaUris": True}))

    def create_prompt(self, name: str, description: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name}
        if description:
            body["description"] = description
        return dict(self._t.json("POST", PROMPTS, json=body))

    def update_prompt(self, prompt_id: str, name: str, description: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"name": name, "description": description or ""}
        return dict(self._t.json("PUT", f"{PROMPTS}/{_q(prompt_id)}", json=body))

    def delete_prompt(self, prompt_id: str) -> None:
        self._t.request("DELETE", f"{PROMPTS}/{_q(prompt_id)}", params={"allResources": True}, accept=(404,))

    def list_prompt_resources(self, prompt_id: str) -> list[dict[str, Any]]:
        return [dict(e) for e in iter_entities(self._t, f"{PROMPTS}/{_q(prompt_id)}/resources", {},
                                               page_size=100, max_pages=20)]

    def get_prompt_resource(self, prompt_id: str, language: str) -> dict[str, Any]:
        return dict(self._t.json("GET", f"{PROMPTS}/{_q(prompt_id)}/resources/{_q(language)}"))

    def create_prompt_resource(self, prompt_id: str, asset: dict[str, Any]) -> dict[str, Any]:
        return dict(self._t.json("POST", f"{PROMPTS}/{_q(prompt_id)}/resources", json=asset))

    def update_prompt_resource(self, prompt_id: str, language: str, asset: dict[str, Any]) -> dict[str, Any]:
        return dict(self._t.json("PUT", f"{PROMPTS}/{_q(prompt_id)}/resources/{_q(language)}", json=asset))

    def delete_prompt_resource(self, prompt_id: str, language: str) -> None:
        self._t.request("DELETE", f"{PROMPTS}/{_q(prompt_id)}/resources/{_q(language)}", accept=(404,))

    def upload_prompt_audio(self, prompt_id: str, language: str, content: bytes, *,
                            max_total: float | None = 120.0) -> None:
        """Ask for a presigned upload URL for the resource's audio and PUT the recording there."""
        target = self._t.json("POST", f"{PROMPTS}/{_q(prompt_id)}/resources/{_q(language)}/uploads", safe=True)
        headers = {str(k): str(v) for k, v in (target.get("headers") or {}).items()}
        self._t.plain("PUT", str(target["url"]), data=content, headers=headers, max_total=max_total)

    def delete_prompt_audio(self, prompt_id: str, language: str) -> None:
        self._t.request("DELETE", f"{PROMPTS}/{_q(prompt_id)}/resources/{_q(language)}/audio", accept=(404,))

    def wait_prompt_transcoded(self, prompt_id: str, language: str, *, timeout: float = 60.0,
                               interval: float = 0.5) -> dict[str, Any]:
        """Poll the resource until its upload is transcoded; raises TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            res = self.get_prompt_resource(prompt_id, language)
            status = str(res.get("uploadStatus") or "")
            if status == "transcoded":
                return res
            if status == "transcodeFailed":
                raise RuntimeError(f"prompt {prompt_id} {language}: audio {status}")
            if time.monotonic() >= deadline:
                raise TimeoutError(f"prompt {prompt_id} {language}: audio not transcoded after {timeout:.0f}s "
                                   f"(uploadStatus {status or 'unknown'})")
            time.sleep(interval)
