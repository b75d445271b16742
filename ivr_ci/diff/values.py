"""Leaf-level comparison of canonical values, and how to show and classify them.

Works on the output of `Canonicalizer.value` (strings, dicts, lists; `@`-prefixed keys hold
org-object names that were mapping keys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ivr_ci.diff.model import Risk

# Properties whose value is something the caller hears or reads.
AUDIO_KEYS = frozenset({
    "audio", "initialGreeting", "preTransferAudio", "failureTransferAudio", "preHandlingAudio",
    "inputAudio", "noEntryAudio", "noMatchAudio", "communication", "question", "noMatch", "noInput",
    "messageBody", "prompt", "processingPrompt", "holdMusic", "voicemailGreeting", "confirmationAudio",
})
# Properties that decide where a caller goes next.
ROUTING_KEYS = frozenset({
    "targetQueue", "targetTaskRef", "targetMenuRef", "targetStateRef", "targetBotRef", "targetFlow",
    "targetUser", "targetGroup", "targetNumber", "targetAddress", "destination", "number", "phoneNumber",
    "condition", "evaluate", "value", "@flow", "@version", "@integration", "@dataAction", "@dataTable",
    "@script", "@bot", "@alias", "@region", "queue", "emergencyGroup", "selectedSchedule", "schedule",
    "scheduleGroup", "errorHandling", "defaultChildMenuRef", "startUpRef", "overrideInQueueFlow",
})
_CONFIG_RE = re.compile(r"(?i)timeout|delay|priority|repeat|retr(y|ies)|bargein|maxspeech|confidence|"
                        r"language|settings|suppress|duration|count$|enable")
_COSMETIC = frozenset({"name", "description", "comments", "comment", "notes"})
_TTS_FN_RE = re.compile(r"(?:ToAudioTTS|MakeCommunication|ToCommunication)\(\s*\"((?:[^\"\\]|\\.)*)\"")
MAX_SHORT = 160


def is_audio_key(key: str) -> bool:
    return key in AUDIO_KEYS or key.endswith("Audio")


def leaf_diffs(old: Any, new: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any, Any]]:
    """(path, old, new) for every differing leaf; audio values and uneven lists are compared whole.

    `None` on one side means "absent there".
    """
    if old == new:
        return
    if path and is_audio_key(path[-1]):
        yield path, old, new
        return
    if _descend(old, new):
        o, n = old or {}, new or {}
        keys = list(o) + [k for k in n if k not in o]
        for k in keys:
            yield from leaf_diffs(o.get(k), n.get(k), (*path, k))
        return
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for i, (a, b) in enumerate(zip(old, new, strict=True)):
            yield from leaf_diffs(a, b, (*path, f"[{i}]"))
        return
    yield path, old, new


_VALUE_WRAPPERS = frozenset({"lit", "exp", "var", "tts", "prompt", "none", "noValue"})


def _descend(old: Any, new: Any) -> bool:
    """Compare key by key? Not when the two sides chose different options (`lit` vs `exp`,
    errorHandling `disconnect` vs `queue`) or one side is a whole value: then it is one change."""
    if isinstance(old, dict) and isinstance(new, dict):
        return bool(old.keys() & new.keys()) or not old or not new
    one = old if isinstance(old, dict) and new is None else new if isinstance(new, dict) and old is None else None
    return one is not None and not (one.keys() & _VALUE_WRAPPERS)


def field_risk(path: tuple[str, ...]) -> tuple[str, Risk]:
    """(change kind, risk) for a changed property of an action (path inside its body)."""
    keys = [p for p in path if not p.startswith("[")]
    if any(is_audio_key(k) for k in keys):
        return "prompt-changed", Risk.CONTENT
    if len(keys) == 1 and keys[0] == "name":
        return "action-renamed", Risk.COSMETIC
    if keys and keys[-1] in _COSMETIC and keys[-1] != "name":
        return "action-changed", Risk.COSMETIC
    if any(k in ROUTING_KEYS for k in keys):
        return "action-changed", Risk.BEHAVIOURAL
    if any(_CONFIG_RE.search(k) for k in keys):
        return "action-changed", Risk.CONFIGURATION
    return "action-changed", Risk.BEHAVIOURAL  # unknown property: assume it matters


def dotted(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[", "[")


def spoken_text(value: Any) -> str | None:
    """What a caller hears/reads for an audio/communication value, as plain text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if "tts" in value and isinstance(value["tts"], str):
            return value["tts"]
        if "exp" in value and isinstance(value["exp"], str):
            texts = [_unescape(m) for m in _TTS_FN_RE.findall(value["exp"])]
            return " ".join(texts) if texts else value["exp"]
        if "lit" in value:
            lit = value["lit"]
            if isinstance(lit, dict) and isinstance(lit.get("name"), str):
                return f"prompt {lit['name']}"
            return short(lit)
        if "prompt" in value:
            return f"prompt {value['prompt']}"
    return short(value)


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


def short(value: Any, limit: int = MAX_SHORT) -> str:
    """A compact one-line rendering of a canonical value for summaries."""
    if value is None:
        return "(not set)"
    if isinstance(value, dict):
        if len(value) == 1:
            ((k, v),) = value.items()
            if k in ("lit", "exp", "var"):
                return short(v, limit)
            if k == "name" and isinstance(v, str):
                return v
            if k in ("seconds", "ms", "minutes") and isinstance(v, str):
                return f"{v} {'s' if k == 'seconds' else k}"
            if k == "tts":
                return f"tts: {short(v, limit)}"
            if k == "none":
                return "(none)"
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    elif isinstance(value, list):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ref_label(canonical_ref: Any) -> str:
    """"task:Sales Task" -> "task Sales Task"; a choice ref -> "choice X of menu Y"."""
    if not isinstance(canonical_ref, str):
        return short(canonical_ref)
    if "/choice:" in canonical_ref:
        menu, _, choice = canonical_ref.partition("/choice:")
        return f"choice {choice} of {menu.replace(':', ' ', 1)}"
    kind, sep, name = canonical_ref.partition(":")
    return f"{kind} {name}" if sep and kind in ("menu", "task", "state", "bot") else canonical_ref


_TARGET_BY_KIND = {
    "menuDisconnect": "disconnect", "menuPreviousMenu": "previous menu", "menuRepeatMenu": "repeat menu",
    "menuTransferToVoicemail": "voicemail", "menuTransferVoicemail": "voicemail",
    "menuDialExtension": "dial by extension", "menuDialName": "dial by name",
}


def choice_target(kind: str, body: dict[str, Any]) -> str:
    """Where a menu choice sends the caller, in reviewer terms ("queue Sales", "task Billing")."""
    if kind in _TARGET_BY_KIND:
        return _TARGET_BY_KIND[kind]
    for key in ("targetTaskRef", "targetMenuRef"):
        if key in body:
            return ref_label(body[key])
    if "targetQueue" in body:
        return f"queue {short(body['targetQueue'])}"
    if "targetFlow" in body:
        return f"flow {short(body['targetFlow'])}"
    for key in ("targetUser", "targetGroup"):
        if key in body:
            return f"{key[6:].lower()} {short(body[key])}"
    for key, v in body.items():
        if "number" in key.lower() or key in ("destination", "targetAddress"):
            return f"number {short(v)}"
    if kind == "menuTask":
        return "inline task"
    return kind[4:] if kind.startswith("menu") else kind
