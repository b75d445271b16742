"""Org objects a flow uses by name: queues, prompts, data actions, other flows...

These are what an online preflight looks up in the target org and what differs between
environments. Archy writes them three ways: `{lit: {name: X}}` under a telling key, as
a mapping key (`callData.category.<integration>.dataAction.<action>`), and inside
expressions (`ToAudio(Prompt.X)`, `FindQueue("X")`).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from ivr_ci.flow.model import Flow, OrgRef
from ivr_ci.flow.yamlpos import YMap

# key holding `{lit: {name: X}}` (or `{name: X}`) -> object kind
_LIT_NAME_KINDS = {
    "targetQueue": "queue", "queue": "queue", "languageSkill": "languageSkill",
    "defaultLanguageSkill": "languageSkill", "emergencyGroup": "emergencyGroup",
    "selectedSchedule": "schedule", "schedule": "schedule", "scheduleGroup": "scheduleGroup",
    "contactList": "contactList", "wrapupCode": "wrapupCode", "targetFlow": "flow",
    "targetUser": "user", "user": "user", "targetGroup": "group", "group": "group",
    "holdMusic": "prompt", "processingPrompt": "prompt", "skill": "skill", "worktype": "worktype",
    "overrideInQueueFlow": "flow",
}
# flow references whose target type follows from where they stand: (key, parent key) -> yaml type
_LIT_FLOW_TYPES = {
    ("targetFlow", "transferToFlowSecure"): "secureCall",
    ("targetFlow", "menuTransferFlowSecure"): "secureCall",
    ("overrideInQueueFlow", None): "inqueueCall",
}
# mapping-key forms: parent key -> (kind, key of the nested name map, nested kind)
_KEYED = {
    "dataTable": "dataTable", "botFlow": "botFlow", "digitalBotFlow": "digitalBotFlow",
    "commonModule": "commonModule", "screenPopScript": "script",
}
_EXPR_PATTERNS = [
    (re.compile(r"\bPrompt\.([A-Za-z0-9_]+)"), "prompt"),
    (re.compile(r"\bFindQueue\(\s*\"([^\"]+)\""), "queue"),
    (re.compile(r"\bFindScheduleGroup\(\s*\"([^\"]+)\""), "scheduleGroup"),
    (re.compile(r"\bFindSchedule\(\s*\"([^\"]+)\""), "schedule"),
    (re.compile(r"\bFindEmergencyGroup\(\s*\"([^\"]+)\""), "emergencyGroup"),
    (re.compile(r"\bFindUser\(\s*\"([^\"]+)\""), "user"),
    (re.compile(r"\bFindGroup\(\s*\"([^\"]+)\""), "group"),
    (re.compile(r"\bFindSkill\(\s*\"([^\"]+)\""), "skill"),
    (re.compile(r"\bFindLanguageSkill\(\s*\"([^\"]+)\""), "languageSkill"),
]
_FLOW_KEY_TYPES = {"botFlow": "botFlow", "digitalBotFlow": "digitalBot", "commonModule": "commonModule"}
_EXPR_KINDS = frozenset({kind for _, kind in _EXPR_PATTERNS} | {"systemPrompt"})
# the keys under which another flow is named: `{lit: {name: X}}` forms and mapping-key forms
FLOW_REF_KEYS = frozenset({k for k, kind in _LIT_NAME_KINDS.items() if kind == "flow"} | set(_FLOW_KEY_TYPES))

# A double-quoted YAML scalar can spell a key without writing it out: \x, \u, \U escapes and
# escaped line breaks (the other escapes only make spaces, punctuation and control characters).
_SPELLING_ESCAPE_RE = re.compile(r"\\[xuU\r\n\x85\u2028\u2029]")


def may_have_keys(text: str, keys: Collection[str]) -> bool:
    """Whether a mapping parsed from the YAML `text` can have one of `keys` (ASCII names):
    False only when no key is written out in the text and no escape could spell one, so a
    walk of the tree for them can be skipped."""
    return any(k in text for k in keys) or _SPELLING_ESCAPE_RE.search(text) is not None


def _line(m: Any, key: Any) -> tuple[int, int]:
    p = m.pos_of(key) if isinstance(m, YMap) else None
    return (p.line, p.col) if p else (0, 0)


def _prompt_kind(name: str) -> tuple[str, str]:
    if name.startswith("PromptSystem."):
        return "systemPrompt", name[len("PromptSystem."):]
    if name.startswith("Prompt."):
        return "prompt", name[len("Prompt."):]
    return "prompt", name


def collect_org_refs(flow: Flow, kinds: Collection[str] | None = None) -> list[OrgRef]:
    """Every org object `flow` names, or only those of `kinds` (the same walk; nothing is
    worked out for the other kinds)."""
    out: list[OrgRef] = []
    keep = None if kinds is None else frozenset(kinds)
    if isinstance(flow.division, str) and (keep is None or "division" in keep):
        line, col = _line(flow.raw, "division")
        out.append(OrgRef("division", flow.division, line, col))
    if isinstance(flow.raw, (dict, list)):
        _walk(flow.raw, out, None, keep, keep is None or not keep.isdisjoint(_EXPR_KINDS))
    return out


def _lit_name(value: Any) -> str | None:
    if isinstance(value, dict):
        inner = value.get("lit", value)
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return inner["name"]
    return None


# Keys that can name an org object; any other key only leads deeper (the walk's hot path).
_TELLING_KEYS = frozenset(_LIT_NAME_KINDS) | frozenset(_KEYED) | {"prompt", "category", "exp"}


def _walk(node: Any, out: list[OrgRef], parent_key: str | None, keep: frozenset[str] | None, exprs: bool) -> None:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _walk(item, out, parent_key, keep, exprs)
        return
    for key, value in node.items():
        if key in _TELLING_KEYS and _named_object(node, key, value, out, parent_key, keep, exprs):
            continue
        if isinstance(value, (dict, list)):
            _walk(value, out, key if isinstance(key, str) else None, keep, exprs)


def _named_object(node: Any, key: str, value: Any, out: list[OrgRef], parent_key: str | None,
                  keep: frozenset[str] | None, exprs: bool) -> bool:
    """Record what `key: value` names (when its kind is kept); True when nothing inside it
    needs walking."""
    kind = _LIT_NAME_KINDS.get(key)
    name = _lit_name(value) if kind else None
    if kind and name:
        if kind == "prompt":
            kind, name = _prompt_kind(name)
        if keep is None or kind in keep:
            line, col = _line(node, key)
            flow_type = _LIT_FLOW_TYPES.get((key, parent_key)) or _LIT_FLOW_TYPES.get((key, None))
            out.append(OrgRef(kind, name, line, col, flow_type=flow_type))
        return True
    if key == "prompt" and isinstance(value, str):
        pkind, pname = _prompt_kind(value)
        if keep is None or pkind in keep:
            line, col = _line(node, key)
            out.append(OrgRef(pkind, pname, line, col))
        return True
    if key == "category" and parent_key == "callData" and isinstance(value, dict):
        _data_actions(value, out, keep, exprs)
        return True
    if key in _KEYED and isinstance(value, dict) and parent_key != "settings" \
            and (keep is None or _KEYED[key] in keep):
        for obj_name in value:
            if isinstance(obj_name, str):
                oline, ocol = _line(value, obj_name)
                out.append(OrgRef(_KEYED[key], obj_name, oline, ocol, flow_type=_FLOW_KEY_TYPES.get(key)))
    if key == "exp" and exprs and isinstance(value, str) and ("Prompt" in value or "Find" in value):
        _expr(value, out, *_line(node, key), keep)  # most expressions name nothing: no regexes
    return False


def _data_actions(category: dict, out: list[OrgRef], keep: frozenset[str] | None, exprs: bool) -> None:
    for integration, spec in category.items():
        actions = spec.get("dataAction") if isinstance(spec, dict) else None
        if isinstance(actions, dict):
            for action_name in actions:
                if keep is None or "dataAction" in keep:
                    line, col = _line(actions, action_name)
                    out.append(OrgRef("dataAction", str(action_name), line, col, category=str(integration)))
                if isinstance(actions[action_name], (dict, list)):
                    _walk(actions[action_name], out, "dataAction", keep, exprs)


def _expr(text: str, out: list[OrgRef], line: int, col: int, keep: frozenset[str] | None) -> None:
    for pattern, kind in _EXPR_PATTERNS:
        if keep is None or kind in keep:
            for m in pattern.finditer(text):
                out.append(OrgRef(kind, m.group(1), line, col))
    if keep is None or "systemPrompt" in keep:
        for m in re.finditer(r"\bPromptSystem\.([A-Za-z0-9_]+)", text):
            out.append(OrgRef("systemPrompt", m.group(1), line, col))
