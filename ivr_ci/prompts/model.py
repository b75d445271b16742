"""User prompts as code: one `prompts/<name>.yaml` file per Genesys Cloud user prompt.

```yaml
prompt:
  name: Welcome
  description: Main greeting
  resources:
    en-us: {tts: "Welcome to Acme.", audio: audio/welcome.en-us.wav}
    es-us: {tts: "Bienvenido a Acme."}
```

The fields are the API's (`Prompt` and `PromptAsset` in the official Python SDK,
PureCloudPlatformClientV2 `models/prompt.py`, `models/prompt_asset.py`): a resource per
language holds TTS (`ttsString`), an optional `text` and an optional recording (uploaded
through the resource's `uploadUri`). Everything keeps its position for findings and for
in-place edits (translations import).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ivr_ci.findings import Finding
from ivr_ci.flow.yamlpos import Pos, YMap


@dataclass
class PromptResource:
    language: str  # as written in the file
    line: int  # of the language key
    col: int
    raw: YMap
    tts: str | None = None
    text: str | None = None
    audio: str | None = None  # as written: relative to the prompt file

    def value_pos(self, key: str) -> Pos | None:
        return self.raw.value_pos(key) if isinstance(self.raw, YMap) else None

    def value_line(self, key: str) -> int:
        p = self.value_pos(key)
        return p.line if p else self.line


@dataclass
class PromptFile:
    path: str
    text: str  # as loaded (rendered for an environment when one was given)
    template: str = ""  # as written, placeholders and all
    name: str | None = None
    description: str | None = None
    resources: dict[str, PromptResource] = field(default_factory=dict)  # lower-cased language -> resource
    problems: list[Finding] = field(default_factory=list)
    body: Any = None  # the `prompt:` mapping
    line: int = 1  # of `prompt:`
    name_line: int = 1
    resources_line: int = 1
    resources_col: int = 1

    @property
    def ok(self) -> bool:
        return self.name is not None and not any(p.severity.value == "error" for p in self.problems)

    @property
    def languages(self) -> list[str]:
        return list(self.resources)

    def resource(self, language: str) -> PromptResource | None:
        return self.resources.get(language.lower())

    def audio_path(self, resource: PromptResource) -> str | None:
        if not resource.audio:
            return None
        return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(self.path)), resource.audio))

    def audio_sha256(self, resource: PromptResource) -> str | None:
        """sha256 of the recording's bytes, or None (no audio, or unreadable)."""
        path = self.audio_path(resource)
        if path is None:
            return None
        import hashlib  # here: the checking commands load prompt files but never hash them

        try:
            with open(path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest()
        except OSError:
            return None
