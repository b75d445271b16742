"""Which flows play which user prompt, where, and in which languages."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ivr_ci.flow import FlowDocument

_PROMPT_RE = re.compile(r"\bPrompt\.([A-Za-z0-9_]+)")
_PROMPT_KIND = frozenset({"prompt"})


@dataclass(frozen=True)
class PromptUse:
    doc: FlowDocument
    name: str  # as the flow writes it (Prompt.<name>)
    line: int
    col: int

    @property
    def languages(self) -> list[str]:
        assert self.doc.flow is not None
        return [lang.lower() for lang in self.doc.flow.supported_languages]

    @property
    def where(self) -> str:
        return f"{self.doc.path}:{self.line}"


def prompt_uses(docs: Iterable[FlowDocument]) -> list[PromptUse]:
    out = []
    for doc in docs:
        if doc.flow is None:
            continue
        for ref in doc.flow.org_references(_PROMPT_KIND):
            if ref.kind == "prompt" and "{{" not in ref.name:
                out.append(PromptUse(doc, ref.name, ref.line, ref.col))
    return out


def audio_prompts(audio: Any) -> list[str]:
    """User prompt names an audio value plays (`prompt: Prompt.X`, `ToAudio(Prompt.X)` ...)."""
    if not isinstance(audio, dict):
        return []
    names: list[str] = []
    prompt = audio.get("prompt")
    if isinstance(prompt, str) and not prompt.startswith("PromptSystem."):
        names.append(prompt[len("Prompt."):] if prompt.startswith("Prompt.") else prompt)
    exp = audio.get("exp")
    if isinstance(exp, str):
        names += _PROMPT_RE.findall(exp)
    return names
