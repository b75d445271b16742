"""Org objects a flow uses by name: queues, prompts, data actions, other flows...

These are what an online preflight looks up in the target org and what differs between
environments. Archy writes them three ways: `{lit: {name: X}}` under a telling key, as
a mapping key (`callData.category.<integration>.dataAction.<action>`), and inside
expressions (`ToAudio(Prompt.X)`, `FindQueue("X")`).
"""

from __future__ import annotations

import re
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


def _line(m: Any, key: Any) -> tuple[int, int]:
    p = m.pos_of(key) if isinstance(m, YMap) else None
    return (p.line, p.col) if p else (0, 0)


def _prompt_kind(name: str) -> tuple[str, str]:
    if name.startswith("PromptSystem."):
        return "systemPrompt", name[len("PromptSystem."):]
    if name.startswith("Prompt."):
        return "prompt", name[len("Prompt."):]
    return "prompt", name


def collect_org_refs(flow: Flow) -> list[OrgRef]:
    out: list[OrgRef] = []
    if isinstance(flow.division, str):
        line, col = _line(flow.raw, "division")
        out.append(OrgRef("division", flow.division, line, col))
    if isinstance(flow.raw, (dict, list)):
        _walk(flow.raw, out, None)
    return out


def _lit_name(value: Any) -> str | None:
    if isinstance(value, dict):
        inner = value.get("lit", value)
        if isinstance(inner, dict) and isinstance(inner.get("name"), str):
            return inner["name"]
    return None


# Keys that can name an org object; any other key only leads deeper (the walk's hot path).
_TELLING_KEYS = frozenset(_LIT_NAME_KINDS) | frozenset(_KEYED) | {"prompt", "category", "exp"}


def _walk(node: Any, out: list[OrgRef], parent_key: str | None) -> None:
    if isinstance(node, list):
        for item in node:
            if isinstance(item, (dict, list)):
                _walk(item, out, parent_key)
        return
    for key, value in node.items():
        if key in _TELLING_KEYS and _named_object(node, key, value, out, parent_key):
            continue
        if isinstance(value, (dict, list)):
            _walk(value, out, key if isinstance(key, str) else None)


def _named_object(node: Any, key: str, value: Any, out: list[OrgRef], parent_key: str | None) -> bool:
    """Record what `key: value` names; True when nothing inside it needs walking."""
    kind = _LIT_NAME_KINDS.get(key)
    name = _lit_name(value) if kind else None
    if kind and name:
        line, col = _line(node, key)
        if kind == "prompt":
            kind, name = _prompt_kind(name)
        flow_type = _LIT_FLOW_TYPES.get((key, parent_key)) or _LIT_FLOW_TYPES.get((key, None))
        out.append(OrgRef(kind, name, line, col, flow_type=flow_type))
        return True
    if key == "prompt" and isinstance(value, str):
        line, col = _line(node, key)
        pkind, pname = _prompt_kind(value)
        out.append(OrgRef(pkind, pname, line, col))
        return True
    if key == "category" and parent_key == "callData" and isinstance(value, dict):
        _data_actions(value, out)
        return True
    if key in _KEYED and isinstance(value, dict) and parent_key != "settings":
        for obj_name in value:
            if isinstance(obj_name, str):
                oline, ocol = _line(value, obj_name)
                out.append(OrgRef(_KEYED[key], obj_name, oline, ocol, flow_type=_FLOW_KEY_TYPES.get(key)))
    if key == "exp" and isinstance(value, str):
        _expr(value, out, *_line(node, key))
    return False


def _data_actions(category: dict, out: list[OrgRef]) -> None:
    for integration, spec in category.items():
        actions = spec.get("dataAction") if isinstance(spec, dict) else None
        if isinstance(actions, dict):
            for action_name in actions:
                line, col = _line(actions, action_name)
                out.append(OrgRef("dataAction", str(action_name), line, col, category=str(integration)))
                if isinstance(actions[action_name], (dict, list)):
                    _walk(actions[action_name], out, "dataAction")


def _expr(text: str, out: list[OrgRef], line: int, col: int) -> None:
    if "Prompt" not in text and "Find" not in text:  # most expressions name nothing: skip 10 regexes
        return
    for pattern, kind in _EXPR_PATTERNS:
        for m in pattern.finditer(text):
            out.append(OrgRef(kind, m.group(1), line, col))
    for m in re.finditer(r"\bPromptSystem\.([A-Za-z0-9_]+)", text):
        out.append(OrgRef("systemPrompt", m.group(1), line, col))
