"""`ivr-ci export` also writes the user prompts the exported flows play (docs/prompts.md).

For every `Prompt.X` the exported flows name, the org's prompt is read with its resources; each
recording is downloaded from its `mediaUri` into `audio/<name>.<language>.wav` beside the prompt
file, and `prompts/<name>.yaml` gets the TTS and text per language. Environment values are
turned back into `{{key}}` as for flows (ReverseMap), kept only when rendering gives back the
exported text. A prompt file already in the tree that says the same (text, and recordings by
hash) is left untouched, so hand-written files and their comments survive a re-export.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ivr_ci.flow import load_flow_text
from ivr_ci.prompts.load import library_paths_in, load_prompt_file
from ivr_ci.util.files import write_atomic

if TYPE_CHECKING:
    from ivr_ci.audit.params import ReverseMap
    from ivr_ci.genesys.client import GenesysClient
    from ivr_ci.prompts.model import PromptFile

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"


@dataclass
class ExportedPrompt:
    name: str
    path: str = ""
    status: str = FAILED
    languages: list[str] = field(default_factory=list)
    audio: list[str] = field(default_factory=list)  # files written
    message: str = ""


def played_prompts(texts: list[str]) -> list[str]:
    """User prompt names the exported flows play (first spelling of each, sorted)."""
    names: dict[str, str] = {}
    for text in texts:
        doc = load_flow_text(text, "<export>")
        if doc.flow is None:
            continue
        for ref in doc.flow.org_references():
            if ref.kind == "prompt" and "{{" not in ref.name:
                names.setdefault(ref.name.casefold(), ref.name)
    return sorted(names.values(), key=str.casefold)


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def prompt_yaml(name: str, description: str | None, resources: list[tuple[str, str | None, str | None, str | None]]) -> str:
    """(language, tts, text, audio path) per resource -> the prompt file's text."""
    lines = ["prompt:", f"  name: {_q(name)}"]
    if description:
        lines.append(f"  description: {_q(description)}")
    lines.append("  resources:")
    for lang, tts, text, audio in resources:
        lines.append(f"    {lang}:")
        if tts is not None:
            lines.append(f"      tts: {_q(tts)}")
        if text is not None:
            lines.append(f"      text: {_q(text)}")
        if audio is not None:
            lines.append(f"      audio: {_q(audio)}")
    return "\n".join(lines) + "\n"


def _same(existing: PromptFile, description: str | None, wanted: dict[str, tuple[str | None, str | None, str | None]]) -> bool:
    if (existing.description or None) != (description or None) or set(existing.resources) != set(wanted):
        return False
    for lang, (tts, text, sha) in wanted.items():
        res = existing.resources[lang]
        if (res.tts or None, res.text or None, existing.audio_sha256(res) if res.audio else None) != (tts, text, sha):
            return False
    return True


def export_prompts(client: GenesysClient, flow_texts: list[str], prompt_dir: str, values: dict[str, str],
                   rmap: ReverseMap) -> tuple[list[ExportedPrompt], list[str]]:
    from ivr_ci.promote.render import substitute

    notes: list[str] = []
    existing: dict[str, PromptFile] = {}
    for path in library_paths_in(prompt_dir):
        pf = load_prompt_file(path, values)
        if pf.name:
            existing.setdefault(pf.name.casefold(), pf)
    out: list[ExportedPrompt] = []
    for name in played_prompts(flow_texts):
        item = ExportedPrompt(name)
        out.append(item)
        try:
            found = client.find_user_prompt(name)
            if found is None:
                item.status, item.message = UNCHANGED, "not a user prompt in the org (left as is)"
                notes.append(f"prompt '{name}' is played by an exported flow but is not in the org")
                continue
            org = client.get_prompt(str(found["id"]))
            item.name = name = str(org.get("name") or name)
            audio_bytes: dict[str, bytes] = {}
            wanted: dict[str, tuple[str | None, str | None, str | None]] = {}
            for res in sorted(org.get("resources") or [], key=lambda r: str(r.get("language", ""))):
                lang = str(res.get("language", "")).lower()
                if res.get("mediaUri") and res.get("uploadStatus") == "transcoded":
                    audio_bytes[lang] = client.transport.plain("GET", str(res["mediaUri"])).content
                sha = hashlib.sha256(audio_bytes[lang]).hexdigest() if lang in audio_bytes else None
                wanted[lang] = (res.get("ttsString") or None, res.get("text") or None, sha)
            item.languages = list(wanted)
            description = org.get("description") or None
            match = existing.get(name.casefold())
            if match is not None and _same(match, description, wanted):
                item.path, item.status = match.path, UNCHANGED
                continue
            path = match.path if match is not None else os.path.join(prompt_dir, f"{name}.yaml")
            audio_rel = {lang: f"audio/{name}.{lang}.wav" for lang in audio_bytes}
            text = prompt_yaml(name, description, [(lang, t, x, audio_rel.get(lang)) for lang, (t, x, _) in wanted.items()])
            if "{{" not in text:
                p = rmap.apply_text(text)  # a prompt file: its text is the prompt's own
                if substitute(p.text, values)[0] == text:  # the round trip promote relies on
                    text = p.text
            for lang, content in audio_bytes.items():
                target = os.path.join(os.path.dirname(path), audio_rel[lang])
                os.makedirs(os.path.dirname(target), exist_ok=True)
                write_atomic(target, content)
                item.audio.append(target)
            write_atomic(path, text)
            item.path, item.status = path, UPDATED if match is not None else CREATED
        except Exception as exc:  # noqa: BLE001 - one prompt failing does not stop the export
            item.status, item.message = FAILED, (str(exc).splitlines() or [type(exc).__name__])[0]
    return out, notes


def summary_lines(items: list[ExportedPrompt]) -> list[str]:
    lines = []
    for p in items:
        where = os.path.relpath(p.path) if p.path else ""
        detail = f"  languages: {', '.join(p.languages)}" if p.languages else ""
        audio = f"  recordings: {len(p.audio)}" if p.audio else ""
        note = f"  ({p.message})" if p.message else ""
        lines.append(f"{p.status:<10} {where or p.name}  prompt {p.name}{detail}{audio}{note}".rstrip())
    return lines

