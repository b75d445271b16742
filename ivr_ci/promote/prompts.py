"""User prompts in a release: plan per language, deploy before the flows, verify, roll back.

A release carries every prompt file of the repository (rendered for the environment). The
plan compares each with the org's prompt of that name, language by language:

* `create` (no prompt of that name), `update` or `unchanged` for the prompt;
* per language `create`, `update` (which of tts / text / audio changed), `delete` (the org
  has a language the file no longer lists) or `unchanged`.

Audio is compared by content hash: a deploy tags each resource with the sha256 of the
recording it uploaded (`PromptAsset.tags`, the field the Terraform provider keeps its
`filename` in), so an unchanged recording is not uploaded again. A resource without that
tag (recorded in Architect) counts as different when the file has a recording.

Apply order: prompts first (flows resolve `Prompt.X` when they are published), then flows.
Before touching a resource its current state is kept, including the recording's bytes
(downloaded from `mediaUri`), so a rollback restores exactly what was there; a prompt the
run created is deleted. The rollback is verified by reading the prompts back.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ivr_ci.findings import Finding, Severity
from ivr_ci.prompts.model import PromptFile

if TYPE_CHECKING:
    from ivr_ci.flow.model import OrgRef
    from ivr_ci.genesys.client import GenesysClient
    from ivr_ci.promote.render import RenderedFlow

CREATE, UPDATE, DELETE, UNCHANGED = "create", "update", "delete", "unchanged"
AUDIO_TAG = "ivr-ci-audio-sha256"
ATTEMPTS = 3
Progress = Callable[[str, str, str], None]


@dataclass
class LanguageChange:
    language: str
    action: str  # create | update | delete | unchanged
    changed: list[str] = field(default_factory=list)  # tts, text, audio (update); what a create sets
    tts: str | None = None  # wanted
    text: str | None = None
    audio_sha256: str | None = None
    audio_path: str | None = field(default=None, repr=False)
    tts_before: str | None = None
    text_before: str | None = None
    before: dict[str, Any] | None = field(default=None, repr=False)  # the org's resource at plan time

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"language": self.language, "action": self.action, "changed": self.changed}
        if "tts" in self.changed:
            data.update(ttsBefore=self.tts_before, ttsAfter=self.tts)
        if "text" in self.changed:
            data.update(textBefore=self.text_before, textAfter=self.text)
        if "audio" in self.changed:
            data["audioSha256"] = self.audio_sha256
        return data

    def describe(self) -> str:
        if self.action == CREATE:
            return f"{self.language} added"
        if self.action == DELETE:
            return f"{self.language} removed"
        if self.action == UPDATE:
            return f"{self.language}: {', '.join(self.changed)} changed"
        return f"{self.language} unchanged"


@dataclass
class PlanPrompt:
    name: str
    path: str
    action: str  # create | update | unchanged
    sha256: str  # rendered content and recordings
    source_sha256: str  # template content and recordings (the same in every environment)
    target_id: str | None = None
    description: str | None = None
    description_changed: bool = False
    languages: list[LanguageChange] = field(default_factory=list)
    target_state: str = ""  # hash of the org's prompt at plan time (in the plan hash)
    snapshot: dict[str, Any] | None = field(default=None, repr=False)

    @property
    def changed(self) -> bool:
        return self.action != UNCHANGED

    @property
    def label(self) -> str:
        return f"{self.name} (prompt)"

    @property
    def language_changes(self) -> list[LanguageChange]:
        return [c for c in self.languages if c.action != UNCHANGED]

    @property
    def summary(self) -> str:
        if self.action == CREATE:
            return "new prompt: " + ", ".join(c.language for c in self.languages)
        parts = [c.describe() for c in self.language_changes]
        if self.description_changed:
            parts.insert(0, "description changed")
        return "; ".join(parts) or "unchanged"

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "path": self.path, "action": self.action, "sha256": self.sha256,
                "sourceSha256": self.source_sha256, "targetId": self.target_id, "change": self.summary,
                "languages": [c.to_json() for c in self.languages]}


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _content(pf: PromptFile, template: bool) -> str:
    audio = {lang: pf.audio_sha256(r) for lang, r in pf.resources.items() if r.audio}
    return _digest({"text": pf.template if template else pf.text, "audio": audio})


def prompt_source_sha256(pf: PromptFile) -> str:
    """The prompt file as written and its recordings: the same in every environment."""
    return _content(pf, True)


def _tag(resource: dict[str, Any]) -> str | None:
    tags = resource.get("tags") or {}
    values = tags.get(AUDIO_TAG) if isinstance(tags, dict) else None
    return str(values[0]) if isinstance(values, list) and values else None


def _none(value: Any) -> str | None:
    return value if isinstance(value, str) and value != "" else None


def compare_prompt(pf: PromptFile, org: dict[str, Any] | None) -> PlanPrompt:
    """The plan for one prompt file against the org's prompt of that name (None: absent)."""
    plan = PlanPrompt(str(pf.name), pf.path, UNCHANGED, _content(pf, False), _content(pf, True),
                      description=pf.description)
    existing = {str(r.get("language", "")).lower(): r for r in (org or {}).get("resources") or []}
    if org is not None:
        plan.target_id = str(org.get("id"))
        plan.snapshot = org
        plan.target_state = _digest({"description": org.get("description"), "resources": sorted(
            [k, r.get("ttsString"), r.get("text"), _tag(r), bool(r.get("mediaUri"))] for k, r in existing.items())})
        plan.description_changed = (_none(org.get("description")) or None) != (_none(pf.description) or None)
    for lang, res in pf.resources.items():
        change = LanguageChange(res.language, UNCHANGED, tts=_none(res.tts), text=_none(res.text),
                                audio_sha256=pf.audio_sha256(res), audio_path=pf.audio_path(res))
        have = existing.get(lang)
        if have is None:
            change.action = CREATE
            change.changed = [k for k in ("tts", "text", "audio") if getattr(change, k if k != "audio" else
                                                                            "audio_sha256")]
        else:
            change.before = have
            change.tts_before, change.text_before = _none(have.get("ttsString")), _none(have.get("text"))
            if change.tts != change.tts_before:
                change.changed.append("tts")
            if change.text != change.text_before:
                change.changed.append("text")
            if change.audio_sha256 is not None and change.audio_sha256 != _tag(have):
                change.changed.append("audio")
            elif change.audio_sha256 is None and (have.get("mediaUri") and have.get("uploadStatus") == "transcoded"):
                change.changed.append("audio")  # the file has no recording any more: remove it
            if change.changed:
                change.action = UPDATE
        plan.languages.append(change)
    for lang, have in sorted(existing.items()):
        if lang not in pf.resources:
            plan.languages.append(LanguageChange(str(have.get("language") or lang), DELETE, before=have,
                                                 tts_before=_none(have.get("ttsString"))))
    if org is None:
        plan.action = CREATE
    elif plan.description_changed or plan.language_changes:
        plan.action = UPDATE
    return plan


def plan_prompts(client: GenesysClient, files: list[PromptFile]) -> list[PlanPrompt]:
    out = []
    for pf in files:
        if not pf.ok:
            continue
        found = client.find_user_prompt(str(pf.name))
        org = client.get_prompt(str(found["id"])) if found is not None else None
        out.append(compare_prompt(pf, org))
    return sorted(out, key=lambda p: p.name.casefold())


# ---- preflight of prompts the release does not define ---------------------------------------

def external_language_findings(client: GenesysClient, uses: list[tuple[RenderedFlow, OrgRef]],
                               found: dict[tuple[str, str, str], Any], release_names: set[str]) -> list[Finding]:
    """Prompts the flows play that exist in the org but lack a language a flow supports."""
    out: list[Finding] = []
    resources: dict[str, set[str]] = {}
    for doc, ref in uses:
        if ref.kind != "prompt" or ref.name.casefold() in release_names or doc.doc.flow is None:
            continue
        entity = found.get((ref.kind, ref.name, ref.category or ""))
        if not isinstance(entity, dict) or not entity.get("id"):
            continue
        pid = str(entity["id"])
        if pid not in resources:
            full = client.get_prompt(pid)
            resources[pid] = {str(r.get("language", "")).lower() for r in full.get("resources") or []}
        missing = [lang for lang in doc.doc.flow.supported_languages if lang.lower() not in resources[pid]]
        if missing:
            out.append(Finding("promote-preflight", Severity.ERROR, (
                f"user prompt '{ref.name}' has no {', '.join(missing)} resource in the target org, but the flow "
                f"supports {', '.join(missing)}"), doc.path, ref.line, ref.col, flow=doc.name))
    return out


# ---- apply -----------------------------------------------------------------------------------

@dataclass
class PromptRecord:
    """What the apply did to one prompt (the ledger's `prompts` entries)."""

    name: str
    action: str
    prompt_id: str | None = None
    status: str = "pending"  # pending | deployed | failed | rolled-back | rollback-failed | skipped
    languages: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "action": self.action, "promptId": self.prompt_id, "status": self.status,
                "languages": self.languages, "error": self.error}


def _retry(fn: Callable[[], Any], attempts: int = ATTEMPTS, pause: float = 0.5) -> Any:
    for n in range(1, attempts + 1):
        try:
            return fn()
        except Exception:
            if n == attempts:
                raise
            time.sleep(pause * n)


def _asset(language: str, tts: str | None, text: str | None, tags: dict[str, list[str]]) -> dict[str, Any]:
    body: dict[str, Any] = {"language": language, "tags": tags}
    if tts is not None:
        body["ttsString"] = tts
    if text is not None:
        body["text"] = text
    return body


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class PromptDeployment:
    """Deploys a plan's changed prompts, verifies them, and undoes everything it touched."""

    def __init__(self, client: GenesysClient, prompts: list[PlanPrompt], progress: Progress,
                 transcode_timeout: float = 120.0) -> None:
        self.client = client
        self.prompts = [p for p in prompts if p.changed]
        self.progress = progress
        self.transcode_timeout = transcode_timeout
        self.records = [PromptRecord(p.name, p.action, p.target_id, languages=[c.to_json() for c in p.language_changes])
                        for p in self.prompts]
        self.touched: dict[str, set[str]] = {}  # prompt name -> languages changed in the org
        self.created: dict[str, str] = {}  # prompt name -> id of a prompt this run created
        self.saved_audio: dict[tuple[str, str], bytes | None] = {}  # (name, language) -> recording before

    def deploy(self) -> str | None:
        """Deploy every changed prompt in order; None on success, else what failed."""
        for plan, rec in zip(self.prompts, self.records, strict=True):
            try:
                self._deploy_one(plan, rec)
                rec.status = "deployed"
            except Exception as exc:  # noqa: BLE001 - any failure fails the release, then rolls back
                rec.status, rec.error = "failed", _first_line(exc)
                for later in self.records[self.records.index(rec) + 1:]:
                    later.status = "skipped"
                return f"{plan.label} failed: {rec.error}"
        return None

    def _deploy_one(self, plan: PlanPrompt, rec: PromptRecord) -> None:
        client = self.client
        self.progress(plan.label, "deploying", plan.summary)
        if plan.action == CREATE:
            created = client.create_prompt(plan.name, plan.description)
            rec.prompt_id = plan.target_id = str(created["id"])
            self.created[plan.name] = rec.prompt_id
        elif plan.description_changed:
            self.touched.setdefault(plan.name, set())
            client.update_prompt(str(plan.target_id), plan.name, plan.description)
        pid = str(plan.target_id)
        for change in plan.language_changes:
            lang = change.language
            if change.action == DELETE or (change.action == UPDATE and "audio" in change.changed):
                self._save_audio(plan, change)
            self.touched.setdefault(plan.name, set()).add(lang.lower())
            if change.action == DELETE:
                client.delete_prompt_resource(pid, lang)
                continue
            tags = {AUDIO_TAG: [change.audio_sha256]} if change.audio_sha256 else {}
            body = _asset(lang, change.tts, change.text, tags)
            if change.action == CREATE:
                client.create_prompt_resource(pid, body)
            else:
                client.update_prompt_resource(pid, lang, body)
            if "audio" in change.changed:
                if change.audio_path:
                    self.progress(plan.label, "uploading", f"{lang} audio")
                    with open(change.audio_path, "rb") as fh:
                        client.upload_prompt_audio(pid, lang, fh.read())
                    client.wait_prompt_transcoded(pid, lang, timeout=self.transcode_timeout)
                elif change.action == UPDATE:
                    client.delete_prompt_audio(pid, lang)
        self.progress(plan.label, "deployed", "")

    def _save_audio(self, plan: PlanPrompt, change: LanguageChange) -> None:
        before = change.before or {}
        uri = before.get("mediaUri")
        content = None
        if uri and before.get("uploadStatus") == "transcoded":
            content = _retry(lambda: self.client.transport.plain("GET", str(uri)).content)
        self.saved_audio[(plan.name, change.language.lower())] = content

    def verify(self) -> str | None:
        """Read every deployed prompt back: each language as planned; None when all match."""
        for plan, rec in zip(self.prompts, self.records, strict=True):
            try:
                org = self.client.get_prompt(str(plan.target_id))
            except Exception as exc:  # noqa: BLE001
                return f"verification failed: {plan.label}: {_first_line(exc)}"
            problem = _matches(plan, org)
            if problem:
                rec.status, rec.error = "failed", problem
                return f"verification failed: {plan.label}: {problem}"
        return None

    def rollback(self) -> bool:
        """Undo every prompt change this run made (latest first); True when verified."""
        ok = True
        for plan, rec in reversed(list(zip(self.prompts, self.records, strict=True))):
            if plan.name not in self.created and plan.name not in self.touched:
                continue
            self.progress(plan.label, "rolling back", "deleting" if plan.name in self.created else "restoring")
            try:
                _retry(lambda plan=plan: self._undo(plan))  # type: ignore[misc]
                problem = self._check_undone(plan)
                if problem:
                    raise RuntimeError(problem)
                rec.status = "rolled-back"
            except Exception as exc:  # noqa: BLE001 - keep undoing the others
                rec.status, rec.error, ok = "rollback-failed", _first_line(exc), False
        return ok

    def _undo(self, plan: PlanPrompt) -> None:
        client = self.client
        if plan.name in self.created:
            client.delete_prompt(self.created[plan.name])
            return
        pid = str(plan.target_id)
        snap = plan.snapshot or {}
        if plan.description_changed:
            client.update_prompt(pid, plan.name, _none(snap.get("description")))
        now = {str(r.get("language", "")).lower(): r for r in client.list_prompt_resources(pid)}
        for change in plan.languages:
            lang = change.language.lower()
            if lang not in self.touched.get(plan.name, set()):
                continue
            before = change.before
            if before is None:  # the run added this language
                if lang in now:
                    client.delete_prompt_resource(pid, change.language)
                continue
            raw_tags = before.get("tags")
            tags: dict[str, list[str]] = dict(raw_tags) if isinstance(raw_tags, dict) else {}
            body = _asset(str(before.get("language") or change.language), _none(before.get("ttsString")),
                          _none(before.get("text")), tags)
            if lang in now:
                client.update_prompt_resource(pid, change.language, body)
            else:
                client.create_prompt_resource(pid, body)
            key = (plan.name, lang)
            if key in self.saved_audio or change.action == DELETE:
                audio = self.saved_audio.get(key)
                if audio:
                    client.upload_prompt_audio(pid, change.language, audio)
                    client.wait_prompt_transcoded(pid, change.language, timeout=self.transcode_timeout)
                elif change.action != DELETE:
                    client.delete_prompt_audio(pid, change.language)

    def _check_undone(self, plan: PlanPrompt) -> str | None:
        if plan.name in self.created:
            found = self.client.find_user_prompt(plan.name)
            return "still exists after delete" if found is not None else None
        org = self.client.get_prompt(str(plan.target_id))
        now = {str(r.get("language", "")).lower(): r for r in org.get("resources") or []}
        for change in plan.languages:
            lang = change.language.lower()
            if lang not in self.touched.get(plan.name, set()):
                continue
            before = change.before
            if before is None:
                if lang in now:
                    return f"{change.language} still present after rollback"
                continue
            have = now.get(lang)
            if have is None:
                return f"{change.language} missing after rollback"
            if (_none(have.get("ttsString")), _none(have.get("text")), _tag(have)) != \
                    (_none(before.get("ttsString")), _none(before.get("text")), _tag(before)):
                return f"{change.language} differs from its state before the deploy"
        return None


def _matches(plan: PlanPrompt, org: dict[str, Any]) -> str | None:
    now = {str(r.get("language", "")).lower(): r for r in org.get("resources") or []}
    for change in plan.languages:
        lang = change.language.lower()
        have = now.get(lang)
        if change.action == DELETE:
            if have is not None:
                return f"{change.language} still present"
            continue
        if have is None:
            return f"no {change.language} resource after the deploy"
        if (_none(have.get("ttsString")), _none(have.get("text"))) != (change.tts, change.text):
            return f"{change.language} text differs from the prompt file"
        if change.audio_sha256 and (_tag(have) != change.audio_sha256 or have.get("uploadStatus") != "transcoded"):
            return f"{change.language} recording is not the file's (or not transcoded)"
    return None
